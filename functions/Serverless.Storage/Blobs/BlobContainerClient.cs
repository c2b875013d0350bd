using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Core;

namespace Serverless.Storage;

/// <summary>One blob container.</summary>
public sealed class BlobContainerClient
{
    private readonly StorageServicePipeline _pipeline;

    internal BlobContainerClient(StorageServicePipeline pipeline, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _pipeline = pipeline;
        Name = name;
        Uri = new Uri($"{pipeline.EndpointText}/{Uri.EscapeDataString(name)}");
    }

    public string Name { get; }
    public Uri Uri { get; }

    public BlobClient GetBlobClient(string blobName) => new(_pipeline, this, blobName);

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Uri.AbsoluteUri + "?restype=container");
        await _pipeline.SendExpectingAsync(message, $"Create container '{Name}'", 409, ["ContainerAlreadyExists"], cancellationToken);
    }

    /// <summary>Deletes the container; a container that does not exist is not an error.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Uri.AbsoluteUri + "?restype=container");
        await _pipeline.SendExpectingAsync(message, $"Delete container '{Name}'", 404, ["ContainerNotFound"], cancellationToken);
    }

    /// <summary>All blobs (optionally under <paramref name="prefix"/>), following NextMarker page by page.</summary>
    public async IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var page = await ListBlobsPageAsync(prefix, null, marker, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            marker = page.NextMarker;
        }
        while (marker is not null);
    }

    public async Task<BlobListPage> ListBlobsPageAsync(string? prefix, int? maxResults, string? marker, CancellationToken cancellationToken = default)
    {
        var url = Uri.AbsoluteUri + "?restype=container&comp=list";
        if (!string.IsNullOrEmpty(prefix))
        {
            url += "&prefix=" + Uri.EscapeDataString(prefix);
        }

        if (maxResults is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxResults));
            url += "&maxresults=" + max.ToString(CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrEmpty(marker))
        {
            url += "&marker=" + Uri.EscapeDataString(marker);
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Get, url);
        var response = await _pipeline.SendCheckedAsync(message, $"List blobs in '{Name}'", cancellationToken);
        var root = StorageXml.Parse(response.Content.ToString());
        var items = (root.Element("Blobs")?.Elements("Blob") ?? []).Select(blob =>
        {
            var properties = blob.Element("Properties");
            return new BlobItem(
                blob.Element("Name")?.Value ?? "",
                long.TryParse(properties?.Element("Content-Length")?.Value, CultureInfo.InvariantCulture, out var length) ? length : 0,
                NullIfEmpty(properties?.Element("Content-Type")?.Value),
                DateTimeOffset.TryParse(properties?.Element("Last-Modified")?.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : null,
                NullIfEmpty(properties?.Element("Etag")?.Value));
        }).ToList();
        return new BlobListPage(items, NullIfEmpty(root.Element("NextMarker")?.Value));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
