using System.Net.Sockets;
using Azure;
using Microsoft.AspNetCore.Http;

namespace Serverless.Core.Http;

/// <summary>
/// Recognises a request that could not reach storage (the SDK's transport failures, status 0, after its retries; storage's
/// own 5xx and timeouts) so that every route answers 503 STORAGE_UNAVAILABLE with Retry-After instead of a 500.
/// </summary>
public static class StorageUnavailable
{
    public const string Code = "STORAGE_UNAVAILABLE";

    /// <summary>Seconds a client should wait before retrying; storage outages that the SDK's retries did not ride out last longer.</summary>
    public const int RetryAfterSeconds = 5;

    public static bool Is(Exception exception) => exception switch
    {
        // The SDK's retry policy reports "all attempts failed" as an aggregate of the attempts' failures.
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(Is),
        RequestFailedException failed => failed.Status is 0 or 408 or 500 or 502 or 503 or 504,
        HttpRequestException or SocketException or TimeoutException => true,

        // The SDK's network timeout surfaces as a cancellation nobody asked for (callers check RequestAborted first).
        OperationCanceledException => true,
        _ => false,
    };

    public static IResult Result(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiError.Result(503, Code, "Storage is unreachable at the moment; retry after the Retry-After delay.");
    }
}
