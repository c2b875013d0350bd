using Microsoft.Extensions.Options;
using Serverless.Core.Http;

namespace Serverless.Core.Rooms.Chat;

/// <summary>Posts per tenant|room|user and minute, per instance (see <see cref="PerMinuteLimit"/>): it protects a room's partition.</summary>
public sealed class RoomChatRateLimiter(IOptions<RoomChatOptions> options) : IDisposable
{
    private readonly PerMinuteLimit _posts = new(options.Value.PostsPerUserPerMinute);

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void AcquirePost(string tenantId, string roomId, string userId) =>
        _posts.Acquire(tenantId + "|" + roomId + "|" + userId, "messages in this room");

    public void Dispose() => _posts.Dispose();
}
