using Serverless.Standalone;
using Serverless.Standalone.Configuration;
using Serverless.Standalone.Development;

// `token ...` mints a local bearer token; `--azurite` starts the pinned Azurite first, `--smtp` a loopback SMTP server
// that the email channel sends to (both development only).
if (args.Length > 0 && args[0] == "token")
{
    var configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(LocalSettings.Load(Directory.GetCurrentDirectory()))
        .AddEnvironmentVariables()
        .Build();
    return TokenCommand.Run(configuration, args[1..], Console.Out, Console.Error);
}

AzuriteProcess? azurite = null;
DevelopmentSmtpServer? smtp = null;
var hostArgs = args.Where(a => a is not ("--azurite" or "--smtp")).ToArray();
Dictionary<string, string?>? overrides = null;
if (args.Contains("--azurite"))
{
    Console.WriteLine("Starting Azurite (in memory) on 127.0.0.1:10000-10002...");
    azurite = await AzuriteProcess.StartAsync(10000, 10001, 10002, Console.WriteLine);
    overrides = new() { ["AzureWebJobsStorage"] = azurite.ConnectionString };
}

if (args.Contains("--smtp"))
{
    var local = new ConfigurationBuilder().AddInMemoryCollection(LocalSettings.Load(Directory.GetCurrentDirectory())).AddEnvironmentVariables().Build();
    smtp = new DevelopmentSmtpServer(2525, Path.Combine(Directory.GetCurrentDirectory(), ".mail"), Console.WriteLine);
    Console.WriteLine($"SMTP server on 127.0.0.1:{smtp.Port}; each email is written to {smtp.Folder}/*.eml");
    overrides ??= new();
    foreach (var (key, value) in smtp.Settings(local))
    {
        overrides[key] = value;
    }
}

try
{
    var app = StandaloneHost.Build(hostArgs, overrides);
    await app.RunAsync();
    return 0;
}
finally
{
    if (azurite is not null)
    {
        await azurite.DisposeAsync();
    }

    if (smtp is not null)
    {
        await smtp.DisposeAsync();
    }
}
