using Microsoft.Extensions.Options;
using Serverless.Core.Http;

namespace Serverless.Core.Notifications;

/// <summary>Manual sends per tenant|user and minute, per instance (see <see cref="PerMinuteLimit"/>).</summary>
public sealed class ManualSendRateLimiter(IOptions<NotificationOptions> options) : IDisposable
{
    private readonly PerMinuteLimit _sends = new(options.Value.ManualSendsPerUserPerMinute);

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void Acquire(string tenantId, string userId) => _sends.Acquire(tenantId + "|" + userId, "manual notifications");

    public void Dispose() => _sends.Dispose();
}
