using Azure;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Serverless.Core.Http;

/// <summary>
/// Runs one HTTP handler the same way in both hosts: correlation id on the response and in the log scope,
/// expected failures as {"code","message"}, storage out of reach a 503 with Retry-After, anything else a 500 without internals.
/// </summary>
public static class ApiEndpoint
{
    public static async Task<IResult> RunAsync(HttpContext context, ILogger logger, Func<Task<IResult>> handler)
    {
        using var scope = Correlation.BeginScope(context, logger);
        try
        {
            return await handler();
        }
        catch (ApiException ex)
        {
            foreach (var (name, value) in ex.Headers)
            {
                context.Response.Headers[name] = value;
            }

            if (ex.Status >= 500)
            {
                logger.LogError(ex, "Request failed with {Code}", ex.Code);
            }

            return ApiError.Result(ex.Status, ex.Code, ex.Message);
        }
        catch (JsonException)
        {
            return ApiError.Result(400, "INVALID_JSON", "The request body is not valid JSON for this operation.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ApiError.Result(413, "PAYLOAD_TOO_LARGE", "The request body is too large.");
        }
        catch (BadHttpRequestException ex)
        {
            return ApiError.Result(ex.StatusCode, "BAD_REQUEST", "The request could not be read.");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing useful can be written.
            return Results.Empty;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // A write lost its ETag race (or its insert) more often than its own retries allow: that is contention, not
            // a server error. The client retries; nothing was half-applied (every write is one guarded operation).
            logger.LogWarning(ex, "Storage contention outlasted the retries in {Path}", context.Request.Path.Value);
            var busy = ApiError.Result(503, "CONCURRENT_UPDATE", "Others are changing the same data; try again in a moment.");
            context.Response.Headers.RetryAfter = "1";
            return busy;
        }
        catch (Exception ex) when (StorageUnavailable.Is(ex))
        {
            logger.LogWarning(ex, "Storage unavailable in {Path}", context.Request.Path.Value);
            return StorageUnavailable.Result(context);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Unhandled error in {Path}", context.Request.Path.Value);
            return ApiError.Result(500, "INTERNAL_ERROR", "An unexpected error occurred. Quote the x-correlation-id when reporting it.");
        }
    }
}
