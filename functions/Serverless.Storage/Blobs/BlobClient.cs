using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace Serverless.Storage;

/// <summary>One block blob: streaming upload and download, properties, delete and SAS URIs.</summary>
public sealed class BlobClient
{
    /// <summary>Size of the single-shot buffer and of each staged block; memory use per upload stays at one such buffer.</summary>
    internal const int BlockSize = 4 * 1024 * 1024;

    /// <summary>Start a SAS this far in the past so a client whose clock lags the service can use it at once.</summary>
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    private readonly StorageServicePipeline _pipeline;
    private readonly BlobContainerClient _container;

    internal BlobClient(StorageServicePipeline pipeline, BlobContainerClient container, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _pipeline = pipeline;
        _container = container;
        Name = name;
        Uri = new Uri(container.Uri.AbsoluteUri + "/" + string.Join("/", name.Split('/').Select(Uri.EscapeDataString)));
    }

    public string Name { get; }
    public Uri Uri { get; }

    /// <summary>
    /// Uploads <paramref name="content"/> (any stream, seekable or not). Up to 4 MiB goes as one Put Blob;
    /// beyond that each 4 MiB is staged as a block and the list is committed at the end.
    /// </summary>
    public async Task<BlobUploadResult> UploadAsync(Stream content, BlobUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= new BlobUploadOptions();
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long total = 0;
            var blockIds = new List<string>();

            // Uncommitted blocks belong to the blob name, not the upload: a per-upload prefix keeps two concurrent
            // uploads to the same name from committing each other's blocks. Ids must all have the same length.
            var uploadPrefix = Guid.NewGuid().ToString("N") + "-";
            while (true)
            {
                var filled = await FillAsync(content, buffer, cancellationToken);
                total += filled;
                if (options.MaxLength is { } max && total > max)
                {
                    // Nothing committed: staged blocks are garbage-collected by the service.
                    throw new BlobTooLargeException(max);
                }

                if (blockIds.Count == 0 && filled < BlockSize)
                {
                    var etag = await PutBlobAsync(buffer.AsMemory(0, filled), options, cancellationToken);
                    return new BlobUploadResult(etag, total);
                }

                if (filled > 0)
                {
                    var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes(uploadPrefix + blockIds.Count.ToString("D6", CultureInfo.InvariantCulture)));
                    await PutBlockAsync(blockId, buffer.AsMemory(0, filled), cancellationToken);
                    blockIds.Add(blockId);
                }

                if (filled < BlockSize)
                {
                    var etag = await PutBlockListAsync(blockIds, options, cancellationToken);
                    return new BlobUploadResult(etag, total) { BlockCount = blockIds.Count };
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Streams the blob (or <paramref name="range"/> of it); 404 throws <see cref="StorageRequestFailedException"/>.</summary>
    public async Task<BlobDownloadResult> DownloadAsync(HttpRange? range = null, CancellationToken cancellationToken = default)
    {
        var message = _pipeline.CreateMessage(RequestMethod.Get, Uri.AbsoluteUri);
        try
        {
            message.BufferResponse = false;
            if (range is { } r && r != default)
            {
                message.Request.Headers.SetValue("x-ms-range", r.ToRangeHeader());
            }

            var response = await _pipeline.SendCheckedAsync(message, $"Download blob '{Name}'", cancellationToken);
            var stream = message.ExtractResponseContent() ?? Stream.Null;
            response.Headers.TryGetValue("Content-Type", out var contentType);
            return new BlobDownloadResult(message, stream, response.Headers.ContentLength ?? 0, contentType, Header(response, "ETag"));
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>The blob's properties and metadata; null when it does not exist.</summary>
    public async Task<BlobProperties?> GetPropertiesAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Head, Uri.AbsoluteUri);
        var response = await _pipeline.SendExpectingAsync(message, $"Get properties of blob '{Name}'", 404, ["BlobNotFound"], cancellationToken);
        if (response is null)
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers)
        {
            if (header.Name.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
            {
                metadata[header.Name["x-ms-meta-".Length..]] = header.Value;
            }
        }

        response.Headers.TryGetValue("Content-Type", out var contentType);
        response.Headers.TryGetValue("Content-Disposition", out var contentDisposition);
        response.Headers.TryGetValue("Last-Modified", out var lastModified);
        return new BlobProperties
        {
            ContentLength = response.Headers.ContentLength ?? 0,
            ContentType = contentType,
            ContentDisposition = contentDisposition,
            ETag = Header(response, "ETag"),
            LastModified = DateTimeOffset.TryParse(lastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : null,
            Metadata = metadata,
        };
    }

    public async Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Uri.AbsoluteUri);
        return await _pipeline.SendExpectingAsync(message, $"Delete blob '{Name}'", 404, ["BlobNotFound"], cancellationToken) is not null;
    }

    /// <summary>
    /// A URI granting <paramref name="permissions"/> on this blob until <paramref name="expiresOn"/>: a service SAS with the account key,
    /// otherwise a user delegation SAS (the delegation key is fetched once and cached per account).
    /// <paramref name="contentDisposition"/> and <paramref name="contentType"/> are returned by the service as the headers of downloads
    /// through the SAS, whatever the blob itself was stored with.
    /// </summary>
    public async Task<Uri> GenerateSasUriAsync(
        BlobSasPermissions permissions, DateTimeOffset expiresOn, string? contentDisposition = null, string? contentType = null,
        CancellationToken cancellationToken = default)
    {
        if (permissions == BlobSasPermissions.None)
        {
            throw new ArgumentException("A SAS needs at least one permission.", nameof(permissions));
        }

        var connection = _pipeline.Connection;
        var fields = new BlobSasSigner.SasFields(
            connection.AccountName,
            _container.Name,
            Name,
            permissions,
            DateTimeOffset.UtcNow - ClockSkewAllowance,
            expiresOn,
            Uri.Scheme == Uri.UriSchemeHttp ? "https,http" : "https",
            contentDisposition,
            contentType);
        string query;
        if (connection.HasSharedKey)
        {
            query = BlobSasSigner.ServiceSasQuery(fields, connection.AccountKey);
        }
        else
        {
            var key = await _pipeline.DelegationKeys.GetKeyAsync(expiresOn, cancellationToken);
            query = BlobSasSigner.UserDelegationSasQuery(fields, key);
        }

        return new Uri(Uri.AbsoluteUri + "?" + query);
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the bytes read.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < BlockSize)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, BlockSize - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private async Task<string> PutBlobAsync(ReadOnlyMemory<byte> data, BlobUploadOptions options, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Uri.AbsoluteUri);
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        SetBlobHeaders(message, options);
        message.Request.Content = RequestContent.Create(data);
        var response = await _pipeline.SendCheckedAsync(message, $"Upload blob '{Name}'", cancellationToken);
        return Header(response, "ETag") ?? "";
    }

