using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Serverless.Tests.Infrastructure;

/// <summary>
/// Drives the real @microsoft/signalr JavaScript client (Node) against a host: negotiate, connect, receive.
/// Messages arrive as JSON lines; tests wait for the ones they expect.
/// </summary>
public sealed class SignalRNodeClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _all = [];
    private readonly List<JsonElement> _pending = [];
    private readonly List<string> _stderr = [];

    private SignalRNodeClient(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data))
            {
                return;
            }

            using var document = JsonDocument.Parse(e.Data);
            _events.Writer.TryWrite(document.RootElement.Clone());
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the client process and connects it with the token; returns once connected.</summary>
    public static Task<SignalRNodeClient> ConnectAsync(Uri baseAddress, string token, params string[] methods) =>
        StartProcessAsync(baseAddress.ToString(), null, token, methods);

    /// <summary>Connects straight to a hub URL (e.g. {origin}/client/?hub=notifications) with a client token, skipping the app's negotiate.</summary>
    public static Task<SignalRNodeClient> ConnectToHubAsync(string hubUrl, string token, params string[] methods) =>
        StartProcessAsync(hubUrl, hubUrl, token, methods);

    private static async Task<SignalRNodeClient> StartProcessAsync(string baseAddress, string? hubUrl, string token, string[] methods)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "e2e", "signalr-client.mjs");
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Standalone.Development.AzuriteProcess.FindRepositoryRoot(),
        };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(baseAddress);
        info.ArgumentList.Add(string.Join(",", methods));
        if (hubUrl is not null)
        {
            info.ArgumentList.Add(hubUrl);
        }

        var client = new SignalRNodeClient(Process.Start(info)!);
        await client.SendAsync(new { cmd = "token", token });
        await client.StartAsync();
        return client;
    }

    public async Task StartAsync()
    {
        await SendAsync(new { cmd = "start" });
        var result = await NextAsync(e => e.GetProperty("event").GetString() is "connected" or "error", TimeSpan.FromSeconds(30));
        if (result.GetProperty("event").GetString() != "connected")
        {
            throw new InvalidOperationException("SignalR client failed to connect: " + result.GetRawText() + " " + string.Join("\n", _stderr));
        }
    }

    public async Task StopAsync()
    {
        await SendAsync(new { cmd = "stop" });
        await NextAsync(e => e.GetProperty("event").GetString() == "stopped", TimeSpan.FromSeconds(15));
    }

    /// <summary>Waits for a hub message with the given target whose first argument satisfies the predicate.</summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var message = await NextAsync(
            e => e.GetProperty("event").GetString() == "message" && e.GetProperty("target").GetString() == target &&
                 (predicate is null || predicate(e.GetProperty("args")[0])),
            timeout ?? TimeSpan.FromSeconds(30));
        return message.GetProperty("args")[0];
    }

    /// <summary>Waits until the server closes the connection (the client's onclose); returns the close error, if any.</summary>
    public async Task<string?> WaitForClosedAsync(TimeSpan? timeout = null)
    {
        var closed = await NextAsync(e => e.GetProperty("event").GetString() == "closed", timeout ?? TimeSpan.FromSeconds(30));
        return closed.GetProperty("error").ValueKind == JsonValueKind.String ? closed.GetProperty("error").GetString() : null;
    }

    /// <summary>Every hub message with the given target received so far (including ones already waited for).</summary>
    public async Task<IReadOnlyList<JsonElement>> ReceivedAsync(string target, TimeSpan settle)
    {
        await Task.Delay(settle);
        while (_events.Reader.TryRead(out var e))
        {
            _all.Add(e);
            _pending.Add(e);
        }

        return _all.Where(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("target").GetString() == target)
            .Select(e => e.GetProperty("args")[0]).ToArray();
    }

    private async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var earlier = _pending.FindIndex(e => match(e));
        if (earlier >= 0)
        {
            var found = _pending[earlier];
            _pending.RemoveAt(earlier);
            return found;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(cts.Token);
                _all.Add(e);
                if (match(e))
                {
                    return e;
                }

                _pending.Add(e);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No matching SignalR event within {timeout}. Seen: {string.Join(", ", _all.Select(s => s.GetRawText()))} {string.Join("\n", _stderr)}");
        }
    }

    private async Task SendAsync(object command)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync(new { cmd = "exit" });
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
