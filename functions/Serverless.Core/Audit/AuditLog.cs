using System.Globalization;
using System.Text.Json;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Audit;

/// <summary>How sensitive an audited action is.</summary>
public enum AuditSensitivity
{
    Normal,
    High,
    Critical,
}

/// <summary>One audit entry. Before and after are JSON snapshots where the action changes something.</summary>
public sealed record AuditEntry(
    string Id,
    string TenantId,
    string ActorId,
    string Action,
    string Target,
    string? Before,
    string? After,
    string? CorrelationId,
    DateTimeOffset Time,
    AuditSensitivity Sensitivity);

/// <summary>
/// The append-only audit log: one partition per tenant, newest first by inverted time. It offers append and read only;
/// nothing in the application can update or delete an entry (the Add operation fails rather than overwrite).
/// </summary>
public sealed class AuditLog(StorageAccount account, TimeProvider time)
{
    private readonly TableClient _table = account.GetTableClient(StorageNames.AuditTable);

    public async Task<AuditEntry> AppendAsync(
        string tenantId, string actorId, string action, string target, object? before, object? after,
        AuditSensitivity sensitivity, string? correlationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var id = RowKeyFor(now, Guid.NewGuid());
        var entry = new AuditEntry(id, tenantId, actorId, action, target, Snapshot(before), Snapshot(after), correlationId, now, sensitivity);
        var entity = new TableEntity(tenantId, id)
        {
            ["Actor"] = actorId,
            ["Action"] = action,
            ["Target"] = target,
            ["Time"] = now,
            ["Sensitivity"] = sensitivity.ToString().ToLowerInvariant(),
        };
        if (entry.Before is not null)
        {
            entity["Before"] = entry.Before;
        }

        if (entry.After is not null)
        {
            entity["After"] = entry.After;
        }

        if (correlationId is not null)
        {
            entity["CorrelationId"] = correlationId;
        }

        await _table.AddEntityAsync(entity, cancellationToken);
        return entry;
    }

    /// <summary>Newest first, optionally filtered; <paramref name="afterId"/> continues after the last id of the previous page.</summary>
    public async Task<(IReadOnlyList<AuditEntry> Items, bool More)> ReadAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, string? action, string? actor, string? afterId, int limit,
        CancellationToken cancellationToken = default)
    {
        // Inverted time: "to" (newest) gives the lower row key bound, "from" (oldest) the upper one.
        var lower = afterId ?? (to is { } t ? RowKeyFor(t, Guid.Empty) : "");
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey gt {lower}");
        if (from is { } f)
        {
            filter += TableClient.CreateQueryFilter($" and RowKey lt {RowKeyFor(f, Guid.Empty) + "~"}");
        }

        if (action is not null)
        {
            filter += TableClient.CreateQueryFilter($" and Action eq {action}");
        }

        if (actor is not null)
        {
            filter += TableClient.CreateQueryFilter($" and Actor eq {actor}");
        }

        var (entities, more) = await _table.QueryLimitAsync(filter, null, limit, cancellationToken);
        return (entities.Select(ToEntry).ToArray(), more);
    }

    private static AuditEntry ToEntry(TableEntity e) => new(
        e.RowKey,
        e.PartitionKey,
        e.GetString("Actor") ?? "",
        e.GetString("Action") ?? "",
        e.GetString("Target") ?? "",
        e.GetString("Before"),
        e.GetString("After"),
        e.GetString("CorrelationId"),
        e.GetDateTimeOffset("Time") ?? DateTimeOffset.UnixEpoch,
        Enum.TryParse<AuditSensitivity>(e.GetString("Sensitivity"), true, out var s) ? s : AuditSensitivity.Normal);

    private static string RowKeyFor(DateTimeOffset time, Guid unique) =>
        (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "_" + unique.ToString("N");

    private static string? Snapshot(object? value) => value switch
    {
        null => null,
        string s => s,
        _ => JsonSerializer.Serialize(value, Http.ApiJson.Options),
    };
}
