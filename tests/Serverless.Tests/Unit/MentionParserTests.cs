using Serverless.Core.Rooms.Chat;

namespace Serverless.Tests.Unit;

public sealed class MentionParserTests
{
    [Theory]
    [InlineData("@bob please check", new[] { "bob" })]
    [InlineData("cc @bob, @carol. and (@dave)", new[] { "bob", "carol", "dave" })]
    [InlineData("@bob @bob again", new[] { "bob" })]
    [InlineData("line1\n@user.name-2!", new[] { "user.name-2" })]
    public void Mentions_AreTheUserIdsAfterAnAtSign_WithoutTrailingPunctuation(string text, string[] expected) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), MentionParser.Parse(text).Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("mail alice@example.com")]
    [InlineData("@ alone")]
    [InlineData("@a|b is not an id")]
    [InlineData("no mentions here")]
    [InlineData("")]
    public void EmailAddresses_BareAtSigns_AndInvalidIds_AreNotMentions(string text) =>
        Assert.Empty(MentionParser.Parse(text));
}
