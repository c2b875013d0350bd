using Serverless.Storage;

namespace Serverless.Tests.Storage;

/// <summary>Azure starts XML bodies with a UTF-8 byte-order mark; Azurite does not, so only these tests see it.</summary>
public sealed class StorageXmlTests
{
    private const string Bom = "\uFEFF";

    [Fact]
    public void ErrorBody_WithByteOrderMark_StillYieldsCodeAndMessage()
    {
        var (code, message) = StorageErrors.ParseBody(Bom + "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>QueueNotFound</Code><Message>The specified queue does not exist.</Message></Error>");

        Assert.Equal("QueueNotFound", code);
        Assert.Equal("The specified queue does not exist.", message);
    }

    [Fact]
    public void MessageList_WithByteOrderMark_Parses()
    {
        var root = StorageXml.Parse(Bom + "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList><QueueMessage><MessageId>m1</MessageId></QueueMessage></QueueMessagesList>");

        Assert.Equal("m1", Assert.Single(root.Elements("QueueMessage")).Element("MessageId")?.Value);
    }
}
