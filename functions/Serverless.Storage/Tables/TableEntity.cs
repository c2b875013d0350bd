using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Serverless.Storage;

/// <summary>
/// A table row as a case-sensitive property bag. PartitionKey and RowKey live in the bag; ETag and Timestamp are system values kept aside.
/// The typed getters are tolerant of how a value came back (e.g. an Int64 sent as a string, a DateTime as a DateTimeOffset).
/// </summary>
[SuppressMessage("Naming", "CA1710", Justification = "TableEntity is the name callers know from the Azure SDK.")]
public sealed class TableEntity : IDictionary<string, object?>
{
    private readonly Dictionary<string, object?> _properties = new(StringComparer.Ordinal);

    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    internal TableEntity()
    {
    }

    public string PartitionKey
    {
        get => GetString("PartitionKey") ?? "";
        set => _properties["PartitionKey"] = value ?? throw new ArgumentNullException(nameof(value));
    }

    public string RowKey
    {
        get => GetString("RowKey") ?? "";
        set => _properties["RowKey"] = value ?? throw new ArgumentNullException(nameof(value));
    }

    public string? ETag { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public ICollection<string> Keys => _properties.Keys;
    public ICollection<object?> Values => _properties.Values;
    public int Count => _properties.Count;
    public bool IsReadOnly => false;

    public object? this[string key]
    {
        get => _properties[key];
        set => _properties[key] = value;
    }

    public string? GetString(string key) => TryGet(key) switch
    {
        null => null,
        string s => s,
        byte[] bytes => Convert.ToBase64String(bytes),
        DateTimeOffset d => d.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    public int? GetInt32(string key) => TryGet(key) switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => null,
    };

    public long? GetInt64(string key) => TryGet(key) switch
    {
        long l => l,
        int i => i,
        double d when d == Math.Floor(d) && d >= long.MinValue && d < long.MaxValue => (long)d,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    public bool? GetBoolean(string key) => TryGet(key) switch
    {
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        _ => null,
    };

    public double? GetDouble(string key) => TryGet(key) switch
    {
        double d => d,
        int i => i,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public DateTimeOffset? GetDateTimeOffset(string key) => TryGet(key) switch
    {
        DateTimeOffset d => d,
        DateTime d => d.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : new DateTimeOffset(d.ToUniversalTime()),
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) => d,
        _ => null,
    };

    public Guid? GetGuid(string key) => TryGet(key) switch
    {
        Guid g => g,
        string s when Guid.TryParse(s, out var g) => g,
        _ => null,
    };

    public byte[]? GetBinary(string key) => TryGet(key) switch
    {
        byte[] bytes => bytes,
        BinaryData data => data.ToArray(),
        string s => TryFromBase64(s),
        _ => null,
    };

    public void Add(string key, object? value) => _properties.Add(key, value);
    public bool ContainsKey(string key) => _properties.ContainsKey(key);
    public bool Remove(string key) => _properties.Remove(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _properties.TryGetValue(key, out value);
    public void Add(KeyValuePair<string, object?> item) => _properties.Add(item.Key, item.Value);
    public void Clear() => _properties.Clear();
    public bool Contains(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)_properties).Contains(item);
    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, object?>>)_properties).CopyTo(array, arrayIndex);
    public bool Remove(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)_properties).Remove(item);
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private object? TryGet(string key) => _properties.TryGetValue(key, out var value) ? value : null;

    private static byte[]? TryFromBase64(string s)
    {
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var written) ? buffer[..written] : null;
    }
}

/// <summary>Merge keeps properties not sent; Replace drops them.</summary>
public enum TableUpdateMode
{
    Merge,
    Replace,
}

/// <summary>One page of a query; <see cref="ContinuationToken"/> is opaque and null on the last page.</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Items, string? ContinuationToken);

public enum TableTransactionActionType
{
    Add,
    UpdateMerge,
    UpdateReplace,
    UpsertMerge,
    UpsertReplace,
    Delete,
}

/// <summary>One operation in an entity group transaction; <see cref="ETag"/> is the If-Match for updates and deletes ("*" when null).</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, string? ETag = null);
