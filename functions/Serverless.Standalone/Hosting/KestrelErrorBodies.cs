using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Serverless.Core.Http;

namespace Serverless.Standalone.Hosting;

/// <summary>
/// Gives the responses Kestrel writes by itself, before any middleware runs (400 for an unparsable request such as %00 in
/// the path, 414, 431, 408, 411, 413 on the request line or headers), the API's {"code","message"} body. Kestrel has no
/// hook for those (they are written straight to the connection), so this connection middleware watches what is flushed:
/// a response that starts with such a status line, has "Content-Length: 0", "Connection: close" and no body can only be
/// one of Kestrel's own (the API never answers a 4xx without a body) and gets the body. Every other byte passes as is.
/// </summary>
public static class KestrelErrorBodies
{
    private static readonly Dictionary<int, (string Code, string Message)> Errors = new()
    {
        [400] = ("BAD_REQUEST", "The request could not be parsed."),
        [408] = ("REQUEST_TIMEOUT", "The request headers did not arrive in time."),
        [411] = ("LENGTH_REQUIRED", "A Content-Length or chunked body is required."),
        [413] = ("PAYLOAD_TOO_LARGE", "The request body is too large."),
        [414] = ("URI_TOO_LONG", "The request line is too long."),
        [431] = ("HEADERS_TOO_LARGE", "The request headers are too large."),
        [505] = ("HTTP_VERSION_NOT_SUPPORTED", "This HTTP version is not supported."),
    };

    /// <summary>For <c>ListenOptions.Use</c>.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => context =>
    {
        var transport = context.Transport;
        context.Transport = new DuplexPipe(transport.Input, new InspectingWriter(transport.Output));
        return next(context);
    };

    /// <summary>The rewritten response, or null when <paramref name="flushed"/> is not one of Kestrel's bodiless errors.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> flushed)
    {
        if (flushed.Length < 16 || flushed.Length > 4096 || !flushed.StartsWith("HTTP/1.1 "u8)
            || !int.TryParse(flushed.Slice(9, 3), out var status) || !Errors.TryGetValue(status, out var error))
        {
            return null;
        }

        var headerEnd = flushed.IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0 || headerEnd + 4 != flushed.Length)
        {
            return null; // it has a body, or is not complete: not Kestrel's
        }

        var head = Encoding.ASCII.GetString(flushed[..headerEnd]);
        const string EmptyLength = "\r\nContent-Length: 0";
        if (!head.Contains(EmptyLength + "\r\n", StringComparison.OrdinalIgnoreCase) && !head.EndsWith(EmptyLength, StringComparison.OrdinalIgnoreCase)
            || !head.Contains("\r\nConnection: close", StringComparison.OrdinalIgnoreCase)
            || head.Contains("\r\nContent-Type:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var body = JsonSerializerBody(error.Code, error.Message);
        var index = head.IndexOf(EmptyLength, StringComparison.OrdinalIgnoreCase);
        var rewritten = head[..index]
            + $"\r\nContent-Length: {body.Length}\r\nContent-Type: application/json; charset=utf-8\r\n{Correlation.HeaderName}: {Guid.NewGuid():N}"
            + head[(index + EmptyLength.Length)..]
            + "\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(rewritten), .. body];
    }

    private static byte[] JsonSerializerBody(string code, string message) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new ApiError(code, message), ApiJson.Options);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Collects what is written until a flush, looks at it, then hands it to the transport.</summary>
    private sealed class InspectingWriter(PipeWriter inner) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _pending = new(4096);

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _pending.WrittenCount;

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            CopyPending();
            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            CopyPending();
            await inner.CompleteAsync(exception);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            CopyPending();
            return inner.FlushAsync(cancellationToken);
        }

        private void CopyPending()
        {
            if (_pending.WrittenCount == 0)
            {
                return;
            }

            var written = _pending.WrittenSpan;
            inner.Write(Rewrite(written) ?? written);
            _pending.ResetWrittenCount();
        }
    }
}
