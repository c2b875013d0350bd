using System.Globalization;
using System.Text;

namespace Serverless.Storage;

/// <summary>Builds blob SAS query strings: service SAS (account key) and user delegation SAS, for version <see cref="Version"/>.</summary>
internal static class BlobSasSigner
{
    public const string Version = StorageServicePipeline.BlobQueueVersion;

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string PermissionsToString(BlobSasPermissions permissions)
    {
        var sb = new StringBuilder();
        if (permissions.HasFlag(BlobSasPermissions.Read)) sb.Append('r');
        if (permissions.HasFlag(BlobSasPermissions.Add)) sb.Append('a');
        if (permissions.HasFlag(BlobSasPermissions.Create)) sb.Append('c');
        if (permissions.HasFlag(BlobSasPermissions.Write)) sb.Append('w');
        if (permissions.HasFlag(BlobSasPermissions.Delete)) sb.Append('d');
        return sb.ToString();
    }

    /// <summary>The fields common to both SAS kinds.</summary>
    public sealed record SasFields(
        string AccountName, string ContainerName, string BlobName, BlobSasPermissions Permissions,
        DateTimeOffset StartsOn, DateTimeOffset ExpiresOn, string? Protocol, string? ContentDisposition, string? ContentType = null)
    {
        /// <summary>Blob name unescaped, as the canonicalized resource requires.</summary>
        public string CanonicalizedResource => $"/blob/{AccountName}/{ContainerName}/{BlobName}";
    }

    /// <summary>Service SAS string-to-sign for 2020-12-06 and later.</summary>
    public static string ServiceStringToSign(SasFields f) => string.Join('\n',
        PermissionsToString(f.Permissions),
        FormatTime(f.StartsOn),
        FormatTime(f.ExpiresOn),
        f.CanonicalizedResource,
        "", // signedIdentifier
        "", // signedIP
        f.Protocol ?? "",
        Version,
        "b", // signedResource
        "", // signedSnapshotTime
        "", // signedEncryptionScope
        "", // rscc
        f.ContentDisposition ?? "",
        "", // rsce
        "", // rscl
        f.ContentType ?? ""); // rsct

    /// <summary>User delegation SAS string-to-sign for 2020-12-06 and later.</summary>
    public static string UserDelegationStringToSign(SasFields f, UserDelegationKey key) => string.Join('\n',
        PermissionsToString(f.Permissions),
        FormatTime(f.StartsOn),
        FormatTime(f.ExpiresOn),
        f.CanonicalizedResource,
        key.SignedObjectId,
        key.SignedTenantId,
        FormatTime(key.SignedStart),
        FormatTime(key.SignedExpiry),
        key.SignedService,
        key.SignedVersion,
        "", // signedAuthorizedUserObjectId
        "", // signedUnauthorizedUserObjectId
        "", // signedCorrelationId
        "", // signedIP
        f.Protocol ?? "",
        Version,
        "b",
        "", // signedSnapshotTime
        "", // signedEncryptionScope
        "", // rscc
        f.ContentDisposition ?? "",
        "", // rsce
        "", // rscl
        f.ContentType ?? ""); // rsct

    public static string ServiceSasQuery(SasFields f, byte[] accountKey)
    {
        var signature = SharedKeySigner.Sign(ServiceStringToSign(f), accountKey);
        return Query(f, [], signature);
    }

    public static string UserDelegationSasQuery(SasFields f, UserDelegationKey key)
    {
        var signature = SharedKeySigner.Sign(UserDelegationStringToSign(f, key), Convert.FromBase64String(key.Value));
        return Query(
            f,
            [
                ("skoid", key.SignedObjectId), ("sktid", key.SignedTenantId), ("skt", FormatTime(key.SignedStart)),
                ("ske", FormatTime(key.SignedExpiry)), ("sks", key.SignedService), ("skv", key.SignedVersion),
            ],
            signature);
    }

    private static string Query(SasFields f, (string Name, string Value)[] keyFields, string signature)
    {
        var parts = new List<(string Name, string Value)> { ("sv", Version) };
        parts.AddRange(keyFields);
        parts.Add(("st", FormatTime(f.StartsOn)));
        parts.Add(("se", FormatTime(f.ExpiresOn)));
        parts.Add(("sr", "b"));
        parts.Add(("sp", PermissionsToString(f.Permissions)));
        if (f.Protocol is not null)
        {
            parts.Add(("spr", f.Protocol));
        }

        if (f.ContentDisposition is not null)
        {
            parts.Add(("rscd", f.ContentDisposition));
        }

        if (f.ContentType is not null)
        {
            parts.Add(("rsct", f.ContentType));
        }

        parts.Add(("sig", signature));
        return string.Join("&", parts.Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value)));
    }
}
