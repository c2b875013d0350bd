using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class TableFilterTests
{
    [Fact]
    public void Create_EveryLiteralType_IsFormattedAsODataLiteral()
    {
        var when = new DateTimeOffset(2024, 1, 1, 2, 0, 0, TimeSpan.FromHours(2));
        var id = Guid.Parse("6f1c2c4e-7d59-4a40-9e0c-3a9a3b7f0d11");

        var filter = TableFilter.Create(
            $"S eq {"o'neil"} and B eq {true} and I eq {123} and L eq {123L} and D eq {1.5} and W eq {2.0} and T eq {when} and G eq {id} and X eq {new byte[] { 0x0A, 0xFF }}");

        Assert.Equal(
            "S eq 'o''neil' and B eq true and I eq 123 and L eq 123L and D eq 1.5 and W eq 2.0 and T eq datetime'2024-01-01T00:00:00.0000000Z' " +
            "and G eq guid'6f1c2c4e-7d59-4a40-9e0c-3a9a3b7f0d11' and X eq X'0aff'",
            filter);
    }

    [Fact]
    public void Create_InjectionAttempt_StaysOneQuotedLiteral()
    {
        var hostile = "x' or PartitionKey ne '";

        var filter = TableFilter.Create($"PartitionKey eq {hostile}");

        Assert.Equal("PartitionKey eq 'x'' or PartitionKey ne '''", filter);
    }

    [Fact]
    public void Create_NullArgument_IsRejected()
    {
        string? missing = null;

        Assert.Throws<ArgumentException>(() => TableFilter.Create($"PartitionKey eq {missing}"));
    }

    [Fact]
    public void Create_UnsupportedType_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => TableFilter.Create($"A eq {new object()}"));
    }
}

public sealed class TableTransactionValidationTests
{
    private static TableTransactionAction Add(string pk, string rk) => new(TableTransactionActionType.Add, new TableEntity(pk, rk));

    [Fact]
    public void Validate_EmptyBatch_IsRefused() =>
        Assert.Throws<ArgumentException>(() => TableTransactionBody.Validate([]));

    [Fact]
    public void Validate_MoreThanHundredActions_IsRefused() =>
        Assert.Throws<ArgumentException>(() => TableTransactionBody.Validate(Enumerable.Range(0, 101).Select(i => Add("p", i.ToString())).ToList()));

    [Fact]
    public void Validate_HundredActionsInOnePartition_IsAccepted() =>
        TableTransactionBody.Validate(Enumerable.Range(0, 100).Select(i => Add("p", i.ToString())).ToList());

    [Fact]
    public void Validate_TwoPartitions_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => TableTransactionBody.Validate([Add("p1", "a"), Add("p2", "b")]));
        Assert.Contains("PartitionKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameRowTwice_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => TableTransactionBody.Validate([Add("p", "a"), Add("p", "a")]));
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2:The specified entity already exists.", 2)]
    [InlineData("17:Precondition failed", 17)]
    [InlineData("The batch request was malformed", null)]
    public void FailedIndexFromMessage_ReadsTheZeroBasedPrefix(string message, int? expected) =>
        Assert.Equal(expected, TableTransactionBody.FailedIndexFromMessage(message));

    [Fact]
    public void Body_DeleteAndMerge_AddressEntitiesWithEscapedKeysAndIfMatch()
    {
        var body = new TableTransactionBody("http://h/acct/t", [
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p'1", "a b")),
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("p'1", "c"), "W/\"etag\""),
        ]);
        var text = System.Text.Encoding.UTF8.GetString(body.Body);

        Assert.Contains("DELETE http://h/acct/t(PartitionKey='p%27%271',RowKey='a%20b') HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("If-Match: *\r\n", text, StringComparison.Ordinal);
        Assert.Contains("MERGE http://h/acct/t(PartitionKey='p%27%271',RowKey='c') HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("If-Match: W/\"etag\"\r\n", text, StringComparison.Ordinal);
        Assert.StartsWith("multipart/mixed; boundary=batch_", body.ContentType, StringComparison.Ordinal);
    }
}

public sealed class TableEntityTests
{
    [Fact]
    public void TypedGetters_ValuesInOtherShapes_AreConvertedTolerantly()
    {
        var entity = new TableEntity("p", "r")
        {
            ["Int64AsString"] = "9007199254740993",
            ["Int32AsLong"] = 7L,
            ["TooBigForInt32"] = long.MaxValue,
            ["When"] = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            ["Id"] = "6f1c2c4e-7d59-4a40-9e0c-3a9a3b7f0d11",
            ["Bytes"] = "AQID",
            ["Count"] = 3,
        };

        Assert.Equal(9007199254740993L, entity.GetInt64("Int64AsString"));
        Assert.Equal(7, entity.GetInt32("Int32AsLong"));
        Assert.Null(entity.GetInt32("TooBigForInt32"));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), entity.GetDateTimeOffset("When"));
        Assert.Equal(Guid.Parse("6f1c2c4e-7d59-4a40-9e0c-3a9a3b7f0d11"), entity.GetGuid("Id"));
        Assert.Equal(new byte[] { 1, 2, 3 }, entity.GetBinary("Bytes"));
        Assert.Equal(3.0, entity.GetDouble("Count"));
        Assert.Null(entity.GetString("Missing"));
    }

    [Fact]
    public void Keys_AreCaseSensitive()
    {
        var entity = new TableEntity("p", "r") { ["Name"] = "upper", ["name"] = "lower" };

        Assert.Equal("upper", entity.GetString("Name"));
        Assert.Equal("lower", entity.GetString("name"));
    }

    [Fact]
    public void Serialize_UnsupportedType_IsRefused() =>
        Assert.Throws<ArgumentException>(() => TableEntityJson.Serialize(new TableEntity("p", "r") { ["Bad"] = new object() }));
}
