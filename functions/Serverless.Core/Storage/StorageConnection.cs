using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Serverless.Core.Storage;

/// <summary>
/// How the app reaches its storage account, resolved from the same settings the Functions host reads for a
/// connection such as <c>AzureWebJobsStorage</c>: a connection string under the name itself (including
/// <c>UseDevelopmentStorage=true</c>), or identity-based <c>{name}__tableServiceUri</c> / <c>__queueServiceUri</c> /
/// <c>__blobServiceUri</c> (or <c>__accountName</c>) with <c>__credential</c> and <c>__clientId</c>.
/// </summary>
public sealed class StorageConnection
{
    private StorageConnection(string name, string? connectionString, Uri? tableServiceUri, Uri? queueServiceUri, Uri? blobServiceUri, IConfigurationSection? identity)
    {
        Name = name;
        ConnectionString = connectionString;
        TableServiceUri = tableServiceUri;
        QueueServiceUri = queueServiceUri;
        BlobServiceUri = blobServiceUri;
        IdentitySettings = identity;
    }

    /// <summary>The setting name, for messages; never the value, which may hold a key.</summary>
    public string Name { get; }

    public string? ConnectionString { get; }

    public Uri? TableServiceUri { get; }

    public Uri? QueueServiceUri { get; }

    public Uri? BlobServiceUri { get; }

    /// <summary>The section holding <c>credential</c> / <c>clientId</c> for identity-based connections; null for connection strings.</summary>
    public IConfigurationSection? IdentitySettings { get; }

    public bool IsIdentityBased => ConnectionString is null;

    /// <summary>
    /// Resolves connection <paramref name="name"/>. Called while services are registered, so a malformed setting fails the
    /// host at start naming the setting. <c>__</c> and <c>:</c> are the same separator, as in configuration.
    /// </summary>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var section = configuration.GetSection(name);
        var connectionString = section.Value;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            ValidateConnectionString(connectionString, name);
            return new StorageConnection(name, connectionString, null, null, null, null);
        }

        Uri? Endpoint(string key) =>
            configuration[$"{name}:{key}"] is { Length: > 0 } value ? ParseUri(value, $"{name}__{key}") : null;

        var blob = Endpoint("blobServiceUri") ?? Endpoint("serviceUri");
        var queue = Endpoint("queueServiceUri");
        var table = Endpoint("tableServiceUri");
        if (configuration[$"{name}:accountName"] is { Length: > 0 } account)
        {
            if (!IsValidAccountName(account))
            {
                throw new StorageConfigurationException($"Storage setting '{name}__accountName' is not a storage account name.");
            }

            blob ??= new Uri($"https://{account}.blob.core.windows.net");
            queue ??= new Uri($"https://{account}.queue.core.windows.net");
            table ??= new Uri($"https://{account}.table.core.windows.net");
        }

        if (blob is null && queue is null && table is null)
        {
            throw new StorageConfigurationException(
                $"Storage connection '{name}' is not configured: set '{name}' to a connection string, or '{name}__accountName' / " +
                $"'{name}__blobServiceUri', '{name}__queueServiceUri' and '{name}__tableServiceUri' for identity-based access.");
        }

        // This app uses all three services: a missing one is a configuration error now, not a failure on first use.
        var missing = new[] { (blob, "blobServiceUri"), (queue, "queueServiceUri"), (table, "tableServiceUri") }
            .Where(x => x.Item1 is null).Select(x => $"{name}__{x.Item2}").ToArray();
        if (missing.Length > 0)
        {
            throw new StorageConfigurationException($"Storage connection '{name}' is identity-based but {string.Join(", ", missing)} is not set.");
        }

        return new StorageConnection(name, null, table, queue, blob, section);
    }

    private static void ValidateConnectionString(string connectionString, string name)
    {
        // The SDK clients parse the string in their constructors (no I/O); doing it here turns a typo into a start-up
        // error. The SDK's message is not passed on: it may quote part of the key.
        try
        {
            _ = new TableServiceClient(connectionString);
            _ = new QueueServiceClient(connectionString);
            _ = new BlobServiceClient(connectionString);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new StorageConfigurationException(
                $"Storage setting '{name}' is not a valid storage connection string (expected 'UseDevelopmentStorage=true' or " +
                "'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...').");
        }
    }

    private static bool IsValidAccountName(string account) =>
        account.Length is >= 3 and <= 24 && account.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    private static Uri ParseUri(string value, string settingName)
    {
        if (Uri.TryCreate(value.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new StorageConfigurationException($"Storage setting '{settingName}' is not an absolute http(s) URI.");
    }
}

/// <summary>A storage setting that cannot be used; the message names the setting, never its value.</summary>
public sealed class StorageConfigurationException(string message) : Exception(message);
