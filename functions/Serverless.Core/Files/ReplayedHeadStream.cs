namespace Serverless.Core.Files;

/// <summary>A read-only stream that yields bytes already read for type detection, then the rest of the original stream.</summary>
internal sealed class ReplayedHeadStream(byte[] head, int headLength, Stream rest) : Stream
{
    private int _headPosition;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_headPosition < headLength)
        {
            return CopyHead(buffer);
        }

        return rest.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _headPosition < headLength ? ValueTask.FromResult(CopyHead(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int CopyHead(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, headLength - _headPosition);
        head.AsSpan(_headPosition, count).CopyTo(buffer);
        _headPosition += count;
        return count;
    }
}
