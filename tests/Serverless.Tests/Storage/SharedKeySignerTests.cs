using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class SharedKeySignerTests
{
    private static readonly byte[] DevKey = Convert.FromBase64String("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

    [Fact]
    public void CanonicalizedResource_DocumentedListExample_SortsParametersAndJoinsRepeatedValues()
    {
        // From "Authorize with Shared Key": GET ...?restype=container&comp=list&include=metadata&include=snapshots&include=uncommittedblobs
        var uri = new Uri("https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs");

        var resource = SharedKeySigner.CanonicalizedBlobQueueResource(uri, "myaccount");

        Assert.Equal("/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\nrestype:container", resource);
    }

    [Fact]
    public void CanonicalizedResource_PathStyleEmulatorUri_RepeatsTheAccountName()
    {
        var uri = new Uri("http://127.0.0.1:10000/devstoreaccount1/container/dir/blob.txt");

        var resource = SharedKeySigner.CanonicalizedBlobQueueResource(uri, "devstoreaccount1");

        Assert.Equal("/devstoreaccount1/devstoreaccount1/container/dir/blob.txt", resource);
    }

    [Fact]
    public void CanonicalizedResource_QueryNamesAreLowerCasedAndValuesDecoded()
    {
        var uri = new Uri("https://myaccount.queue.core.windows.net/q/messages/id?PopReceipt=a%2Fb%3D");

        var resource = SharedKeySigner.CanonicalizedBlobQueueResource(uri, "myaccount");

        Assert.Equal("/myaccount/q/messages/id\npopreceipt:a/b=", resource);
    }

    [Fact]
    public void BlobQueueStringToSign_PutWithHeaders_HasEveryStandardSlotAndSortedMsHeaders()
    {
        var headers = new Dictionary<string, string>
        {
            ["x-ms-version"] = "2021-12-02",
            ["x-ms-date"] = "Fri, 26 Jun 2015 23:39:12 GMT",
            ["X-MS-Blob-Type"] = "BlockBlob",
            ["Content-Type"] = "text/plain",
            ["If-None-Match"] = "*",
            ["x-ms-meta-Name"] = "  padded  ",
        };

        var stringToSign = SharedKeySigner.BuildBlobQueueStringToSign(
            "put", new Uri("https://myaccount.blob.core.windows.net/c/b"), headers, 11, "myaccount");

        Assert.Equal(
            "PUT\n\n\n11\n\ntext/plain\n\n\n\n*\n\n\n" +
            "x-ms-blob-type:BlockBlob\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-meta-name:padded\nx-ms-version:2021-12-02\n" +
            "/myaccount/c/b",
            stringToSign);
    }

    [Fact]
    public void BlobQueueStringToSign_ZeroContentLength_IsSignedAsEmpty()
    {
        var stringToSign = SharedKeySigner.BuildBlobQueueStringToSign(
            "DELETE", new Uri("https://a.queue.core.windows.net/q"), new Dictionary<string, string>(), 0, "a");

        Assert.StartsWith("DELETE\n\n\n\n", stringToSign, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_KnownBlobRequest_MatchesSignatureComputedIndependently()
    {
        // Expected value computed with Python's hmac module over the same string, with the development key.
        var headers = new Dictionary<string, string>
        {
            ["x-ms-date"] = "Fri, 26 Jun 2015 23:39:12 GMT",
            ["x-ms-version"] = "2021-12-02",
        };
        var stringToSign = SharedKeySigner.BuildBlobQueueStringToSign(
            "GET", new Uri("http://127.0.0.1:10000/devstoreaccount1/mycontainer?restype=container&comp=metadata"), headers, null, "devstoreaccount1");

        Assert.Equal("6Ga7PQC0gsu12faVWToW9uH+N/sFDLgVD5blp9QWysk=", SharedKeySigner.Sign(stringToSign, DevKey));
    }

    [Fact]
    public void TableStringToSign_EntityRequest_UsesFiveLinesAndOnlyTheCompParameter()
    {
        var uri = new Uri("http://127.0.0.1:10002/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')?$select=a&comp=ignored-not&timeout=5");
        var withoutComp = new Uri("http://127.0.0.1:10002/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')?$select=a");

        var stringToSign = SharedKeySigner.BuildTableStringToSign("GET", withoutComp, null, null, "Fri, 26 Jun 2015 23:39:12 GMT", "devstoreaccount1");
        var withCompToSign = SharedKeySigner.BuildTableStringToSign("GET", uri, null, null, "Fri, 26 Jun 2015 23:39:12 GMT", "devstoreaccount1");

        Assert.Equal("GET\n\n\nFri, 26 Jun 2015 23:39:12 GMT\n/devstoreaccount1/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')", stringToSign);
        Assert.EndsWith("?comp=ignored-not", withCompToSign, StringComparison.Ordinal);
        Assert.Equal("Cg9yzhnErzNXbtvW8ntgEUUBd9Tuh3+zEu9s1fPfM1Y=", SharedKeySigner.Sign(stringToSign, DevKey));
    }
}
