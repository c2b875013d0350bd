using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure.Core;

namespace Serverless.Storage;

/// <summary>Fetches a user delegation key once and reuses it until it no longer covers the SAS being signed.</summary>
internal sealed class UserDelegationKeyCache(StorageServicePipeline pipeline)
{
    /// <summary>Service maximum for a delegation key's lifetime.</summary>
    private static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(7);
    private static readonly TimeSpan PreferredKeyLifetime = TimeSpan.FromDays(1);
    private volatile UserDelegationKey? _key;

    public async Task<UserDelegationKey> GetKeyAsync(DateTimeOffset mustCoverUntil, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (mustCoverUntil > now + MaxKeyLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(mustCoverUntil), "A user delegation SAS cannot outlive 7 days.");
        }

        if (_key is { } cached && cached.SignedExpiry >= mustCoverUntil && cached.SignedExpiry > now.AddMinutes(5))
        {
            return cached;
        }

        // Two callers racing here both fetch a key; either is valid, so no lock is needed.
        var expiry = mustCoverUntil > now + PreferredKeyLifetime ? mustCoverUntil : now + PreferredKeyLifetime;
        var key = await FetchAsync(now.AddMinutes(-5), expiry, cancellationToken);
        _key = key;
        return key;
    }

    private async Task<UserDelegationKey> FetchAsync(DateTimeOffset start, DateTimeOffset expiry, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, pipeline.EndpointText + "/?restype=service&comp=userdelegationkey");
        var body = new XElement("KeyInfo", new XElement("Start", BlobSasSigner.FormatTime(start)), new XElement("Expiry", BlobSasSigner.FormatTime(expiry)));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)));
        var response = await pipeline.SendCheckedAsync(message, "Get user delegation key", cancellationToken);
        var root = StorageXml.Parse(response.Content.ToString());
        string Value(string name) => root.Element(name)?.Value ?? throw new StorageRequestFailedException(response.Status, null, $"The user delegation key has no {name}.");
        DateTimeOffset Time(string name) => DateTimeOffset.Parse(Value(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return new UserDelegationKey(Value("SignedOid"), Value("SignedTid"), Time("SignedStart"), Time("SignedExpiry"), Value("SignedService"), Value("SignedVersion"), Value("Value"));
    }
}

