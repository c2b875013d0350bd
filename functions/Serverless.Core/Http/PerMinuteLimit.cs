using System.Globalization;
using System.Threading.RateLimiting;

namespace Serverless.Core.Http;

/// <summary>
/// A fixed one-minute window of permits per key, in this process's memory: with N instances a key gets up to N times the
/// setting. That is deliberate (no storage round trip per request): it protects an instance and the partitions behind
/// it from a runaway client, it is not a quota. Memory stays bounded because the partitioned limiter drops a key's
/// limiter once it has been idle (window replenished, no leases) for a few seconds.
/// </summary>
public sealed class PerMinuteLimit(int permitsPerMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }),
        StringComparer.Ordinal);

    /// <summary>Takes one permit for the key or throws 429 RATE_LIMITED ("Too many {what}; retry in N s.") with Retry-After in whole seconds.</summary>
    public void Acquire(string key, string what)
    {
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var error = new ApiException(429, "RATE_LIMITED", $"Too many {what}; retry in {seconds} s.");
        error.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        throw error;
    }

    public void Dispose() => _limiter.Dispose();
}
