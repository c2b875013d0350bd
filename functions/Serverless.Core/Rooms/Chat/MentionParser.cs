namespace Serverless.Core.Rooms.Chat;

/// <summary>Finds <c>@userId</c> mentions: an @ at the start or after whitespace, up to the next whitespace, without trailing punctuation.</summary>
public static class MentionParser
{
    private static readonly char[] TrailingPunctuation = ['.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '>'];

    public static IReadOnlySet<string> Parse(string? text)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text) || !text.Contains('@', StringComparison.Ordinal))
        {
            return found;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '@' || (i > 0 && !char.IsWhiteSpace(text[i - 1]) && text[i - 1] is not ('(' or '[' or '"' or '\'')))
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && !char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            var candidate = text[(i + 1)..end].TrimEnd(TrailingPunctuation);
            if (candidate.Length > 0 && Auth.TokenValidator.IsValidId(candidate))
            {
                found.Add(candidate);
            }

            i = end - 1;
        }

        return found;
    }
}
