namespace Serverless.Storage;

/// <summary>Paging helpers over <see cref="TableClient.QueryPageAsync"/>.</summary>
public static class TableQueryExtensions
{
    /// <summary>
    /// Up to <paramref name="limit"/> entities in key order plus whether more exist. Follows service continuations,
    /// because a filtered query may return short (even empty) pages before the end.
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
}
