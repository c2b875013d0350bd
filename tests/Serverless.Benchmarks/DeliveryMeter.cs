using System.Diagnostics;
using System.Diagnostics.Metrics;
using Serverless.Core.Notifications;

namespace Serverless.Benchmarks;

/// <summary>
/// Counts the host's notifications.delivered and notifications.duplicates measurements through a MeterListener: exact,
/// and free of storage requests. Only the <see cref="NotificationMetrics"/> instance it creates is listened to, so other
/// hosts in the same process (the test run) do not leak into the figures.
/// </summary>
public sealed class DeliveryMeter : IDisposable
{
    // MeterListener publishes instruments on the thread that creates them; this flag marks our own creation.
    [ThreadStatic]
    private static bool t_creatingOwnMetrics;

    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    private readonly List<(long Target, Action? AtTarget, TaskCompletionSource<long> Done)> _waiters = [];
    private long _delivered;
    private long _duplicates;
    private long _lastDeliveryTimestamp;

    public DeliveryMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (t_creatingOwnMetrics && instrument.Meter.Name == NotificationMetrics.MeterName &&
                instrument.Name is "notifications.delivered" or "notifications.duplicates")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);

        // Start first: it replays existing instruments (other hosts') on this thread while the flag is still off.
        _listener.Start();
        t_creatingOwnMetrics = true;
        try
        {
            Metrics = new NotificationMetrics();
        }
        finally
        {
            t_creatingOwnMetrics = false;
        }
    }

    /// <summary>The instance to register in the host instead of its own.</summary>
    public NotificationMetrics Metrics { get; }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Stopwatch timestamp of the latest delivery.</summary>
    public long LastDeliveryTimestamp => Interlocked.Read(ref _lastDeliveryTimestamp);

    /// <summary>
    /// Completes with the Stopwatch timestamp at which <see cref="Delivered"/> reached <paramref name="target"/>.
    /// <paramref name="atTarget"/> runs synchronously inside the measurement that reaches it, so a reading taken there is exact.
    /// </summary>
    public Task<long> WhenDeliveredAsync(long target, Action? atTarget = null)
    {
        lock (_gate)
        {
            if (_delivered >= target)
            {
                atTarget?.Invoke();
                return Task.FromResult(_lastDeliveryTimestamp);
            }

            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, atTarget, done));
            return done.Task;
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "notifications.duplicates")
        {
            Interlocked.Add(ref _duplicates, value);
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            Interlocked.Add(ref _delivered, value);
            Interlocked.Exchange(ref _lastDeliveryTimestamp, now);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_delivered >= _waiters[i].Target)
                {
                    _waiters[i].AtTarget?.Invoke();
                    _waiters[i].Done.TrySetResult(now);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        Metrics.Dispose();
    }
}
