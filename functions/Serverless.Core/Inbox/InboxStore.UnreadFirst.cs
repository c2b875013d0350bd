using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

public sealed partial class InboxStore
{
    /// <summary>
    /// One phase of <c>order=unread_first</c>, newest first at or below <paramref name="fromSeq"/>: the unread rows, or the
    /// read ones, matching <paramref name="filter"/> (its own unread flag is ignored). Same bounds as
    /// <see cref="ListNewestFirstAsync"/>: one range query over at most <see cref="ScanWindow"/> sequence numbers.
    /// </summary>
    /// <remarks>
    /// The read phase is "not unread" (<c>not (IsRead eq false)</c>), the exact complement of the unread phase, so a row
    /// of any shape is listed in exactly one of the two.
    /// </remarks>
    public async Task<(IReadOnlyList<InboxItem> Items, long? ContinueBelowSeq)> ListPhaseNewestFirstAsync(
        string tenantId, string userId, InboxFilter filter, bool unread, long fromSeq, int limit, CancellationToken cancellationToken)
    {
        if (fromSeq < 1 || limit < 1)
        {
            return ([], fromSeq < 1 ? null : fromSeq + 1);
        }

        var pk = InboxKeys.Partition(tenantId, userId);
        var low = Math.Max(1, fromSeq - ScanWindow + 1);
        var suffix = (filter with { UnreadOnly = false }).ToODataSuffix()
            + (unread ? TableClient.CreateQueryFilter($" and IsRead eq {false}") : TableClient.CreateQueryFilter($" and not (IsRead eq {false})"));
        var (entities, more) = await _table.QueryLimitAsync(RangeFilter(pk, low, fromSeq) + suffix, null, limit, cancellationToken);
        var items = entities.Select(InboxItem.FromEntity).ToArray();
        long? next = more ? items[^1].Seq : low > 1 ? low : null;
        return (items, next);
    }
}