    private async Task PutBlockAsync(string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, $"{Uri.AbsoluteUri}?comp=block&blockid={Uri.EscapeDataString(blockId)}");
        message.Request.Content = RequestContent.Create(data);
        await _pipeline.SendCheckedAsync(message, $"Stage block of blob '{Name}'", cancellationToken);
    }

    private async Task<string> PutBlockListAsync(List<string> blockIds, BlobUploadOptions options, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Uri.AbsoluteUri + "?comp=blocklist");
        SetBlobHeaders(message, options);
        var body = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(new XDeclaration("1.0", "utf-8", null) + body.ToString(SaveOptions.DisableFormatting)));
        var response = await _pipeline.SendCheckedAsync(message, $"Commit blob '{Name}'", cancellationToken);
        return Header(response, "ETag") ?? "";
    }

    private static string? Header(Response response, string name) => response.Headers.TryGetValue(name, out var value) ? value : null;

    private static void SetBlobHeaders(HttpMessage message, BlobUploadOptions options)
    {
        var headers = message.Request.Headers;
        if (options.ContentType is not null)
        {
            headers.SetValue("x-ms-blob-content-type", options.ContentType);
        }

        if (options.ContentDisposition is not null)
        {
            headers.SetValue("x-ms-blob-content-disposition", options.ContentDisposition);
        }

        if (options.Metadata is not null)
        {
            foreach (var (name, value) in options.Metadata)
            {
                headers.SetValue("x-ms-meta-" + name, value);
            }
        }

        if (!options.Overwrite)
        {
            headers.SetValue("If-None-Match", "*");
        }
    }
}
