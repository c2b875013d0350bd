using Serverless.Standalone;
using Serverless.Standalone.Configuration;
using Serverless.Standalone.Development;

// `token ...` mints a local bearer token; `--azurite` starts the pinned Azurite first (development only).
if (args.Length > 0 && args[0] == "token")
{
    var configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(LocalSettings.Load(Directory.GetCurrentDirectory()))
        .AddEnvironmentVariables()
        .Build();
    return TokenCommand.Run(configuration, args[1..], Console.Out, Console.Error);
}

AzuriteProcess? azurite = null;
var hostArgs = args.Where(a => a != "--azurite").ToArray();
Dictionary<string, string?>? overrides = null;
if (hostArgs.Length != args.Length)
{
    Console.WriteLine("Starting Azurite (in memory) on 127.0.0.1:10000-10002...");
    azurite = await AzuriteProcess.StartAsync(10000, 10001, 10002, Console.WriteLine);
    overrides = new() { ["AzureWebJobsStorage"] = azurite.ConnectionString };
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
}
