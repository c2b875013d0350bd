using Azure.Data.Tables;

namespace Serverless.Core.Inbox;

public sealed partial class InboxStore
{
    /// <summary>A <c>q</c> search looks at the caller's most recent this many sequence numbers, no further.</summary>
    public const int SearchHorizon = 5000;

    /// <summary>Sequence numbers one search request scans at most; a page that runs out of it is short, with a nextCursor.</summary>
    public const int SearchScanBudget = 5000;

    // The first key range of a request is small: a common word fills a page from it without reading 1,000 rows.
    private const int SearchFirstWindow = 100;

    // Azure allows 15 discrete comparisons in a $filter: PartitionKey, the two RowKey bounds and 12 RowKey eq.
    private const int MaxKeysPerFetch = 12;

    private static readonly string[] SearchColumns = ["RowKey", "Title", "Body"];

    /// <summary>
    /// Newest first, at or below <paramref name="fromSeq"/> and at or above <paramref name="horizonLow"/>, the rows matching
    /// <paramref name="filter"/> (applied by the service) whose title or body match <paramref name="query"/>. Table storage
    /// cannot search text, so key ranges of at most <see cref="ScanWindow"/> sequence numbers are read with a projection
    /// (RowKey, Title, Body: no Data), matched here, and only the page's matches are then fetched whole. Scans at most
    /// <see cref="SearchScanBudget"/> sequence numbers and stops once the page is full. ContinueBelowSeq: where the next
    /// page goes on (null when the horizon is exhausted).
    /// </summary>
    public async Task<(IReadOnlyList<InboxItem> Items, long? ContinueBelowSeq)> SearchNewestFirstAsync(
        string tenantId, string userId, InboxFilter filter, InboxSearchQuery query, long horizonLow, long fromSeq, int limit, CancellationToken cancellationToken)
    {
        horizonLow = Math.Max(1, horizonLow);
        if (fromSeq < horizonLow)
        {
            return ([], null);
        }

        var pk = InboxKeys.Partition(tenantId, userId);
        var suffix = filter.ToODataSuffix();
        var matches = new List<long>(limit + 1);
        var high = fromSeq;
        var scanned = 0L;
        while (high >= horizonLow && scanned < SearchScanBudget && matches.Count <= limit)
        {
            var size = scanned == 0 ? Math.Max(SearchFirstWindow, 2 * limit) : ScanWindow;
            var low = Math.Max(horizonLow, high - Math.Min(size, SearchScanBudget - scanned) + 1);
            var rows = await QueryRangeAsync(RangeFilter(pk, low, high) + suffix, SearchColumns, cancellationToken);
            foreach (var row in rows)
            {
                if (query.Matches(StringOrNull(row, "Title"), StringOrNull(row, "Body")))
                {
                    matches.Add(InboxKeys.SeqFromRowKey(row.RowKey));
                    if (matches.Count > limit)
                    {
                        break;
                    }
                }
            }

            scanned += high - low + 1;
            high = low - 1;
        }

        long? continueBelow;
        if (matches.Count > limit)
        {
            matches.RemoveAt(limit);
            continueBelow = matches[^1];
        }
        else
        {
            continueBelow = high >= horizonLow ? high + 1 : null;
        }

        var items = await FetchAsync(pk, matches, cancellationToken);
        return (items, continueBelow);
    }

    /// <summary>
    /// The rows with these sequence numbers (newest first), whole. Close together: one range query, the rows in between
    /// dropped here; spread out: one query per <see cref="MaxKeysPerFetch"/> keys, each bounded by its own key range.
    /// Rows deleted or expired since the scan are left out.
    /// </summary>
    private async Task<List<InboxItem>> FetchAsync(string pk, List<long> seqs, CancellationToken cancellationToken)
    {
        if (seqs.Count == 0)
        {
            return [];
        }

        var wanted = seqs.ToHashSet();
        var rows = new List<TableEntity>(seqs.Count);
        if (seqs[0] - seqs[^1] + 1 <= 4L * seqs.Count)
        {
            rows.AddRange(await QueryRangeAsync(RangeFilter(pk, seqs[^1], seqs[0]), null, cancellationToken));
        }
        else
        {
            foreach (var chunk in seqs.Chunk(MaxKeysPerFetch))
            {
                var keys = string.Join(" or ", chunk.Select(seq => TableClient.CreateQueryFilter($"RowKey eq {InboxKeys.NotificationRowKey(seq)}")));
                var filter = TableClient.CreateQueryFilter(
                    $"PartitionKey eq {pk} and RowKey ge {InboxKeys.NotificationRowKey(chunk[0])} and RowKey le {InboxKeys.NotificationRowKey(chunk[^1])}");
                rows.AddRange(await QueryRangeAsync(filter + " and (" + keys + ")", null, cancellationToken));
            }
        }

        return rows
            .Where(row => wanted.Contains(InboxKeys.SeqFromRowKey(row.RowKey)) && !IsExpired(row))
            .Select(InboxItem.FromEntity)
            .OrderByDescending(item => item.Seq)
            .ToList();
    }

    // Rows of any age and shape: a missing or non-text property is no text.
    private static string? StringOrNull(TableEntity row, string name) => row.TryGetValue(name, out var value) ? value as string : null;
}
