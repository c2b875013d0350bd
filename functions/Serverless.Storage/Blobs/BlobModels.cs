using Azure;

namespace Serverless.Storage;

/// <summary>One entry of a container listing.</summary>
public sealed record BlobItem(string Name, long ContentLength, string? ContentType, DateTimeOffset? LastModified, string? ETag);

/// <summary>One page of a listing; <see cref="NextMarker"/> is null on the last page.</summary>
public sealed record BlobListPage(IReadOnlyList<BlobItem> Items, string? NextMarker);

/// <summary>The committed blob's ETag and length; <see cref="BlockCount"/> is 0 for a single-shot Put Blob.</summary>
public sealed record BlobUploadResult(string ETag, long Length)
{
    public int BlockCount { get; init; }
}

public sealed class BlobUploadOptions
{
    public string? ContentType { get; set; }
    public string? ContentDisposition { get; set; }
    public IDictionary<string, string>? Metadata { get; set; }

    /// <summary>When false the upload only succeeds if no blob exists yet (If-None-Match: *).</summary>
    public bool Overwrite { get; set; } = true;

    /// <summary>Stop with <see cref="BlobTooLargeException"/>, committing nothing, once the stream yields more than this many bytes.</summary>
    public long? MaxLength { get; set; }
}

public sealed class BlobProperties
{
    public long ContentLength { get; init; }
    public string? ContentType { get; init; }
    public string? ContentDisposition { get; init; }
    public string? ETag { get; init; }
    public DateTimeOffset? LastModified { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A streaming download; dispose it to release the connection.</summary>
public sealed class BlobDownloadResult : IDisposable, IAsyncDisposable
{
    private readonly IDisposable _owner;

    internal BlobDownloadResult(IDisposable owner, Stream content, long contentLength, string? contentType, string? etag)
    {
        _owner = owner;
        Content = content;
        ContentLength = contentLength;
        ContentType = contentType;
        ETag = etag;
    }

    public Stream Content { get; }
    public long ContentLength { get; }
    public string? ContentType { get; }
    public string? ETag { get; }

    public void Dispose()
    {
        Content.Dispose();
        _owner.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        _owner.Dispose();
    }
}

/// <summary>Service SAS permissions; rendered in the documented order "racwd".</summary>
[Flags]
public enum BlobSasPermissions
{
    None = 0,
    Read = 1,
    Add = 2,
    Create = 4,
    Write = 8,
    Delete = 16,
}

/// <summary>A key from Get User Delegation Key, used to sign SAS tokens without the account key.</summary>
public sealed record UserDelegationKey(
    string SignedObjectId, string SignedTenantId, DateTimeOffset SignedStart, DateTimeOffset SignedExpiry, string SignedService, string SignedVersion, string Value);

internal static class HttpRangeExtensions
{
    public static string ToRangeHeader(this HttpRange range) =>
        range.Length is { } length ? $"bytes={range.Offset}-{range.Offset + length - 1}" : $"bytes={range.Offset}-";
}
