using Azure.Core;

namespace Serverless.Storage;

/// <summary>Which service a request is for, stamped on every message by the client that built it, for policies that count or classify.</summary>
public static class StorageServiceProperty
{
    public const string Name = "Serverless.Storage.Service";

    public static StorageService? Of(HttpMessage message) =>
        message.TryGetProperty(Name, out var value) && value is StorageService service ? service : null;
}
