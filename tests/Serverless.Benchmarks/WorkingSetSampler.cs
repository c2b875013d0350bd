using System.Diagnostics;

namespace Serverless.Benchmarks;

/// <summary>Samples this process's working set every 50 ms and keeps the peak. The host runs in-process, so it is host + benchmark.</summary>
public sealed class WorkingSetSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public WorkingSetSampler()
    {
        _peak = Current();
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    Sample();
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        });
    }

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak);
        }
    }

    /// <summary>Forgets the peak so far, e.g. to measure one phase.</summary>
    public void Restart() => Interlocked.Exchange(ref _peak, Current());

    public static long Current()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private void Sample()
    {
        var now = Current();
        for (var peak = Interlocked.Read(ref _peak); now > peak; peak = Interlocked.Read(ref _peak))
        {
            if (Interlocked.CompareExchange(ref _peak, now, peak) == peak)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
