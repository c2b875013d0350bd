using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// Negotiation when this host is its own SignalR Service (no AzureSignalRConnectionString): the client endpoint at this
/// host's public base URL and a client token signed with this host's AccessKey, exactly as the service would mint it.
/// The base URL is Standalone:PublicBaseUrl, else the address Kestrel listens on, never the request's Host header
/// (which a client chooses).
/// </summary>
public sealed class SelfHostedNegotiator(SignalRServiceKey serviceKey, IServer server, IConfiguration configuration, TimeProvider time) : IRealtimeNegotiator
{
    public const string PublicBaseUrlSetting = "Standalone:PublicBaseUrl";
    private string? _baseUrl;

    public Task<NegotiateResponse> NegotiateAsync(string tenantId, string userId, CancellationToken cancellationToken = default)
    {
        var response = SignalRNegotiator.ForAccessKey(BaseUrl(), serviceKey.AccessKey, RealtimeUser.Id(tenantId, userId), time.GetUtcNow());
        return Task.FromResult(response);
    }

    private string BaseUrl() => _baseUrl ??= configuration[PublicBaseUrlSetting] is { Length: > 0 } configured
        ? configured.TrimEnd('/')
        : ListeningAddress();

    private string ListeningAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

        // Kestrel reports "http://[::]:7071" or "http://+:7071" for wildcard bindings: a client cannot dial those.
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://127.0.0.1", StringComparison.Ordinal) || a.StartsWith("http://localhost", StringComparison.Ordinal))
                      ?? addresses.FirstOrDefault()
                      ?? throw new InvalidOperationException($"The host is not listening yet; set {PublicBaseUrlSetting}.");
        return address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }
}
