using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>
/// <see cref="LengthLimitedStream"/> under the SDK's block upload, with the options RoomFilesApi.StreamToBlobAsync uses
/// (4 MiB blocks, one in flight, never overwrite), fed a non-seekable stream as a request body is.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LengthLimitedStreamTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int TenMiB = 10 * 1024 * 1024;
    private readonly BlobContainerClient _container = azurite.CreateStorageAccount().GetBlobContainerClient(AzuriteFixture.UniqueName("limit"));

    public Task InitializeAsync() => _container.CreateAsync();

    public Task DisposeAsync() => _container.DeleteAsync();

    [Fact]
    public async Task A_non_seekable_upload_of_exactly_the_limit_is_committed_whole()
    {
        var content = Bytes(TenMiB);
        var blob = _container.GetBlobClient("exact.bin");
        var limited = new LengthLimitedStream(new NonSeekableStream(new MemoryStream(content)), TenMiB);

        await UploadAsRoomFilesDoesAsync(blob, limited);

        Assert.Equal(TenMiB, limited.BytesRead);
        var properties = await blob.GetPropertiesOrDefaultAsync();
        Assert.NotNull(properties);
        Assert.Equal(TenMiB, properties.ContentLength);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData((await blob.DownloadContentAsync()).Value.Content.ToArray()));
    }

    [Fact]
    public async Task A_non_seekable_upload_one_byte_over_the_limit_throws_BlobTooLargeException_itself_and_commits_nothing()
    {
        var blob = _container.GetBlobClient("over.bin");
        var limited = new LengthLimitedStream(new NonSeekableStream(new MemoryStream(Bytes(TenMiB + 1))), TenMiB);

        var error = await Record.ExceptionAsync(() => UploadAsRoomFilesDoesAsync(blob, limited));

        // RoomFilesApi.StreamToBlobAsync has `catch (BlobTooLargeException)`: the SDK must let the exception through unwrapped,
        // or an oversized upload becomes a 500 instead of a 413.
        var tooLarge = error as BlobTooLargeException;
        Assert.True(tooLarge is not null, $"Expected BlobTooLargeException unwrapped, got {error?.GetType().FullName ?? "no exception"}: {error}");
        Assert.Equal(TenMiB, tooLarge.MaxLength);
        Assert.Null(await blob.GetPropertiesOrDefaultAsync());
    }

    [Fact]
    public async Task A_small_upload_over_the_limit_is_stopped_too()
    {
        // Smaller than one block: the SDK reads it whole before deciding on a single put.
        var blob = _container.GetBlobClient("small.bin");
        var limited = new LengthLimitedStream(new NonSeekableStream(new MemoryStream(Bytes(1001))), 1000);

        var error = await Record.ExceptionAsync(() => UploadAsRoomFilesDoesAsync(blob, limited));

        Assert.True(error is BlobTooLargeException, $"Expected BlobTooLargeException unwrapped, got {error?.GetType().FullName ?? "no exception"}: {error}");
        Assert.Null(await blob.GetPropertiesOrDefaultAsync());
    }

    [Fact]
    public async Task Reading_counts_bytes_and_throws_only_once_the_limit_is_passed()
    {
        var limited = new LengthLimitedStream(new NonSeekableStream(new MemoryStream(Bytes(10))), 9);
        var buffer = new byte[9];

        Assert.Equal(9, await limited.ReadAtLeastAsync(buffer, 9));
        Assert.Equal(9, limited.BytesRead);
        Assert.False(limited.CanSeek);
        Assert.Throws<NotSupportedException>(() => limited.Length);
        await Assert.ThrowsAsync<BlobTooLargeException>(async () => await limited.ReadAtLeastAsync(buffer, 1));
        Assert.Throws<BlobTooLargeException>(() => new LengthLimitedStream(new MemoryStream(Bytes(10)), 9).CopyTo(Stream.Null));
    }

    private static Task<Response<BlobContentInfo>> UploadAsRoomFilesDoesAsync(BlobClient blob, Stream content) =>
        blob.UploadAsync(
            content,
            new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                TransferOptions = new StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 1 },
            });

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stream that can only be read forwards, like an HTTP request body.</summary>
    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
