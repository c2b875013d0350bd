using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;

namespace Serverless.Core.Storage;

/// <summary>One page of a table query and the SDK's continuation token for the next (null at the end).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Items, string? ContinuationToken);

/// <summary>
/// What this app needs from <see cref="TableClient"/> beyond the SDK: bounded pages, point reads that answer null,
/// and entity group transactions checked against the rules Azure enforces and Azurite does not.
/// </summary>
public static class TableStorage
{
    public const int MaxTransactionActions = 100;

    /// <summary>The entity, or null when it does not exist.</summary>
    public static async Task<TableEntity?> GetEntityOrDefaultAsync(
        this TableClient table, string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, select, cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// One service round trip: up to <paramref name="top"/> entities from <paramref name="continuationToken"/> on. The service
    /// may return fewer (even none) with a continuation, e.g. when a filter skips rows or a partition boundary is reached.
    /// </summary>
    public static async Task<TablePage> QueryPageAsync(
        this TableClient table, string? filter, IEnumerable<string>? select, int? top, string? continuationToken, CancellationToken cancellationToken = default)
    {
        if (top is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, 1, nameof(top));
        }

        var pageSize = top is { } size ? Math.Min(size, 1000) : (int?)null;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, pageSize, select, cancellationToken).AsPages(continuationToken, pageSize))
        {
            return new TablePage(page.Values, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new TablePage([], null);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> entities in key order plus whether more exist. Follows continuations, because a
    /// filtered query may return short pages before the end; callers bound the key range so this stays bounded too.
    /// </summary>
    public static async Task<(IReadOnlyList<TableEntity> Items, bool More)> QueryLimitAsync(
        this TableClient table, string filter, IEnumerable<string>? select, int limit, CancellationToken cancellationToken = default)
    {
        var items = new List<TableEntity>(limit + 1);
        string? continuation = null;
        do
        {
            var page = await table.QueryPageAsync(filter, select, limit + 1 - items.Count, continuation, cancellationToken);
            items.AddRange(page.Items);
            continuation = page.ContinuationToken;
        }
        while (items.Count <= limit && continuation is not null);

        var more = items.Count > limit;
        return (more ? items.GetRange(0, limit) : items, more);
    }

    /// <summary>
    /// Submits an entity group transaction after checking it locally (one PartitionKey, 1..100 actions, distinct RowKeys:
    /// Azure refuses the rest, Azurite accepts it). Returns each action's new ETag (default for deletes).
    /// Failures are the SDK's <see cref="TableTransactionFailedException"/> with the failing action's index.
    /// </summary>
    public static async Task<IReadOnlyList<ETag>> SubmitValidatedTransactionAsync(
        this TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ValidateTransaction(actions);
        var response = await table.SubmitTransactionAsync(actions, cancellationToken);
        return response.Value.Select(r => r.Headers.ETag ?? default).ToArray();
    }

    /// <summary>The rules Azure enforces on an entity group transaction; throws <see cref="ArgumentException"/> before anything is sent.</summary>
    public static void ValidateTransaction(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0)
        {
            throw new ArgumentException("A table transaction needs at least one action.", nameof(actions));
        }

        if (actions.Count > MaxTransactionActions)
        {
            throw new ArgumentException($"A table transaction holds at most {MaxTransactionActions} actions, not {actions.Count}.", nameof(actions));
        }

        var partitionKey = actions[0].Entity?.PartitionKey;
        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            if (action?.Entity is null)
            {
                throw new ArgumentException("Every transaction action needs an entity.", nameof(actions));
            }

            if (!string.Equals(action.Entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException("All actions of a table transaction must share one PartitionKey.", nameof(actions));
            }

            if (!rowKeys.Add(action.Entity.RowKey))
            {
                throw new ArgumentException($"RowKey '{action.Entity.RowKey}' appears more than once in the transaction.", nameof(actions));
            }
        }
    }

    // Text longer than one property allows (64 KiB, i.e. 32K UTF-16 characters) goes across Name, Name1, Name2, ...;
    // an entity holds up to 1 MiB, so a few parts fit.
    private const int TextPartLength = 30_000;

    public static void SetLongString(this TableEntity entity, string name, string value)
    {
        var offset = 0;
        var part = 0;
        do
        {
            var length = Math.Min(TextPartLength, value.Length - offset);

            // Never split a surrogate pair: each half alone is not valid UTF-16 and comes back as U+FFFD. The part takes the
            // low surrogate too (30,001 characters still fit), so every part but the last stays at least TextPartLength long.
            if (offset + length < value.Length && char.IsSurrogatePair(value[offset + length - 1], value[offset + length]))
            {
                length++;
            }

            entity[TextPartName(name, part)] = value.Substring(offset, length);
            offset += length;
            part++;
        }
        while (offset < value.Length);
    }

    public static string? GetLongString(this TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        if (first is null || first.Length < TextPartLength)
        {
            return first;
        }

        var builder = new StringBuilder(first);
        for (var part = 1; entity.GetString(TextPartName(name, part)) is { } text; part++)
        {
            builder.Append(text);
        }

        return builder.ToString();
    }

    private static string TextPartName(string name, int part) =>
        part == 0 ? name : name + part.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// After losing an ETag race: a random wait that grows with the attempt (full jitter, 10 ms doubling up to 1 s), so
    /// writers contending for one row spread out instead of retrying in lockstep. Real time, whatever clock the app reads.
    /// </summary>
    public static Task ContentionBackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var ceiling = Math.Min(1000, 10 << Math.Min(attempt, 10));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(ceiling / 4, ceiling + 1)), cancellationToken);
    }

    /// <summary>The ETag a write returned.</summary>
    public static ETag NewETag(this Response response) =>
        response.Headers.ETag ?? throw new InvalidOperationException($"The storage service returned no ETag (status {response.Status}).");

    /// <summary>Deletes the entity if it exists (and, unless <paramref name="ifMatch"/> is <see cref="ETag.All"/>, is unchanged); false when it was not there.</summary>
    public static async Task<bool> DeleteEntityIfExistsAsync(this TableClient table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        try
        {
            // The SDK answers a missing entity with its 404 response rather than an exception.
            return (await table.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken)).Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>True for the SDK's "already exists" / "not found" answers, decided by status and error code together.</summary>
    public static bool IsEntityAlreadyExists(this RequestFailedException ex) => ex.Status == 409 && ex.ErrorCode == TableErrorCode.EntityAlreadyExists.ToString();

    public static bool IsNotFound(this RequestFailedException ex) => ex.Status == 404;

    /// <summary>A precondition (ETag) failed: someone else changed the entity first.</summary>
    public static bool IsConcurrencyConflict(this RequestFailedException ex) => ex.Status == 412;
}
