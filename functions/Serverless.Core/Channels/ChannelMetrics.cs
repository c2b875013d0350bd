using System.Diagnostics.Metrics;
using Serverless.Core.Notifications;

namespace Serverless.Core.Channels;

/// <summary>Channel outcomes on the same meter as the rest ("Serverless.Notifications"): per channel and outcome.</summary>
public sealed class ChannelMetrics : IDisposable
{
    private readonly Meter _meter = new(NotificationMetrics.MeterName);
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _retries;

    public ChannelMetrics()
    {
        _outcomes = _meter.CreateCounter<long>("notifications.channel.deliveries", description: "Channel deliveries by channel and outcome (sent, failed, skipped, held).");
        _retries = _meter.CreateCounter<long>("notifications.channel.retries", description: "Channel attempts put back on their queue with back-off.");
    }

    public void Outcome(string channel, string outcome) =>
        _outcomes.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcome));

    public void Retried(string channel) => _retries.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void Dispose() => _meter.Dispose();
}
