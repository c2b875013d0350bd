using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Core.Inbox;

/// <summary>
/// The words of a <c>q</c> search and the rule that matches them against a notification's title and body: case- and
/// accent-insensitive (text is decomposed, non-spacing marks dropped, lower-cased invariantly), every query word must
/// begin some word of the title or the body ("resume" finds "Résumés"). Words are runs of letters and digits.
/// </summary>
public sealed class InboxSearchQuery
{
    private InboxSearchQuery(IReadOnlyList<string> words)
    {
        Words = words;

        // Cursors carry this so a continuation cannot be replayed with another q; the cursor itself is signed, so a short hash is enough.
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', words))).AsSpan(0, 8));
    }

    /// <summary>The query's distinct words, normalized, in the order given.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>16 hex characters identifying the normalized words: "Résumé Draft" and "draft  resume" differ, "RESUME" and "résumé" do not.</summary>
    public string Fingerprint { get; }

    /// <summary>False when the text has no letter or digit to search for.</summary>
    public static bool TryParse(string? text, out InboxSearchQuery query)
    {
        var words = WordsOf(text).Distinct(StringComparer.Ordinal).ToList();
        query = words.Count == 0 ? null! : new InboxSearchQuery(words);
        return words.Count > 0;
    }

    /// <summary>Decomposed, without non-spacing marks, lower case (invariant): the form both sides are compared in.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        string decomposed;
        try
        {
            decomposed = text.Normalize(NormalizationForm.FormD);
        }
        catch (PlatformNotSupportedException)
        {
            decomposed = text;
        }

        // Under InvariantGlobalization FormD leaves precomposed letters as they are; the table folds them to their base.
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(InboxSearchFolding.Fold(c));
            }
        }

        return builder.ToString().ToLowerInvariant();
    }

    /// <summary>The normalized words of a text: maximal runs of letters and digits.</summary>
    public static IEnumerable<string> WordsOf(string? text)
    {
        var normalized = Normalize(text);
        var start = -1;
        for (var i = 0; i <= normalized.Length; i++)
        {
            var inWord = i < normalized.Length && char.IsLetterOrDigit(normalized[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return normalized[start..i];
                start = -1;
            }
        }
    }

    /// <summary>True when every query word begins a word of the title or of the body (null counts as empty).</summary>
    public bool Matches(string? title, string? body)
    {
        var textWords = WordsOf(title).Concat(WordsOf(body)).ToList();
        return Words.All(word => textWords.Exists(w => w.StartsWith(word, StringComparison.Ordinal)));
    }
}
