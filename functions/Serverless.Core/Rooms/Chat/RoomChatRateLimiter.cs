using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Serverless.Core.Http;

namespace Serverless.Core.Rooms.Chat;

/// <summary>
/// Fixed one-minute windows of posts per tenant|room|user, in this process's memory (like the member channel's limits): with
/// N instances a user can post up to N times the setting. It protects an instance and a room's partition, it is not a quota.
/// </summary>
public sealed class RoomChatRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _posts;

    public RoomChatRateLimiter(IOptions<RoomChatOptions> options)
    {
        var permits = options.Value.PostsPerUserPerMinute;
        _posts = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
    }

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void AcquirePost(string tenantId, string roomId, string userId)
    {
        using var lease = _posts.AttemptAcquire(tenantId + "|" + roomId + "|" + userId);
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var error = new ApiException(429, "RATE_LIMITED", $"Too many messages in this room; retry in {seconds} s.");
        error.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        throw error;
    }

    public void Dispose() => _posts.Dispose();
}
