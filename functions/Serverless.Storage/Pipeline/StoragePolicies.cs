using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Storage;

/// <summary>Stamps x-ms-version and a fresh x-ms-date on every attempt (so a retried request is not rejected as stale).</summary>
internal sealed class StorageRequestHeadersPolicy(string version) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        message.Request.Headers.SetValue("x-ms-version", version);
        message.Request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
    }
}

/// <summary>Signs each attempt with the account key: the Blob/Queue scheme or the Table scheme.</summary>
internal sealed class SharedKeyAuthenticationPolicy(StorageConnection connection, StorageService service) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var uri = request.Uri.ToUri();
        var headers = request.Headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList();
        string stringToSign;
        if (service == StorageService.Table)
        {
            request.Headers.TryGetValue("Content-MD5", out var md5);
            request.Headers.TryGetValue("Content-Type", out var contentType);
            request.Headers.TryGetValue("x-ms-date", out var date);
            stringToSign = SharedKeySigner.BuildTableStringToSign(request.Method.Method, uri, md5, contentType, date ?? "", connection.AccountName);
        }
        else
        {
            long? length = request.Content is not null && request.Content.TryComputeLength(out var l) ? l : null;
            stringToSign = SharedKeySigner.BuildBlobQueueStringToSign(request.Method.Method, uri, headers, length, connection.AccountName);
        }

        var signature = SharedKeySigner.Sign(stringToSign, connection.AccountKey);
        request.Headers.SetValue("Authorization", $"SharedKey {connection.AccountName}:{signature}");
    }
}
