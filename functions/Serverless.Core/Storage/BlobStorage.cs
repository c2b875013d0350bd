using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Serverless.Core.Storage;

/// <summary>
/// SAS links for blobs: a service SAS signed with the account key when the account is reached with one (Azurite, key-based
/// connection strings), otherwise a user delegation SAS from the cached delegation key (managed identity in Azure).
/// </summary>
public static class BlobSas
{
    // Clocks of this host and the storage service differ a little; a link valid "from now" could be refused for a few seconds.
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    /// <param name="contentDisposition">Returned by the service as the download's Content-Disposition, whatever the blob was stored with.</param>
    /// <param name="contentType">Returned as the download's Content-Type.</param>
    public static async Task<Uri> CreateSasUriAsync(
        this BlobClient blob, StorageAccount account, BlobSasPermissions permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn,
        string? contentDisposition = null, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var builder = new BlobSasBuilder(permissions, expiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = startsOn - ClockSkewAllowance,
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttp ? SasProtocol.HttpsAndHttp : SasProtocol.Https,
            ContentDisposition = contentDisposition,
            ContentType = contentType,
        };

        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(builder);
        }

        var key = await account.DelegationKeys.GetKeyAsync(startsOn, expiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, account.BlobService.AccountName) }.ToUri();
    }

    /// <summary>The blob's properties, or null when it does not exist.</summary>
    public static async Task<BlobProperties?> GetPropertiesOrDefaultAsync(this BlobClient blob, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}

/// <summary>
/// Fetches a user delegation key once and reuses it until it no longer covers the SAS being signed: one key request a day
/// instead of one per link.
/// </summary>
public sealed class UserDelegationKeyCache(BlobServiceClient service)
{
    private static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(7);
    private static readonly TimeSpan PreferredKeyLifetime = TimeSpan.FromDays(1);
    private volatile UserDelegationKey? _key;

    public async Task<UserDelegationKey> GetKeyAsync(DateTimeOffset now, DateTimeOffset mustCoverUntil, CancellationToken cancellationToken)
    {
        if (mustCoverUntil > now + MaxKeyLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(mustCoverUntil), "A user delegation SAS cannot outlive 7 days.");
        }

        if (_key is { } cached && cached.SignedExpiresOn >= mustCoverUntil && cached.SignedExpiresOn > now.AddMinutes(5) && cached.SignedStartsOn <= now)
        {
            return cached;
        }

        // Two callers racing here both fetch a key; either is valid, so no lock is needed.
        var expiry = mustCoverUntil > now + PreferredKeyLifetime ? mustCoverUntil : now + PreferredKeyLifetime;
        var key = (await service.GetUserDelegationKeyAsync(now.AddMinutes(-5), expiry, cancellationToken)).Value;
        _key = key;
        return key;
    }
}

/// <summary>An upload longer than its limit; nothing was committed.</summary>
public sealed class BlobTooLargeException(long maxLength) : Exception($"The content is longer than {maxLength} bytes.")
{
    public long MaxLength { get; } = maxLength;
}

/// <summary>
/// Reads through to <paramref name="inner"/> and throws <see cref="BlobTooLargeException"/> as soon as more than
/// <paramref name="maxLength"/> bytes have come through, so an oversized upload stops mid-stream, before its last block
/// is committed, without buffering or trusting a declared length.
/// </summary>
public sealed class LengthLimitedStream(Stream inner, long maxLength) : Stream
{
    private long _read;

    public long BytesRead => _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        if (_read > maxLength)
        {
            throw new BlobTooLargeException(maxLength);
        }

        return read;
    }
}
