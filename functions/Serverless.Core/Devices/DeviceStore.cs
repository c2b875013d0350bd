using Microsoft.Extensions.Options;
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
/// and a device can never be bound twice. A per-user index in the same table (PartitionKey = {tenant}|u|{user}, RowKey =
/// device id; '|' never occurs in a tenant id) only counts a user's devices for the cap; it is a pointer, re-checked
/// against the binding whenever the cap is reached, so an index row left behind (cleanup timer, a crash) heals itself.
/// </summary>
public sealed class DeviceStore(StorageAccount account, TimeProvider time, IOptions<MemberChannelOptions> options)
{
    private const int MaxAttempts = 5;

    // Polls refresh LastSeenAt at most this often, so a polling device costs no write per poll.
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromHours(1);

    // An index row this young without its binding is a registration still in flight, not a leftover.
    private static readonly TimeSpan PendingReservationLifetime = TimeSpan.FromMinutes(1);

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
                    await ReserveSlotAsync(tenantId, userId, deviceId, cancellationToken);
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
                    await _table.UpsertEntityAsync(new TableEntity(UserIndexPartition(tenantId, userId), deviceId) { ["Bound"] = true }, TableUpdateMode.Merge, CancellationToken.None);
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
                var removed = await _table.DeleteEntityIfExistsAsync(tenantId, deviceId, existing.ETag ?? ETag.All, cancellationToken);
                await _table.DeleteEntityIfExistsAsync(UserIndexPartition(tenantId, userId), deviceId, ETag.All, CancellationToken.None);
                return (removed, existing.Platform);
            }
            catch (RequestFailedException ex) when (ex.IsConcurrencyConflict() && attempt < MaxAttempts)
            {
                // Re-registered (token refresh) meanwhile; it is still ours to delete if the user still holds it.
            }
        }
    }

    public static string UserIndexPartition(string tenantId, string userId) => tenantId + "|u|" + userId;

    /// <summary>
    /// Claims one of the user's MaxDevicesPerUser slots for a device about to be bound, or 409 DEVICE_LIMIT_REACHED. The
    /// index row is written before counting, so two concurrent registrations each see the other and the cap holds; in-flight
    /// reservations are ranked by their storage timestamp, so concurrent registrations never all refuse each other.
    /// Costs one upsert and one query of at most cap + 1 keys; only at the cap, one point read per indexed device.
    /// </summary>
    private async Task ReserveSlotAsync(string tenantId, string userId, string deviceId, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxDevicesPerUser;
        var index = UserIndexPartition(tenantId, userId);
        await _table.UpsertEntityAsync(new TableEntity(index, deviceId) { ["ReservedAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {index}");
        var (_, more) = await _table.QueryLimitAsync(filter, ["PartitionKey", "RowKey"], max, cancellationToken);
        if (!more)
        {
            return;
        }

        // At the cap: re-check the indexed devices (a bounded number) against their bindings, drop what is stale, count
        // what is live. A row without a binding is a registration in flight while its reservation is recent.
        var (indexed, _) = await _table.QueryLimitAsync(filter, ["PartitionKey", "RowKey", "ReservedAt", "Bound", "Timestamp"], (2 * max) + 10, cancellationToken);
        var pendingSince = time.GetUtcNow() - PendingReservationLifetime;

        // Registrations in flight are ranked by when storage wrote their reservation (then by id): each counts only those
        // ahead of it, so concurrent registrations agree on who gets the last slots and the first of them always does.
        // A reservation written after this query was written after this one too, so it ranks behind and cannot be missed.
        var own = indexed.FirstOrDefault(r => r.RowKey == deviceId);
        bool AheadOfOwn(TableEntity row) =>
            own is null || row.Timestamp < own.Timestamp || (row.Timestamp == own.Timestamp && string.CompareOrdinal(row.RowKey, own.RowKey) < 0);
        var live = await Task.WhenAll(indexed.Where(r => r.RowKey != deviceId).Select(async row =>
        {
            var pending = row.GetBoolean("Bound") != true && row.GetDateTimeOffset("ReservedAt") > pendingSince;
            if (pending && !AheadOfOwn(row))
            {
                return false;
            }

            if (pending || await GetAsync(tenantId, userId, row.RowKey, cancellationToken) is not null)
            {
                return true;
            }

            await _table.DeleteEntityIfExistsAsync(index, row.RowKey, row.ETag, CancellationToken.None);
            return false;
        }));
        if (live.Count(l => l) + 1 > max)
        {
            await _table.DeleteEntityIfExistsAsync(index, deviceId, ETag.All, CancellationToken.None);
            throw ApiException.Conflict("DEVICE_LIMIT_REACHED", $"At most {max} devices can be registered per user; unregister one first.");
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
