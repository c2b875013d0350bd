using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Realtime;

/// <summary>Settings of the SignalR Service REST client (section "SignalR").</summary>
public sealed class SignalROptions
{
    public const string SectionName = "SignalR";

    /// <summary>REST calls in flight at once per instance; a fan-out queues behind this instead of opening hundreds of requests.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentSends { get; set; } = 32;
}
