using Azure.Core;
using Azure.Identity;

namespace Serverless.Storage;

/// <summary>A parsed storage account: its three service endpoints and either a shared key or a token credential.</summary>
public sealed class StorageConnection
{
    /// <summary>The Azurite/emulator key, public by design.</summary>
    internal const string DevelopmentAccountName = "devstoreaccount1";
    internal const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly byte[]? _accountKey;

    private StorageConnection(string accountName, Uri blobEndpoint, Uri queueEndpoint, Uri tableEndpoint, byte[]? accountKey, TokenCredential? credential)
    {
        AccountName = accountName;
        BlobEndpoint = blobEndpoint;
        QueueEndpoint = queueEndpoint;
        TableEndpoint = tableEndpoint;
        _accountKey = accountKey;
        Credential = credential;
    }

    public string AccountName { get; }
    public Uri BlobEndpoint { get; }
    public Uri QueueEndpoint { get; }
    public Uri TableEndpoint { get; }

    /// <summary>Set for identity-based connections; null when a shared key is used.</summary>
    public TokenCredential? Credential { get; }

    public bool HasSharedKey => _accountKey is not null;

    /// <summary>The decoded account key; internal so it never leaks through the public surface.</summary>
    internal byte[] AccountKey => _accountKey ?? throw new InvalidOperationException("This connection has no shared key.");

    /// <summary>Creates an identity-based connection from explicit parts.</summary>
    public static StorageConnection FromCredential(string accountName, TokenCredential credential, Uri blobEndpoint, Uri queueEndpoint, Uri tableEndpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageConnection(accountName, blobEndpoint, queueEndpoint, tableEndpoint, null, credential);
    }

    /// <summary>Parses a storage connection string; <paramref name="settingName"/> is only used in error messages.</summary>
    public static StorageConnection Parse(string connectionString, string settingName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StorageConfigurationException($"Storage setting '{settingName}' is empty.");
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // Deliberately not echoing the segment: it may be (part of) the key.
                throw new StorageConfigurationException($"Storage setting '{settingName}' is not a valid connection string (expected Key=Value pairs separated by ';').");
            }

            parts[segment[..equals].Trim()] = segment[(equals + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var useDev) && useDev)
        {
            var proxy = parts.TryGetValue("DevelopmentStorageProxyUri", out var p) ? p.TrimEnd('/') : "http://127.0.0.1";
            return new StorageConnection(
                DevelopmentAccountName,
                ParseUri($"{proxy}:10000/{DevelopmentAccountName}", settingName, "BlobEndpoint"),
                ParseUri($"{proxy}:10001/{DevelopmentAccountName}", settingName, "QueueEndpoint"),
                ParseUri($"{proxy}:10002/{DevelopmentAccountName}", settingName, "TableEndpoint"),
                Convert.FromBase64String(DevelopmentAccountKey),
                null);
        }

        if (!parts.TryGetValue("AccountName", out var accountName) || accountName.Length == 0)
        {
            throw new StorageConfigurationException($"Storage setting '{settingName}' has no AccountName.");
        }

        if (!parts.TryGetValue("AccountKey", out var accountKey) || accountKey.Length == 0)
        {
            throw new StorageConfigurationException($"Storage setting '{settingName}' has no AccountKey (SAS connection strings are not supported).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException)
        {
            throw new StorageConfigurationException($"Storage setting '{settingName}' has an AccountKey that is not valid base64.");
        }

        var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var proto) && proto.Length > 0 ? proto.ToLowerInvariant() : "https";
        if (protocol is not ("https" or "http"))
        {
            throw new StorageConfigurationException($"Storage setting '{settingName}' has DefaultEndpointsProtocol '{protocol}'; expected https or http.");
        }

        var suffix = parts.TryGetValue("EndpointSuffix", out var s) && s.Length > 0 ? s : "core.windows.net";
        Uri Endpoint(string settingKey, string service) =>
            parts.TryGetValue(settingKey, out var explicitEndpoint) && explicitEndpoint.Length > 0
                ? ParseUri(explicitEndpoint, settingName, settingKey)
                : ParseUri($"{protocol}://{accountName}.{service}.{suffix}", settingName, settingKey);

        return new StorageConnection(accountName, Endpoint("BlobEndpoint", "blob"), Endpoint("QueueEndpoint", "queue"), Endpoint("TableEndpoint", "table"), key, null);
    }

