using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class BlobSasSignerTests
{
    private static readonly BlobSasSigner.SasFields Fields = new(
        "myaccount", "pictures", "dir/profile.jpg", BlobSasPermissions.Write | BlobSasPermissions.Read | BlobSasPermissions.Create,
        new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 5, 1, 9, 30, 0, TimeSpan.Zero), "https", "attachment; filename=\"a.jpg\"");

    [Fact]
    public void PermissionsToString_AnyCombination_UsesDocumentedOrder() =>
        Assert.Equal("racwd", BlobSasSigner.PermissionsToString(BlobSasPermissions.Delete | BlobSasPermissions.Write | BlobSasPermissions.Create | BlobSasPermissions.Add | BlobSasPermissions.Read));

    [Fact]
    public void ServiceStringToSign_Version20211202_FollowsDocumentedFieldOrder()
    {
        var expected = string.Join('\n',
            "rcw", "2024-05-01T08:00:00Z", "2024-05-01T09:30:00Z", "/blob/myaccount/pictures/dir/profile.jpg",
            "", "", "https", "2021-12-02", "b", "", "", "", "attachment; filename=\"a.jpg\"", "", "", "");

        Assert.Equal(expected, BlobSasSigner.ServiceStringToSign(Fields));
    }

    [Fact]
    public void ServiceSasQuery_CarriesEveryFieldAndAVerifiableSignature()
    {
        var key = Convert.FromBase64String("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

        var query = ParseQuery(BlobSasSigner.ServiceSasQuery(Fields, key));

        Assert.Equal("2021-12-02", query["sv"]);
        Assert.Equal("b", query["sr"]);
        Assert.Equal("rcw", query["sp"]);
        Assert.Equal("2024-05-01T08:00:00Z", query["st"]);
        Assert.Equal("2024-05-01T09:30:00Z", query["se"]);
        Assert.Equal("https", query["spr"]);
        Assert.Equal("attachment; filename=\"a.jpg\"", query["rscd"]);
        // HMAC-SHA256 of the documented string-to-sign above, computed independently (Python hmac).
        Assert.Equal("27cbHI5iXrSD/A7c+gbkvc20I14/c1OQAnJDOEeKjDM=", query["sig"]);
    }

    [Fact]
    public void UserDelegationStringToSign_Version20211202_IncludesKeyFieldsInDocumentedOrder()
    {
        var key = new UserDelegationKey(
            "oid-1", "tid-2", new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero), "b", "2021-12-02",
            Convert.ToBase64String(new byte[32]));
        var expected = string.Join('\n',
            "rcw", "2024-05-01T08:00:00Z", "2024-05-01T09:30:00Z", "/blob/myaccount/pictures/dir/profile.jpg",
            "oid-1", "tid-2", "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", "b", "2021-12-02",
            "", "", "", "", "https", "2021-12-02", "b", "", "", "", "attachment; filename=\"a.jpg\"", "", "", "");

        Assert.Equal(expected, BlobSasSigner.UserDelegationStringToSign(Fields, key));

        var query = ParseQuery(BlobSasSigner.UserDelegationSasQuery(Fields, key));
        Assert.Equal("oid-1", query["skoid"]);
        Assert.Equal("tid-2", query["sktid"]);
        Assert.Equal("2024-05-01T00:00:00Z", query["skt"]);
        Assert.Equal("2024-05-02T00:00:00Z", query["ske"]);
        Assert.Equal("b", query["sks"]);
        Assert.Equal("2021-12-02", query["skv"]);
        Assert.Equal(SharedKeySigner.Sign(expected, new byte[32]), query["sig"]);
    }

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
}
