using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Devices;

/// <summary>One device bound to one user.</summary>
public sealed record DeviceBinding(
    string DeviceId, string UserId, string Platform, string PushProvider, string? PushToken, DateTimeOffset RegisteredAt, DateTimeOffset LastSeenAt, ETag? ETag)
{
    internal static DeviceBinding FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("UserId") ?? "",
        e.GetString("Platform") ?? "",
        e.GetString("PushProvider") ?? "none",
        e.GetString("PushToken"),
        e.GetDateTimeOffset("RegisteredAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("LastSeenAt") ?? DateTimeOffset.UnixEpoch,
        e.ETag);
}

/// <summary>
/// Device bindings: PartitionKey = tenant, RowKey = device id, so "is this device someone else's?" is one point read
/// and a device can never be bound twice. Listing a user's devices is not needed by any operation, so there is no index.
/// </summary>
public sealed class DeviceStore(StorageAccount account, TimeProvider time)
{
    private const int MaxAttempts = 5;

    // Polls refresh LastSeenAt at most this often, so a polling device costs no write per poll.
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromHours(1);

    private readonly TableClient _table = account.GetTableClient(StorageNames.DevicesTable);

    public TableClient Table => _table;

    /// <summary>Binds or refreshes the device; 409 DEVICE_BOUND_TO_OTHER_USER when another user holds it. Returns the binding.</summary>
    public async Task<DeviceBinding> RegisterAsync(
        string tenantId, string userId, string deviceId, string platform, string pushProvider, string? pushToken, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await _table.GetEntityOrDefaultAsync(tenantId, deviceId, cancellationToken: cancellationToken);
            try
            {
                if (existing is null)
                {
                    var entity = new TableEntity(tenantId, deviceId)
                    {
                        ["UserId"] = userId,
                        ["Platform"] = platform,
                        ["PushProvider"] = pushProvider,
                        ["PushToken"] = pushToken ?? "",
                        ["RegisteredAt"] = now,
                        ["LastSeenAt"] = now,
                    };
                    var etag = (await _table.AddEntityAsync(entity, cancellationToken)).NewETag();
                    return new DeviceBinding(deviceId, userId, platform, pushProvider, pushToken, now, now, etag);
                }

                var current = DeviceBinding.FromEntity(existing);
                if (current.UserId != userId)
                {
                    // Do not say whose it is.
                    throw ApiException.Conflict("DEVICE_BOUND_TO_OTHER_USER", "This device is registered to another user; unregister it there first.");
                }

                var update = new TableEntity(tenantId, deviceId)
                {
                    ["Platform"] = platform,
                    ["PushProvider"] = pushProvider,
                    ["PushToken"] = pushToken ?? "",
                    ["LastSeenAt"] = now,
                };
                var newETag = (await _table.UpdateEntityAsync(update, existing.ETag, TableUpdateMode.Merge, cancellationToken)).NewETag();
                return current with { Platform = platform, PushProvider = pushProvider, PushToken = pushToken, LastSeenAt = now, ETag = newETag };
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404 && attempt < MaxAttempts)
            {
                // A concurrent register or unregister of the same device id: look again.
            }
        }
    }

    /// <summary>Deletes the caller's binding; false when the device is unknown or belongs to someone else.</summary>
    public async Task<(bool Removed, string? Platform)> UnregisterAsync(string tenantId, string userId, string deviceId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(tenantId, userId, deviceId, cancellationToken);
            if (existing is null)
            {
                return (false, null);
            }

            try
            {
                return (await _table.DeleteEntityIfExistsAsync(tenantId, deviceId, existing.ETag ?? ETag.All, cancellationToken), existing.Platform);
            }
            catch (RequestFailedException ex) when (ex.IsConcurrencyConflict() && attempt < MaxAttempts)
            {
                // Re-registered (token refresh) meanwhile; it is still ours to delete if the user still holds it.
            }
        }
    }

    /// <summary>The caller's device, or null when unknown or bound to another user (indistinguishable on purpose).</summary>
    public async Task<DeviceBinding?> GetAsync(string tenantId, string userId, string deviceId, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(tenantId, deviceId, cancellationToken: cancellationToken);
        return entity is null || entity.GetString("UserId") != userId ? null : DeviceBinding.FromEntity(entity);
    }

    /// <summary>Records that the device polled, at most once per <see cref="LastSeenResolution"/>; failures only delay it.</summary>
    public async Task TouchAsync(string tenantId, DeviceBinding device, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - device.LastSeenAt < LastSeenResolution || device.ETag is null)
        {
            return;
        }

        try
        {
            await _table.UpdateEntityAsync(new TableEntity(tenantId, device.DeviceId) { ["LastSeenAt"] = now }, device.ETag.Value, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Changed or removed concurrently; whoever changed it wrote a fresher LastSeenAt or meant it gone.
        }
    }

    public static bool IsValidDeviceId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':') &&
        value.AsSpan().ContainsAnyExcept('.'); // "." and ".." are path segments, not devices
}
