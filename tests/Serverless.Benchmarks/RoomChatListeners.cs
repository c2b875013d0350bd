using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Serverless.Standalone.Development;

namespace Serverless.Benchmarks;

/// <summary>
/// N real @microsoft/signalr clients (room-chat-listeners.mjs, one Node process) connected as room members. Every
/// messageCreated is timestamped here with Stopwatch when its line arrives, and kept per client in arrival order, so
/// exactly-once and in-order delivery can be checked per member afterwards.
/// </summary>
public sealed class RoomChatListeners : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<(long Seq, long At)>[] _arrivals;
    private readonly ConcurrentDictionary<long, SeqArrival> _bySeq = new();
    private readonly TaskCompletionSource<JsonElement> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stderr = new();

    private RoomChatListeners(Process process, int count)
    {
        _process = process;
        _arrivals = Enumerable.Range(0, count).Select(_ => new List<(long, long)>()).ToArray();
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

    public int Count => _arrivals.Length;

    public static async Task<RoomChatListeners> ConnectAsync(Uri baseAddress, IReadOnlyList<string> tokens, CancellationToken cancellationToken)
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
        info.ArgumentList.Add(Path.Combine(root, "tests", "Serverless.Benchmarks", "room-chat-listeners.mjs"));
        info.ArgumentList.Add(baseAddress.ToString());
        var listeners = new RoomChatListeners(Process.Start(info) ?? throw new InvalidOperationException("Could not start node."), tokens.Count);
        await listeners._process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { cmd = "connect", tokens }));
        await listeners._process.StandardInput.FlushAsync(cancellationToken);
        var result = await listeners._connected.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (result.GetProperty("event").GetString() != "connected")
        {
            await listeners.DisposeAsync();
            throw new InvalidOperationException("SignalR clients did not connect: " + result.GetRawText() + " " + string.Join("\n", listeners._stderr));
        }

        return listeners;
    }

    /// <summary>Completes with the Stopwatch timestamps at which every client had messageCreated for <paramref name="seq"/>.</summary>
    public Task<long[]> AllReceivedAsync(long seq) => Slot(seq).Done.Task;

    /// <summary>The seqs one client received, in arrival order.</summary>
    public long[] SeqsOf(int client)
    {
        lock (_arrivals[client])
        {
            return _arrivals[client].Select(a => a.Seq).ToArray();
        }
    }

    /// <summary>Arrival timestamps of one seq at every client that has it.</summary>
    public long[] ArrivalsOf(long seq) => _bySeq.TryGetValue(seq, out var slot) ? slot.Snapshot() : [];

    private SeqArrival Slot(long seq) => _bySeq.GetOrAdd(seq, _ => new SeqArrival(_arrivals.Length));

    private void OnLine(string? line)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.TryGetProperty("i", out var index))
        {
            var client = index.GetInt32();
            var seq = root.GetProperty("s").GetInt64();
            lock (_arrivals[client])
            {
                _arrivals[client].Add((seq, arrived));
            }

            Slot(seq).Add(arrived);
        }
        else if (root.GetProperty("event").GetString() is "connected" or "error")
        {
            _connected.TrySetResult(root.Clone());
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { cmd = "exit" }));
            await _process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
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

    private sealed class SeqArrival(int expected)
    {
        private readonly List<long> _at = new(expected);

        public TaskCompletionSource<long[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(long at)
        {
            lock (_at)
            {
                _at.Add(at);
                if (_at.Count == expected)
                {
                    Done.TrySetResult(_at.ToArray());
                }
            }
        }

        public long[] Snapshot()
        {
            lock (_at)
            {
                return _at.ToArray();
            }
        }
    }
}
