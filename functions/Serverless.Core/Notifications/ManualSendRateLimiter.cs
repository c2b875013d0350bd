using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Serverless.Core.Http;

namespace Serverless.Core.Notifications;

/// <summary>
/// Fixed one-minute windows of manual sends per tenant|user, in this process's memory (like the room chat and member
/// channel limits): with N instances a user can send up to N times the setting. It protects an instance and the
/// recipients' inboxes from a runaway client, it is not a quota.
/// </summary>
public sealed class ManualSendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _sends;

    public ManualSendRateLimiter(IOptions<NotificationOptions> options)
    {
        var permits = options.Value.ManualSendsPerUserPerMinute;
        _sends = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
    }

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void Acquire(string tenantId, string userId)
    {
        using var lease = _sends.AttemptAcquire(tenantId + "|" + userId);
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var error = new ApiException(429, "RATE_LIMITED", $"Too many manual notifications; retry in {seconds} s.");
        error.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        throw error;
    }

    public void Dispose() => _sends.Dispose();
}
