using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Serverless.Standalone.Development;

namespace Serverless.Benchmarks;

/// <summary>
/// The real @microsoft/signalr client (Node, tests/Serverless.Tests/e2e/signalr-client.mjs) connected as one user.
/// Each notificationCreated is timestamped here, with Stopwatch, when its stdout line arrives, so both ends of a
/// latency sample are read from one clock. The pipe hop is included, which makes the figure slightly pessimistic.
/// </summary>
public sealed class NodeSignalRListener : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _created = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<JsonElement> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stderr = new();

    private NodeSignalRListener(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static async Task<NodeSignalRListener> ConnectAsync(Uri baseAddress, string token, CancellationToken cancellationToken)
    {
        var root = AzuriteProcess.FindRepositoryRoot();
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Path.Combine(root, "tests", "Serverless.Tests", "e2e", "signalr-client.mjs"));
        info.ArgumentList.Add(baseAddress.ToString());
        info.ArgumentList.Add("notificationCreated");
        var listener = new NodeSignalRListener(Process.Start(info) ?? throw new InvalidOperationException("Could not start node."));
        await listener.SendAsync(new { cmd = "token", token });
        await listener.SendAsync(new { cmd = "start" });
        var result = await listener._connected.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (result.GetProperty("event").GetString() != "connected")
        {
            await listener.DisposeAsync();
            throw new InvalidOperationException("SignalR client did not connect: " + result.GetRawText() + " " + string.Join("\n", listener._stderr));
        }

        return listener;
    }

    /// <summary>Completes with the Stopwatch timestamp at which notificationCreated for the event arrived.</summary>
    public Task<long> ReceivedAsync(string eventId) => Slot(eventId).Task;

    private TaskCompletionSource<long> Slot(string eventId) =>
        _created.GetOrAdd(eventId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void OnLine(string? line)
    {
        // Timestamp before parsing, so JSON work is not counted as latency.
        var arrived = Stopwatch.GetTimestamp();
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        switch (root.GetProperty("event").GetString())
        {
            case "message" when root.GetProperty("target").GetString() == "notificationCreated":
                var eventId = root.GetProperty("args")[0].GetProperty("eventId").GetString();
                if (eventId is not null)
                {
                    Slot(eventId).TrySetResult(arrived);
                }

                break;
            case "connected" or "error":
                _connected.TrySetResult(root.Clone());
                break;
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
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
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
