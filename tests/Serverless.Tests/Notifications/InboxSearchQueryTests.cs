using Serverless.Core.Inbox;

namespace Serverless.Tests.Notifications;

/// <summary>The q normalizer and matcher alone: no storage.</summary>
public sealed class InboxSearchQueryTests
{
    [Theory]
    [InlineData("Résumé", "resume")]
    [InlineData("ÀÉÎÕÜ ç", "aeiou c")]
    [InlineData("Straße", "straße")]
    [InlineData("ŁÓDŹ", "łodz")]
    [InlineData("", "")]
    public void Normalizing_decomposes_drops_accents_and_lowercases_invariantly(string text, string expected) =>
        Assert.Equal(expected, InboxSearchQuery.Normalize(text));

    [Fact]
    public void Words_are_runs_of_letters_and_digits()
    {
        Assert.Equal(["new", "task", "seed", "42", "l", "ete"], InboxSearchQuery.WordsOf("New task: «Seed» #42 — l'été"));
        Assert.Empty(InboxSearchQuery.WordsOf("  !!! ... "));
    }

    [Theory]
    [InlineData("resume", "Résumé reviewed", "", true)]
    [InlineData("RÉSUMÉ", "resume upload", null, true)]
    [InlineData("resume", "Weekly digest", "The résumés of the week", true)]
    [InlineData("resume", "Meeting", "Presumed late", false)]
    [InlineData("invoice paid", "Invoice paid", "", true)]
    [InlineData("invoice paid", "Invoice", "was paid today", true)]
    [InlineData("invoice paid", "Invoice", "still open", false)]
    [InlineData("paid invoice", "Invoice paid", "", true)]
    [InlineData("42", "Payment for invoice 42", "", true)]
    [InlineData("4", "Payment for invoice 42", "", true)]
    [InlineData("2", "Payment for invoice 42", "", false)]
    [InlineData("anything", null, null, false)]
    public void Every_word_of_the_query_must_begin_a_word_of_the_title_or_the_body(string q, string? title, string? body, bool expected)
    {
        Assert.True(InboxSearchQuery.TryParse(q, out var query));
        Assert.Equal(expected, query.Matches(title, body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("!!! ... ---")]
    [InlineData(null)]
    public void A_query_without_a_letter_or_digit_is_not_a_query(string? q) => Assert.False(InboxSearchQuery.TryParse(q, out _));

    [Fact]
    public void The_fingerprint_names_the_normalized_words_so_spelling_variants_share_it_and_other_queries_do_not()
    {
        Assert.True(InboxSearchQuery.TryParse("Résumé  DRAFT", out var a));
        Assert.True(InboxSearchQuery.TryParse("resume draft resume", out var b));
        Assert.True(InboxSearchQuery.TryParse("resume", out var c));
        Assert.True(InboxSearchQuery.TryParse("draft resume", out var d));
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
        Assert.NotEqual(a.Fingerprint, d.Fingerprint);
        Assert.Matches("^[0-9a-f]{16}$", a.Fingerprint);
        Assert.Equal(["resume", "draft"], b.Words);
    }
}
