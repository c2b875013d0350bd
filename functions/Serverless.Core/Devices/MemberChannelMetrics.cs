using System.Diagnostics.Metrics;

namespace Serverless.Core.Devices;

/// <summary>Counters of the member channel (meter "Serverless.MemberChannel").</summary>
public sealed class MemberChannelMetrics : IDisposable
{
    public const string MeterName = "Serverless.MemberChannel";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _emitted;
    private readonly Counter<long> _acks;
    private readonly Counter<long> _ackFailures;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _unregistrations;

    public MemberChannelMetrics()
    {
        _emitted = _meter.CreateCounter<long>("member_channel.events_emitted", description: "Events served to a device for the first time, by class.");
        _acks = _meter.CreateCounter<long>("member_channel.acks_succeeded", description: "Acks answered 200 (first or repeated).");
        _ackFailures = _meter.CreateCounter<long>("member_channel.acks_failed", description: "Acks refused, by error code.");
        _registrations = _meter.CreateCounter<long>("member_channel.registrations", description: "Device registrations (new or refreshed), by platform.");
        _unregistrations = _meter.CreateCounter<long>("member_channel.unregistrations", description: "Devices unregistered, by platform and reason.");
    }

    public void Emitted(string eventClass) => _emitted.Add(1, new KeyValuePair<string, object?>("class", eventClass));

    public void AckSucceeded() => _acks.Add(1);

    public void AckFailed(string code) => _ackFailures.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Registered(string platform) => _registrations.Add(1, new KeyValuePair<string, object?>("platform", platform));

    public void Unregistered(string platform, string reason) =>
        _unregistrations.Add(1, new KeyValuePair<string, object?>("platform", platform), new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
