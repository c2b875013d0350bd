using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Serverless.Core.Http;

namespace Serverless.Core.Devices;

/// <summary>What a member-channel request spends a permit on.</summary>
public enum MemberChannelOperation
{
    Register,
    Events,
    Ack,
}

/// <summary>
/// Fixed one-minute windows per operation and tenant|user|device (registration also per tenant|user). The limiters live in this process's memory, so in
/// Azure Functions the limit applies per instance: with N instances a device can get up to N times the configured rate.
/// That is deliberate (no storage round trip per request); the limit protects an instance, it is not a quota.
/// Memory stays bounded because the partitioned limiter drops a partition's limiter once it has been idle (window
/// replenished, no leases) for a few seconds.
/// </summary>
public sealed class MemberChannelRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _register;
    private readonly PartitionedRateLimiter<string> _registerPerUser;
    private readonly PartitionedRateLimiter<string> _events;
    private readonly PartitionedRateLimiter<string> _ack;

    public MemberChannelRateLimiter(IOptions<MemberChannelOptions> options)
    {
        var value = options.Value;
        _register = Create(value.RegisterPermitsPerMinute);
        _registerPerUser = Create(value.RegisterPermitsPerUserPerMinute);
        _events = Create(value.EventsPermitsPerMinute);
        _ack = Create(value.AckPermitsPerMinute);
    }

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void Acquire(MemberChannelOperation operation, string tenantId, string userId, string deviceId)
    {
        var limiter = operation switch
        {
            MemberChannelOperation.Register => _register,
            MemberChannelOperation.Events => _events,
            _ => _ack,
        };
        using var lease = limiter.AttemptAcquire(DeviceDeliveryStore.Partition(tenantId, userId, deviceId));
        if (!lease.IsAcquired)
        {
            throw RateLimited(lease, "this device");
        }

        if (operation == MemberChannelOperation.Register)
        {
            // Per user too: otherwise a client could register an endless stream of fresh device ids.
            using var userLease = _registerPerUser.AttemptAcquire(tenantId + "|" + userId);
            if (!userLease.IsAcquired)
            {
                throw RateLimited(userLease, "your devices");
            }
        }
    }

    private static ApiException RateLimited(RateLimitLease lease, string scope)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var error = new ApiException(429, "RATE_LIMITED", $"Too many requests for {scope}; retry in {seconds} s.");
        error.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        return error;
    }

    public void Dispose()
    {
        _register.Dispose();
        _registerPerUser.Dispose();
        _events.Dispose();
        _ack.Dispose();
    }

    private static PartitionedRateLimiter<string> Create(int permitsPerMinute) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
}
