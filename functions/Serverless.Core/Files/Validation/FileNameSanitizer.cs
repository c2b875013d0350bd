using System.Buffers;
using System.Globalization;
using System.Text;

namespace Serverless.Core.Files.Validation;

/// <summary>Turns a client-supplied file name into one that is safe to store, show and offer for download.</summary>
public static class FileNameSanitizer
{
    public const int MaxLength = 200;
    public const string Fallback = "file";

    // Longer "extensions" are really part of the name and may be cut when shortening.
    private const int MaxKeptExtensionLength = 16;

    private static readonly SearchValues<char> InvalidCharacters = SearchValues.Create("<>:\"|?*");

    // Windows still refuses these as file names (with any extension), which breaks downloads there.
    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>
    /// Keeps the last path segment (<c>/</c> or <c>\</c>), drops control, invisible-format and <c>&lt;&gt;:"|?*</c> characters,
    /// collapses whitespace, trims dots and spaces and shortens to <see cref="MaxLength"/> keeping the extension; falls back to <c>file</c>.
    /// </summary>
    public static string Sanitize(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return Fallback;
        }

        var segment = fileName.AsSpan(fileName.AsSpan().LastIndexOfAny('/', '\\') + 1);
        var builder = new StringBuilder(segment.Length);
        var pendingSpace = false;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                // Keep proper pairs (e.g. emoji); a lone surrogate cannot be encoded as UTF-8 for headers or blob metadata.
                if (char.IsHighSurrogate(c) && i + 1 < segment.Length && char.IsLowSurrogate(segment[i + 1]))
                {
                    AppendPendingSpace(builder, ref pendingSpace);
                    builder.Append(c).Append(segment[i + 1]);
                    i++;
                }

                continue;
            }

            // Format characters include the right-to-left override used to disguise "gpj.exe" as "exe.jpg".
            if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format || InvalidCharacters.Contains(c))
            {
                continue;
            }

            AppendPendingSpace(builder, ref pendingSpace);
            builder.Append(c);
        }

        var name = builder.ToString().Trim(' ', '.');
        if (name.Length == 0)
        {
            return Fallback;
        }

        var stemEnd = name.IndexOf('.', StringComparison.Ordinal);
        if (ReservedDeviceNames.Contains(stemEnd < 0 ? name : name[..stemEnd]))
        {
            name = "_" + name;
        }

        return Shorten(name);
    }

    private static void AppendPendingSpace(StringBuilder builder, ref bool pendingSpace)
    {
        if (pendingSpace)
        {
            builder.Append(' ');
            pendingSpace = false;
        }
    }

    private static string Shorten(string name)
    {
        const int limit = MaxLength;
        if (name.Length <= limit)
        {
            return name;
        }

        var extension = Path.GetExtension(name.AsSpan());
        if (extension.Length > MaxKeptExtensionLength)
        {
            extension = [];
        }

        var cut = limit - extension.Length;
        if (char.IsHighSurrogate(name[cut - 1]))
        {
            cut--;
        }

        var stem = name.AsSpan(0, cut).TrimEnd(" .");
        return stem.IsEmpty ? string.Concat(Fallback, extension) : string.Concat(stem, extension);
    }
}
