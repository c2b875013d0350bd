using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Core;

namespace Serverless.Storage;

/// <summary>Entity CRUD, queries and entity group transactions on one table.</summary>
public sealed class TableClient
{
    internal const string JsonMinimalMetadata = "application/json;odata=minimalmetadata";
    private static readonly RequestMethod Merge = new("MERGE");
    private readonly StorageServicePipeline _pipeline;

    internal TableClient(StorageServicePipeline pipeline, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _pipeline = pipeline;
        Name = name;
        TableUrl = $"{pipeline.EndpointText}/{Uri.EscapeDataString(name)}";
    }

    public string Name { get; }

    // "ResourceNotFound" is a missing entity; "TableNotFound" (also a 404) is a missing table and must not read as "no such row".
    private const string EntityNotFound = "ResourceNotFound";

    private string TableUrl { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Post, $"{_pipeline.EndpointText}/Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonBody(message, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        await _pipeline.SendExpectingAsync(message, $"Create table '{Name}'", 409, ["TableAlreadyExists"], cancellationToken);
    }

    /// <summary>Deletes the table; a table that does not exist is not an error.</summary>
    public async Task DeleteTableAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, $"{_pipeline.EndpointText}/Tables('{TableFilter.EscapeKeyForUrl(Name)}')");
        await _pipeline.SendExpectingAsync(message, $"Delete table '{Name}'", 404, ["TableNotFound", "ResourceNotFound"], cancellationToken);
    }

    /// <summary>Reads one entity; null when it does not exist.</summary>
    public async Task<TableEntity?> GetEntityAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        var url = TableUrl + TableFilter.EntityAddress(partitionKey, rowKey);
        var selectList = select?.ToList();
        if (selectList is { Count: > 0 })
        {
            url += "?$select=" + Uri.EscapeDataString(string.Join(",", selectList));
        }

        using var message = CreateMessage(RequestMethod.Get, url);
        var response = await _pipeline.SendExpectingAsync(message, "Get entity", 404, [EntityNotFound], cancellationToken);
        if (response is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var entity = TableEntityJson.Deserialize(json.RootElement);
        if (response.Headers.TryGetValue("ETag", out var etag) && !string.IsNullOrEmpty(etag))
        {
            entity.ETag = etag;
        }

        return entity;
    }

    /// <summary>Inserts an entity and returns its ETag; an existing row fails with 409 "EntityAlreadyExists".</summary>
    public async Task<string> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateMessage(RequestMethod.Post, TableUrl);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonBody(message, TableEntityJson.Serialize(entity));
        var response = await _pipeline.SendCheckedAsync(message, "Add entity", cancellationToken);
        return ReadETag(response);
    }

    /// <summary>Inserts or updates (merge or replace) without any concurrency check.</summary>
    public Task<string> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
        WriteEntityAsync(entity, null, mode, "Upsert entity", cancellationToken);

    /// <summary>Updates an existing entity when its ETag still matches <paramref name="ifMatch"/> ("*" for any); 412 throws <see cref="StorageConcurrencyException"/>.</summary>
    public Task<string> UpdateEntityAsync(TableEntity entity, string ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return WriteEntityAsync(entity, ifMatch, mode, "Update entity", cancellationToken);
    }

    /// <summary>Deletes an entity; false when it did not exist. A stale <paramref name="ifMatch"/> throws <see cref="StorageConcurrencyException"/>.</summary>
    public async Task<bool> DeleteEntityAsync(string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, TableUrl + TableFilter.EntityAddress(partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch);
        return await _pipeline.SendExpectingAsync(message, "Delete entity", 404, [EntityNotFound], cancellationToken) is not null;
    }

    /// <summary>All entities matching <paramref name="filter"/>, following continuation tokens page by page.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(
        string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var selectList = select?.ToList();
        string? continuation = null;
        do
        {
            var page = await QueryPageAsync(filter, selectList, maxPerPage, continuation, cancellationToken);
            foreach (var entity in page.Items)
            {
                yield return entity;
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);
    }

    /// <summary>One page of a query. Note the service may return fewer than <paramref name="top"/> items (even none) with a continuation token.</summary>
    public async Task<TablePage> QueryPageAsync(
        string? filter, IEnumerable<string>? select, int? top, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(filter))
        {
            query.Add("$filter=" + Uri.EscapeDataString(filter));
        }

        var selectList = select?.ToList();
        if (selectList is { Count: > 0 })
        {
            query.Add("$select=" + Uri.EscapeDataString(string.Join(",", selectList)));
        }

        if (top is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, 1, nameof(top));
            query.Add("$top=" + Math.Min(t, 1000));
        }

        if (continuationToken is not null)
        {
            var (nextPartitionKey, nextRowKey) = TableContinuationToken.Decode(continuationToken);
            query.Add("NextPartitionKey=" + Uri.EscapeDataString(nextPartitionKey));
            if (nextRowKey is not null)
            {
                query.Add("NextRowKey=" + Uri.EscapeDataString(nextRowKey));
            }
        }

        var url = TableUrl + "()" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        using var message = CreateMessage(RequestMethod.Get, url);
        var response = await _pipeline.SendCheckedAsync(message, "Query entities", cancellationToken);
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var items = new List<TableEntity>();
        if (json.RootElement.TryGetProperty("value", out var value))
        {
            foreach (var element in value.EnumerateArray())
            {
                items.Add(TableEntityJson.Deserialize(element));
            }
        }

        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPk);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRk);
        return new TablePage(items, string.IsNullOrEmpty(nextPk) ? null : TableContinuationToken.Encode(nextPk, string.IsNullOrEmpty(nextRk) ? null : nextRk));
    }

    /// <summary>Runs all actions atomically (one partition, at most 100, distinct rows). Returns each action's new ETag, null for deletes.</summary>
    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        TableTransactionBody.Validate(actions);
        var batch = new TableTransactionBody(TableUrl, actions);
        using var message = CreateMessage(RequestMethod.Post, $"{_pipeline.EndpointText}/$batch");
        message.Request.Headers.SetValue("Content-Type", batch.ContentType);
        message.Request.Content = RequestContent.Create(batch.Body);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        if (response.Status >= 400)
        {
            var (code, text) = StorageErrors.ReadCodeAndMessage(response);
            throw new TableTransactionFailedException(
                response.Status, code, $"Table transaction failed with {response.Status} ({code}): {text?.Split('\n')[0]}", TableTransactionBody.FailedIndexFromMessage(text) ?? -1);
        }

        response.Headers.TryGetValue("Content-Type", out var contentType);
        return TableTransactionBody.ParseResponse(contentType ?? "", response.Content.ToString(), actions);
    }

    private Task<string> WriteEntityAsync(TableEntity entity, string? ifMatch, TableUpdateMode mode, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return SendAsync();

        async Task<string> SendAsync()
        {
            using var message = CreateMessage(mode == TableUpdateMode.Merge ? Merge : RequestMethod.Put, TableUrl + TableFilter.EntityAddress(entity.PartitionKey, entity.RowKey));
            if (ifMatch is not null)
            {
                message.Request.Headers.SetValue("If-Match", ifMatch);
            }

            SetJsonBody(message, TableEntityJson.Serialize(entity));
            var response = await _pipeline.SendCheckedAsync(message, operation, cancellationToken);
            return ReadETag(response);
        }
    }

    private HttpMessage CreateMessage(RequestMethod method, string url)
    {
        var message = _pipeline.CreateMessage(method, url);
        message.Request.Headers.SetValue("Accept", JsonMinimalMetadata);
        message.Request.Headers.SetValue("DataServiceVersion", "3.0");
        message.Request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        return message;
    }

    private static void SetJsonBody(HttpMessage message, byte[] body)
    {
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(body);
    }

    private static string ReadETag(Response response) =>
        response.Headers.TryGetValue("ETag", out var etag) && etag is not null ? etag : throw new StorageRequestFailedException(response.Status, null, "The service returned no ETag.");
}

/// <summary>Packs the service's NextPartitionKey/NextRowKey pair into one opaque string.</summary>
internal static class TableContinuationToken
{
    public static string Encode(string nextPartitionKey, string? nextRowKey) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { nextPartitionKey, nextRowKey }));

    public static (string NextPartitionKey, string? NextRowKey) Decode(string token)
    {
        try
        {
            var parts = JsonSerializer.Deserialize<string?[]>(Convert.FromBase64String(token));
            if (parts is { Length: 2 } && parts[0] is { } pk)
            {
                return (pk, parts[1]);
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
        }

        throw new ArgumentException("Not a continuation token produced by QueryPageAsync.", nameof(token));
    }
}
