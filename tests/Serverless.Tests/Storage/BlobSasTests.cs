using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Serverless.Core.Files;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>
/// <see cref="BlobSas"/> against Azurite, which is reached with the account key, so links are service SAS. Links are used
/// with a plain HttpClient, as a browser would.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobSasTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private readonly StorageAccount _account = azurite.CreateStorageAccount();
    private readonly string _containerName = AzuriteFixture.UniqueName("sas");

    private BlobContainerClient Container => _account.GetBlobContainerClient(_containerName);

    public Task InitializeAsync() => Container.CreateAsync();

    public Task DisposeAsync() => Container.DeleteAsync();

    [Fact]
    public async Task A_read_link_downloads_the_blob_with_the_requested_content_disposition_and_type()
    {
        var blob = Container.GetBlobClient("report.bin");
        await blob.UploadAsync(BinaryData.FromString("hello, file"), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } });
        var disposition = RoomFilesApi.AttachmentDisposition("Résumé 2024.txt");
        var now = DateTimeOffset.UtcNow;

        var uri = await blob.CreateSasUriAsync(_account, BlobSasPermissions.Read, now, now.AddMinutes(10), disposition, "text/plain; charset=utf-8");
        using var response = await Http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello, file", await response.Content.ReadAsStringAsync());
        Assert.Equal(disposition, string.Join(", ", response.Content.Headers.GetValues("Content-Disposition")));
        Assert.Equal("text/plain; charset=utf-8", string.Join(", ", response.Content.Headers.GetValues("Content-Type")));
        Assert.Contains("sig=", uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_link_without_header_overrides_returns_the_stored_content_type()
    {
        var blob = Container.GetBlobClient("photo.png");
        await blob.UploadAsync(BinaryData.FromBytes([1, 2, 3]), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/png" } });
        var now = DateTimeOffset.UtcNow;

        var uri = await blob.CreateSasUriAsync(_account, BlobSasPermissions.Read, now, now.AddMinutes(10));
        using var response = await Http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Content.Headers.Contains("Content-Disposition"));
    }

    [Fact]
    public async Task An_expired_link_is_refused_with_403()
    {
        var blob = Container.GetBlobClient("old.txt");
        await blob.UploadAsync(BinaryData.FromString("old"));
        var now = DateTimeOffset.UtcNow;

        var uri = await blob.CreateSasUriAsync(_account, BlobSasPermissions.Read, now.AddHours(-2), now.AddMinutes(-1));
        using var response = await Http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_create_only_link_can_upload_a_new_blob_but_cannot_read_it()
    {
        var blob = Container.GetBlobClient("upload.txt");
        var now = DateTimeOffset.UtcNow;
        var uri = await blob.CreateSasUriAsync(_account, BlobSasPermissions.Create, now, now.AddMinutes(10));

        using var put = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new StringContent("uploaded") };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var uploaded = await Http.SendAsync(put);
        using var read = await Http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal("uploaded", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task A_link_for_one_blob_does_not_open_another()
    {
        var blob = Container.GetBlobClient("mine.txt");
        var other = Container.GetBlobClient("other.txt");
        await blob.UploadAsync(BinaryData.FromString("mine"));
        await other.UploadAsync(BinaryData.FromString("other"));
        var now = DateTimeOffset.UtcNow;

        var uri = await blob.CreateSasUriAsync(_account, BlobSasPermissions.Read, now, now.AddMinutes(10));
        using var response = await Http.GetAsync(new UriBuilder(uri) { Path = other.Uri.AbsolutePath }.Uri);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task GetPropertiesOrDefault_answers_null_for_a_missing_blob_or_container_and_the_properties_of_an_existing_blob()
    {
        var blob = Container.GetBlobClient("present.txt");
        await blob.UploadAsync(BinaryData.FromString("12345"));

        var present = await blob.GetPropertiesOrDefaultAsync();
        var missing = await Container.GetBlobClient("missing.txt").GetPropertiesOrDefaultAsync();
        var noContainer = await _account.GetBlobContainerClient(AzuriteFixture.UniqueName("none")).GetBlobClient("x").GetPropertiesOrDefaultAsync();

        Assert.NotNull(present);
        Assert.Equal(5, present.ContentLength);
        Assert.Null(missing);
        Assert.Null(noContainer);
    }
}