    /// <summary>
    /// Resolves connection <paramref name="name"/> the way the Functions host does: a connection string under the name itself,
    /// otherwise identity-based settings <c>{name}__blobServiceUri</c> etc. (also looked up with ':' as configuration maps '__').
    /// </summary>
    public static StorageConnection FromSettings(Func<string, string?> getSetting, string name, TokenCredential? credentialOverride = null)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var connectionString = getSetting(name);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return Parse(connectionString, name);
        }

        string? Setting(string suffix, out string settingName)
        {
            foreach (var separator in new[] { "__", ":" })
            {
                settingName = name + separator + suffix;
                var value = getSetting(settingName);
                if (!string.IsNullOrWhiteSpace(value))
                {
                    return value.Trim();
                }
            }

            settingName = name + "__" + suffix;
            return null;
        }

        var blobUri = Setting("blobServiceUri", out var blobSetting) is { } b ? ParseUri(b, blobSetting, blobSetting) : null;
        if (blobUri is null && Setting("serviceUri", out var serviceSetting) is { } sv)
        {
            blobUri = ParseUri(sv, serviceSetting, serviceSetting);
        }

        var queueUri = Setting("queueServiceUri", out var queueSetting) is { } q ? ParseUri(q, queueSetting, queueSetting) : null;
        var tableUri = Setting("tableServiceUri", out var tableSetting) is { } t ? ParseUri(t, tableSetting, tableSetting) : null;
        var accountName = Setting("accountName", out _);
        if (accountName is not null)
        {
            blobUri ??= ParseUri($"https://{accountName}.blob.core.windows.net", name, name + "__accountName");
            queueUri ??= ParseUri($"https://{accountName}.queue.core.windows.net", name, name + "__accountName");
            tableUri ??= ParseUri($"https://{accountName}.table.core.windows.net", name, name + "__accountName");
        }

        if (blobUri is null && queueUri is null && tableUri is null)
        {
            throw new StorageConfigurationException(
                $"Storage connection '{name}' is not configured: set '{name}' to a connection string, or '{name}__accountName' / '{name}__blobServiceUri' (and queue/table service URIs) for identity-based access.");
        }

        accountName ??= AccountNameFromHost((blobUri ?? queueUri ?? tableUri)!);

        // A missing service keeps a placeholder derived from the account so the client fails clearly on first use, not at startup.
        blobUri ??= ParseUri($"https://{accountName}.blob.core.windows.net", name, name + "__blobServiceUri");
        queueUri ??= ParseUri($"https://{accountName}.queue.core.windows.net", name, name + "__queueServiceUri");
        tableUri ??= ParseUri($"https://{accountName}.table.core.windows.net", name, name + "__tableServiceUri");

        var credential = credentialOverride ?? CreateCredential(Setting("credential", out _), Setting("clientId", out _));
        return new StorageConnection(accountName, blobUri, queueUri, tableUri, null, credential);
    }

    private static TokenCredential CreateCredential(string? credentialKind, string? clientId)
    {
        if (string.Equals(credentialKind, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrEmpty(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        return string.IsNullOrEmpty(clientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }

    private static string AccountNameFromHost(Uri uri)
    {
        // Path-style (emulator) URIs carry the account as the first path segment; otherwise it is the first host label.
        var firstSegment = uri.AbsolutePath.Trim('/').Split('/')[0];
        return System.Net.IPAddress.TryParse(uri.Host, out _) || uri.IsLoopback ? firstSegment : uri.Host.Split('.')[0];
    }

    private static Uri ParseUri(string value, string settingName, string part)
    {
        if (Uri.TryCreate(value.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new StorageConfigurationException($"Storage setting '{settingName}' has an invalid {part} (expected an absolute http(s) URI).");
    }
}

/// <summary>The three storage services this library talks to.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}
