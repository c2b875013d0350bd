using System.Security.Cryptography;
using System.Text;
using Azure;
using Serverless.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class BlobClientTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private readonly (StorageAccount Account, StorageRequestCounter Counter) _counted = StorageTestAccounts.CreateCounted(azurite);
    private readonly string _containerName = AzuriteFixture.UniqueName("c");

    private BlobContainerClient Container => _counted.Account.GetBlobContainerClient(_containerName);

    public Task InitializeAsync() => Container.CreateIfNotExistsAsync();

    public Task DisposeAsync() => Container.DeleteAsync();

    [Fact]
    public async Task Upload_SmallStream_IsOnePutBlobAndDownloadsIdentically()
    {
        var blob = Container.GetBlobClient("dir/small file.txt");
        var bytes = Encoding.UTF8.GetBytes("hello blob");
        _counted.Counter.Reset();

        var result = await blob.UploadAsync(new MemoryStream(bytes), new BlobUploadOptions { ContentType = "text/plain", Metadata = new Dictionary<string, string> { ["kind"] = "test" } });
        var uploadRequests = _counted.Counter.Blob;
        await using var download = await blob.DownloadAsync();
        using var copy = new MemoryStream();
        await download.Content.CopyToAsync(copy);

        Assert.Equal(1, uploadRequests);
        Assert.Equal(0, result.BlockCount);
        Assert.Equal(bytes.Length, result.Length);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal("text/plain", download.ContentType);
        Assert.Equal(result.ETag, download.ETag);
        var properties = await blob.GetPropertiesAsync();
        Assert.Equal("test", properties!.Metadata["kind"]);
        Assert.Equal(bytes.Length, properties.ContentLength);
    }

    [Fact]
    public async Task Upload_TenMiBFromNonSeekableStream_UsesBlocksAndRoundTripsByteIdentical()
    {
        var blob = Container.GetBlobClient("large.bin");
        const long length = 10L * 1024 * 1024 + 123;
        _counted.Counter.Reset();

        var result = await blob.UploadAsync(new GeneratedStream(length));
        var uploadRequests = _counted.Counter.Blob;
        await using var download = await blob.DownloadAsync();
        var downloadedHash = await SHA256.HashDataAsync(download.Content);
        var expectedHash = await SHA256.HashDataAsync(new GeneratedStream(length));

        Assert.Equal(3, result.BlockCount);
        Assert.Equal(4, uploadRequests); // three Put Block + one Put Block List
        Assert.Equal(length, result.Length);
        Assert.Equal(length, download.ContentLength);
        Assert.Equal(expectedHash, downloadedHash);
        Assert.Equal(0, _counted.Counter.Table + _counted.Counter.Queue);
    }

    [Fact]
    public async Task Upload_StreamLongerThanMaxLength_ThrowsAndCommitsNothing()
    {
        var small = Container.GetBlobClient("small-limit.bin");
        var large = Container.GetBlobClient("large-limit.bin");

        await Assert.ThrowsAsync<BlobTooLargeException>(() => small.UploadAsync(new GeneratedStream(1001), new BlobUploadOptions { MaxLength = 1000 }));
        await Assert.ThrowsAsync<BlobTooLargeException>(() => large.UploadAsync(new GeneratedStream(9L * 1024 * 1024), new BlobUploadOptions { MaxLength = 5L * 1024 * 1024 }));

        Assert.Null(await small.GetPropertiesAsync());
        Assert.Null(await large.GetPropertiesAsync());
    }

    [Fact]
    public async Task Upload_OverwriteFalseOnExistingBlob_FailsAndKeepsTheOriginal()
    {
        var blob = Container.GetBlobClient("once.txt");
        await blob.UploadAsync(new MemoryStream("first"u8.ToArray()));

        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() =>
            blob.UploadAsync(new MemoryStream("second"u8.ToArray()), new BlobUploadOptions { Overwrite = false }));

        Assert.Contains(error.Status, new[] { 409, 412 });
        await using var download = await blob.DownloadAsync();
        Assert.Equal("first", await new StreamReader(download.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Download_Range_ReturnsOnlyThoseBytes()
    {
        var blob = Container.GetBlobClient("range.txt");
        await blob.UploadAsync(new MemoryStream("0123456789"u8.ToArray()));

        await using var download = await blob.DownloadAsync(new HttpRange(2, 3));

        Assert.Equal("234", await new StreamReader(download.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Download_MissingBlob_Throws404()
    {
        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() => Container.GetBlobClient("missing").DownloadAsync());

        Assert.Equal(404, error.Status);
        Assert.Equal("BlobNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task DeleteIfExists_ExistingThenMissing_ReturnsTrueThenFalse()
    {
        var blob = Container.GetBlobClient("delete-me");
        await blob.UploadAsync(new MemoryStream([1]));

        Assert.True(await blob.DeleteIfExistsAsync());
        Assert.False(await blob.DeleteIfExistsAsync());
        Assert.Null(await blob.GetPropertiesAsync());
    }

    [Fact]
    public async Task ListBlobs_MorePagesThanOne_FollowsMarkerAndHonoursPrefix()
    {
        foreach (var name in new[] { "a/1", "a/2", "a/3", "b/1" })
        {
            await Container.GetBlobClient(name).UploadAsync(new MemoryStream([1, 2]));
        }

        var firstPage = await Container.ListBlobsPageAsync("a/", 2, null);
        var names = new List<string>();
        await foreach (var item in Container.ListBlobsAsync("a/"))
        {
            names.Add(item.Name);
            Assert.Equal(2, item.ContentLength);
        }

        Assert.Equal(2, firstPage.Items.Count);
        Assert.NotNull(firstPage.NextMarker);
        Assert.Equal(["a/1", "a/2", "a/3"], names);
    }

    [Fact]
    public async Task ReadSas_DownloadsThatBlobOnly_AndCannotWrite()
    {
        var blob = Container.GetBlobClient("shared.txt");
        var other = Container.GetBlobClient("other.txt");
        await blob.UploadAsync(new MemoryStream("shared"u8.ToArray()));
        await other.UploadAsync(new MemoryStream("other"u8.ToArray()));

        var sas = await blob.GenerateSasUriAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));
        var otherWithSameSas = new Uri(other.Uri.AbsoluteUri + sas.Query);

        using var read = await Http.GetAsync(sas);
        using var readOther = await Http.GetAsync(otherWithSameSas);
        using var write = await Http.SendAsync(PutBlob(sas, "overwritten"));

        Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("shared", await read.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, readOther.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, write.StatusCode);
    }

    [Fact]
    public async Task CreateWriteSas_CanUploadButNotRead()
    {
        var blob = Container.GetBlobClient("upload-via-sas.txt");
        var sas = await blob.GenerateSasUriAsync(BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(10));

        using var write = await Http.SendAsync(PutBlob(sas, "from client"));
        using var read = await Http.GetAsync(sas);

        Assert.Equal(System.Net.HttpStatusCode.Created, write.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, read.StatusCode);
        await using var download = await blob.DownloadAsync();
        Assert.Equal("from client", await new StreamReader(download.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task ExpiredSas_IsRejected()
    {
        var blob = Container.GetBlobClient("expired.txt");
        await blob.UploadAsync(new MemoryStream("x"u8.ToArray()));
        var sas = await blob.GenerateSasUriAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(-1));

        using var read = await Http.GetAsync(sas);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, read.StatusCode);
    }

    [Fact]
    public async Task ReadSasWithContentDisposition_IsReturnedAsHeader()
    {
        var blob = Container.GetBlobClient("report.csv");
        await blob.UploadAsync(new MemoryStream("a,b"u8.ToArray()));
        var sas = await blob.GenerateSasUriAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10), "attachment; filename=\"report.csv\"");

        using var read = await Http.GetAsync(sas);

        Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("attachment; filename=\"report.csv\"", read.Content.Headers.ContentDisposition?.ToString());
    }

    private static HttpRequestMessage PutBlob(Uri sas, string text)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new StringContent(text) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        request.Headers.Add("x-ms-version", "2021-12-02");
        return request;
    }

    /// <summary>A non-seekable stream of deterministic pseudo-random bytes, so nothing large is ever held in memory by the test.</summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // Odd-sized reads exercise the upload's fill loop.
            var count = (int)Math.Min(Math.Min(buffer.Length, 100_003), length - _position);
            for (var i = 0; i < count; i++)
            {
                var p = _position + i;
                buffer[i] = (byte)((p * 31) ^ (p >> 11));
            }

            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
