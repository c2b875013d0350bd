using System.Diagnostics.Metrics;

namespace Serverless.Core.Realtime;

/// <summary>Counters of the SignalR Service REST calls (meter "Serverless.Realtime").</summary>
public sealed class SignalRMetrics : IDisposable
{
    public const string MeterName = "Serverless.Realtime";
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;

    public SignalRMetrics()
    {
        _succeeded = Meter.CreateCounter<long>("realtime.requests_succeeded", description: "SignalR REST calls answered with success, by operation.");
        _failed = Meter.CreateCounter<long>("realtime.requests_failed", description: "SignalR REST calls that failed after retries, by operation and status (or 'error' without a response).");
    }

    internal Meter Meter { get; } = new(MeterName);

    public void Succeeded(string operation) => _succeeded.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Failed(string operation, string status) =>
        _failed.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("status", status));

    public void Dispose() => Meter.Dispose();
}
