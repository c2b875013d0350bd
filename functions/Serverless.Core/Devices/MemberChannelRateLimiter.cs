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
/// Fixed one-minute windows per operation and tenant|user|device (registration also per tenant|user), per instance
/// (see <see cref="PerMinuteLimit"/>): with N instances a device can get up to N times the configured rate.
/// </summary>
public sealed class MemberChannelRateLimiter(IOptions<MemberChannelOptions> options) : IDisposable
{
    private readonly PerMinuteLimit _register = new(options.Value.RegisterPermitsPerMinute);
    private readonly PerMinuteLimit _registerPerUser = new(options.Value.RegisterPermitsPerUserPerMinute);
    private readonly PerMinuteLimit _events = new(options.Value.EventsPermitsPerMinute);
    private readonly PerMinuteLimit _ack = new(options.Value.AckPermitsPerMinute);

    /// <summary>Takes one permit or throws 429 RATE_LIMITED with Retry-After in whole seconds.</summary>
    public void Acquire(MemberChannelOperation operation, string tenantId, string userId, string deviceId)
    {
        var limit = operation switch
        {
            MemberChannelOperation.Register => _register,
            MemberChannelOperation.Events => _events,
            _ => _ack,
        };
        limit.Acquire(DeviceDeliveryStore.Partition(tenantId, userId, deviceId), "requests for this device");

        // Per user too: otherwise a client could register an endless stream of fresh device ids.
        if (operation == MemberChannelOperation.Register)
        {
            _registerPerUser.Acquire(tenantId + "|" + userId, "requests for your devices");
        }
    }

    public void Dispose()
    {
        _register.Dispose();
        _registerPerUser.Dispose();
        _events.Dispose();
        _ack.Dispose();
    }
}
