using System.Buffers;
using System.Globalization;
using System.Net;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Serverless.Standalone.Development;

/// <summary>
/// `--smtp`: a real SMTP server on loopback (the SmtpServer package, in process) that the email channel sends to.
/// Each accepted message is written as an .eml file under <see cref="Folder"/>, and its path printed.
/// Development only: no authentication, no TLS, loopback only.
/// </summary>
public sealed class DevelopmentSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public DevelopmentSmtpServer(int port, string folder, Action<string> log)
    {
        Port = port;
        Folder = folder;
        Directory.CreateDirectory(folder);
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new FolderStore(folder, log));
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }

    public string Folder { get; }

    /// <summary>The settings that point the email channel at this server.</summary>
    public Dictionary<string, string?> Settings(IConfiguration configuration) => new()
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = Port.ToString(CultureInfo.InvariantCulture),
        ["Email:Smtp:UseTls"] = "false",
        ["Email:Smtp:Username"] = "",
        ["Email:Smtp:Password"] = "",
        ["Email:From"] = string.IsNullOrEmpty(configuration["Email:From"]) ? "Notifications <notifications@localhost>" : configuration["Email:From"],
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private sealed class FolderStore(string folder, Action<string> log) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var to = string.Join(", ", transaction.To.Select(m => m.User + "@" + m.Host));
            var path = Path.Combine(folder, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}.eml");
            await File.WriteAllBytesAsync(path, buffer.ToArray(), cancellationToken);
            log($"Mail for {to}: {path}");
            return SmtpResponse.Ok;
        }
    }
}
