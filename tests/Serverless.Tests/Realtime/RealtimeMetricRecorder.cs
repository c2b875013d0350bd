using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Serverless.Core.Realtime;

namespace Serverless.Tests.Realtime;

/// <summary>Records the measurements of one <see cref="SignalRMetrics"/> instance (not of other tests' instances).</summary>
public sealed class RealtimeMetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, string?> Tags)> _measurements = new();

    public RealtimeMetricRecorder(SignalRMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value?.ToString();
            }

            _measurements.Enqueue((instrument.Name, value, copy));
        });
        _listener.Start();
    }

    public long Succeeded(string operation) => Sum("realtime.requests_succeeded", operation);

    public long Failed(string operation, string? status = null) => Sum("realtime.requests_failed", operation, status);

    public void Dispose() => _listener.Dispose();

    private long Sum(string instrument, string operation, string? status = null) =>
        _measurements
            .Where(m => m.Instrument == instrument && m.Tags.GetValueOrDefault("operation") == operation
                        && (status is null || m.Tags.GetValueOrDefault("status") == status))
            .Sum(m => m.Value);
}
