using System.Globalization;
using System.Text;

namespace Serverless.Storage;

/// <summary>The multipart/mixed body of an entity group transaction ($batch with one changeset), and the parser for its response.</summary>
internal sealed class TableTransactionBody
{
    private const string Crlf = "\r\n";

    public TableTransactionBody(string tableUrl, IReadOnlyList<TableTransactionAction> actions)
    {
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("D");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("D");
        ContentType = "multipart/mixed; boundary=" + batchBoundary;

        var sb = new StringBuilder();
        sb.Append("--").Append(batchBoundary).Append(Crlf);
        sb.Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append(Crlf).Append(Crlf);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var entity = action.Entity;
            var entityUrl = tableUrl + TableFilter.EntityAddress(entity.PartitionKey, entity.RowKey);
            var (method, url, ifMatch, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", tableUrl, null, true),
                TableTransactionActionType.UpdateMerge => ("MERGE", entityUrl, action.ETag ?? "*", true),
                TableTransactionActionType.UpdateReplace => ("PUT", entityUrl, action.ETag ?? "*", true),
                TableTransactionActionType.UpsertMerge => ("MERGE", entityUrl, (string?)null, true),
                TableTransactionActionType.UpsertReplace => ("PUT", entityUrl, null, true),
                TableTransactionActionType.Delete => ("DELETE", entityUrl, action.ETag ?? "*", false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown action type."),
            };

            sb.Append("--").Append(changesetBoundary).Append(Crlf);
            sb.Append("Content-Type: application/http").Append(Crlf);
            sb.Append("Content-Transfer-Encoding: binary").Append(Crlf);
            sb.Append("Content-ID: ").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append(Crlf).Append(Crlf);
            sb.Append(method).Append(' ').Append(url).Append(" HTTP/1.1").Append(Crlf);
            sb.Append("Accept: ").Append(TableClient.JsonMinimalMetadata).Append(Crlf);
            sb.Append("DataServiceVersion: 3.0").Append(Crlf);
            if (ifMatch is not null)
            {
                sb.Append("If-Match: ").Append(ifMatch).Append(Crlf);
            }

            if (hasBody)
            {
                sb.Append("Prefer: return-no-content").Append(Crlf);
                sb.Append("Content-Type: application/json").Append(Crlf).Append(Crlf);
                sb.Append(Encoding.UTF8.GetString(TableEntityJson.Serialize(entity))).Append(Crlf);
            }
            else
            {
                sb.Append(Crlf);
            }
        }

        sb.Append("--").Append(changesetBoundary).Append("--").Append(Crlf);
        sb.Append("--").Append(batchBoundary).Append("--").Append(Crlf);
        Body = Encoding.UTF8.GetBytes(sb.ToString());
    }

    public string ContentType { get; }

    public byte[] Body { get; }

    /// <summary>Rules Azure enforces and Azurite does not: checked locally so both behave the same.</summary>
    public static void Validate(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0)
        {
            throw new ArgumentException("A table transaction needs at least one action.", nameof(actions));
        }

        if (actions.Count > 100)
        {
            throw new ArgumentException($"A table transaction holds at most 100 actions, not {actions.Count}.", nameof(actions));
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

    /// <summary>Reads each sub-response's status and ETag; the first failing one becomes a <see cref="TableTransactionFailedException"/>.</summary>
    public static IReadOnlyList<string?> ParseResponse(string contentType, string body, IReadOnlyList<TableTransactionAction> actions)
    {
        var parts = ParseSubResponses(body);
        var failed = parts.FindIndex(p => p.Status >= 400);
        if (failed >= 0)
        {
            var part = parts[failed];
            var (code, message) = StorageErrors.ParseBody(part.Body);
            var index = FailedIndexFromMessage(message)
                ?? (part.Headers.TryGetValue("Content-ID", out var contentId) && int.TryParse(contentId, CultureInfo.InvariantCulture, out var id) ? id - 1 : (int?)null)
                ?? (parts.Count == actions.Count ? failed : -1);
            var firstLine = message?.Split('\n')[0];
            throw new TableTransactionFailedException(part.Status, code, $"Table transaction failed at action {index} with {part.Status} ({code}): {firstLine}", index);
        }

        if (parts.Count != actions.Count)
        {
            throw new StorageRequestFailedException(202, null, $"The transaction response held {parts.Count} results for {actions.Count} actions (content type '{contentType}').");
        }

        return parts.Select((p, i) => actions[i].ActionType == TableTransactionActionType.Delete ? null : p.Headers.GetValueOrDefault("ETag")).ToList();
    }

    /// <summary>The service prefixes the error message with the failing action's zero-based index, e.g. "2:The specified entity already exists."</summary>
    internal static int? FailedIndexFromMessage(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var colon = message.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(message.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    private sealed record SubResponse(int Status, Dictionary<string, string> Headers, string Body);

    /// <summary>Walks the body line by line: each "HTTP/1.1 nnn" starts a sub-response, its headers end at a blank line, its body at the next boundary.</summary>
    private static List<SubResponse> ParseSubResponses(string body)
    {
        var result = new List<SubResponse>();
        var lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                continue;
            }

            var statusParts = lines[i].Split(' ', 3);
            var status = statusParts.Length > 1 && int.TryParse(statusParts[1], CultureInfo.InvariantCulture, out var s) ? s : 0;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            i++;
            for (; i < lines.Length && lines[i].Length > 0; i++)
            {
                var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
                }
            }

            var content = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("--", StringComparison.Ordinal); i++)
            {
                content.Append(lines[i]).Append('\n');
            }

            i--;
            result.Add(new SubResponse(status, headers, content.ToString().Trim()));
        }

        return result;
    }
}
