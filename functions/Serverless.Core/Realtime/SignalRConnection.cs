using System.Text;
using Azure.Core;
using Azure.Identity;

namespace Serverless.Core.Realtime;

/// <summary>
/// The parsed AzureSignalRConnectionString setting: the service endpoint and either the AccessKey that signs
/// REST and client tokens or the Entra credential (managed identity) that authenticates REST calls.
/// </summary>
public sealed class SignalRConnection
{
    public const string SettingName = "AzureSignalRConnectionString";

    /// <summary>IdentityModel refuses HS256 keys under 256 bits; real AccessKeys are 44 characters.</summary>
    private const int MinimumAccessKeyBytes = 32;

    private SignalRConnection(Uri endpoint, string? accessKey, TokenCredential? credential)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        Credential = credential;
        BaseUrl = endpoint.GetLeftPart(UriPartial.Authority) + endpoint.AbsolutePath.TrimEnd('/');
    }

    /// <summary>The service endpoint (with any Port= applied).</summary>
    public Uri Endpoint { get; }

    /// <summary>Set for identity-based connections; null when an AccessKey signs the requests.</summary>
    public TokenCredential? Credential { get; }

    public bool HasAccessKey => AccessKey is not null;

    /// <summary>Internal so the key never leaks through the public surface (or into a log via ToString).</summary>
    internal string? AccessKey { get; }

    /// <summary>The endpoint as a string without a trailing slash, e.g. https://x.service.signalr.net.</summary>
    internal string BaseUrl { get; }

    /// <summary>The URL clients connect to for a hub: {endpoint}/client/?hub={hub}.</summary>
    public string ClientUrl(string hub) => $"{BaseUrl}/client/?hub={Uri.EscapeDataString(hub.ToLowerInvariant())}";

    public override string ToString() => $"{BaseUrl} ({(HasAccessKey ? "AccessKey" : "Entra credential")})";

    public static SignalRConnection FromAccessKey(Uri endpoint, string accessKey, string settingName = SettingName)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new SignalRConnection(CheckEndpoint(endpoint, settingName), CheckAccessKey(accessKey, settingName), null);
    }

    public static SignalRConnection FromCredential(Uri endpoint, TokenCredential credential, string settingName = SettingName)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        return new SignalRConnection(CheckEndpoint(endpoint, settingName), null, credential);
    }

    /// <summary>
    /// Parses an Azure SignalR connection string (Endpoint=https://...;AccessKey=...;Version=1.0; with optional Port=,
    /// or AuthType=azure.msi / azure.app). Errors name <paramref name="settingName"/>, never the key.
    /// </summary>
    public static SignalRConnection Parse(string connectionString, string settingName = SettingName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' is empty.");
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // Not echoing the segment: it may be (part of) the key.
                throw new SignalRConfigurationException($"Setting '{settingName}' is not a valid connection string (expected Key=Value pairs separated by ';').");
            }

            parts[segment[..equals].Trim()] = segment[(equals + 1)..].Trim();
        }

        if (!parts.TryGetValue("Endpoint", out var endpointText) || endpointText.Length == 0)
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has no Endpoint.");
        }

        var endpoint = ParseUri(endpointText, settingName, "Endpoint");
        if (parts.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new SignalRConfigurationException($"Setting '{settingName}' has a Port that is not a number between 1 and 65535.");
            }

            endpoint = new UriBuilder(endpoint) { Port = port }.Uri;
        }

        if (parts.TryGetValue("Version", out var version) && !(version.StartsWith("1.", StringComparison.Ordinal) && version.Length > 2))
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has Version '{version}'; only 1.x is supported.");
        }

        foreach (var unsupported in new[] { "ClientEndpoint", "ServerEndpoint" })
        {
            if (parts.ContainsKey(unsupported))
            {
                throw new SignalRConfigurationException($"Setting '{settingName}' uses {unsupported}, which this application does not support.");
            }
        }

        parts.TryGetValue("ClientId", out var clientId);
        var authType = parts.TryGetValue("AuthType", out var a) ? a.ToLowerInvariant() : "";
        switch (authType)
        {
            case "":
                if (!parts.TryGetValue("AccessKey", out var accessKey) || accessKey.Length == 0)
                {
                    throw new SignalRConfigurationException($"Setting '{settingName}' has no AccessKey (or use AuthType=azure.msi, or identity-based settings '{settingName}__serviceUri').");
                }

                return new SignalRConnection(endpoint, CheckAccessKey(accessKey, settingName), null);
            case "azure.msi":
            case "aad" when !parts.ContainsKey("ClientSecret"):
                return new SignalRConnection(endpoint, null, ManagedIdentity(clientId));
            case "azure.app" or "aad":
                if (!parts.TryGetValue("TenantId", out var tenantId) || string.IsNullOrEmpty(clientId) || !parts.TryGetValue("ClientSecret", out var secret))
                {
                    throw new SignalRConfigurationException($"Setting '{settingName}' uses AuthType={authType} without TenantId, ClientId and ClientSecret.");
                }

                return new SignalRConnection(endpoint, null, new ClientSecretCredential(tenantId, clientId, secret));
            default:
                throw new SignalRConfigurationException($"Setting '{settingName}' has AuthType '{authType}'; expected azure.msi, azure.app or none (AccessKey).");
        }
    }

    /// <summary>
    /// Resolves the connection the way the Functions host resolves connections: a connection string under <paramref name="name"/>,
    /// otherwise identity-based settings <c>{name}__serviceUri</c>, <c>__credential</c> (managedidentity) and <c>__clientId</c>
    /// (also looked up with ':' as configuration maps '__'). Null when neither is set.
    /// </summary>
    public static SignalRConnection? FromSettings(Func<string, string?> getSetting, string name = SettingName, TokenCredential? credentialOverride = null)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var connectionString = getSetting(name);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return Parse(connectionString, name);
        }

        string? Setting(string suffix)
        {
            foreach (var separator in new[] { "__", ":" })
            {
                var value = getSetting(name + separator + suffix);
                if (!string.IsNullOrWhiteSpace(value))
                {
                    return value.Trim();
                }
            }

            return null;
        }

        var serviceUri = Setting("serviceUri");
        var credentialKind = Setting("credential");
        var clientId = Setting("clientId");
        if (serviceUri is null)
        {
            if (credentialKind is not null || clientId is not null)
            {
                throw new SignalRConfigurationException($"Setting '{name}__serviceUri' is required with '{name}__credential' / '{name}__clientId'.");
            }

            return null;
        }

        var endpoint = ParseUri(serviceUri, name + "__serviceUri", "serviceUri");
        TokenCredential credential;
        if (credentialOverride is not null)
        {
            credential = credentialOverride;
        }
        else if (string.Equals(credentialKind, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            credential = ManagedIdentity(clientId);
        }
        else if (credentialKind is null)
        {
            // Local development without a managed identity: the developer's Azure CLI / Visual Studio sign-in.
            credential = string.IsNullOrEmpty(clientId)
                ? new DefaultAzureCredential()
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        }
        else
        {
            throw new SignalRConfigurationException($"Setting '{name}__credential' is '{credentialKind}'; the only supported value is 'managedidentity'.");
        }

        return new SignalRConnection(endpoint, null, credential);
    }

    private static ManagedIdentityCredential ManagedIdentity(string? clientId) =>
        string.IsNullOrEmpty(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));

    private static Uri ParseUri(string value, string settingName, string part)
    {
        if (!Uri.TryCreate(value.Trim().TrimEnd('/'), UriKind.Absolute, out var uri))
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has a {part} that is not an absolute URL.");
        }

        return CheckEndpoint(uri, settingName);
    }

    private static Uri CheckEndpoint(Uri uri, string settingName)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has an endpoint that is not an http(s) URL.");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has an endpoint with a query, fragment or user info.");
        }

        return uri;
    }

    private static string CheckAccessKey(string accessKey, string settingName)
    {
        if (string.IsNullOrEmpty(accessKey) || Encoding.UTF8.GetByteCount(accessKey) < MinimumAccessKeyBytes)
        {
            throw new SignalRConfigurationException($"Setting '{settingName}' has an AccessKey shorter than {MinimumAccessKeyBytes} bytes.");
        }

        return accessKey;
    }
}

/// <summary>The SignalR connection setting is missing or malformed. The message names the setting, never its key.</summary>
public sealed class SignalRConfigurationException : Exception
{
    public SignalRConfigurationException(string message)
        : base(message)
    {
    }

    public SignalRConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SignalRConfigurationException()
    {
    }
}
