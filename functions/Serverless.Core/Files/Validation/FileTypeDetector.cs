using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Serverless.Core.Files.Validation;

/// <summary>Decides an upload's type from its leading bytes (never the client's content type) and checks name and size against an allow-list.</summary>
public static class FileTypeDetector
{
    /// <summary>How many leading bytes callers must pass (or the whole file when it is shorter).</summary>
    public const int HeadLength = 64 * 1024;

    public const long MaxImageBytes = 10 * 1024 * 1024;
    public const long MaxDocumentBytes = 20 * 1024 * 1024;
    public const long MaxLogBytes = 5 * 1024 * 1024;

    private static readonly AllowedType Png = new(FileKind.Image, "image/png", [".png"]);
    private static readonly AllowedType Jpeg = new(FileKind.Image, "image/jpeg", [".jpg", ".jpeg"]);
    private static readonly AllowedType Gif = new(FileKind.Image, "image/gif", [".gif"]);
    private static readonly AllowedType Webp = new(FileKind.Image, "image/webp", [".webp"]);
    private static readonly AllowedType Pdf = new(FileKind.Document, "application/pdf", [".pdf"]);
    private static readonly AllowedType Docx = new(FileKind.Document, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [".docx"]);
    private static readonly AllowedType Xlsx = new(FileKind.Document, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [".xlsx"]);
    private static readonly AllowedType Pptx = new(FileKind.Document, "application/vnd.openxmlformats-officedocument.presentationml.presentation", [".pptx"]);
    private static readonly AllowedType Odt = new(FileKind.Document, "application/vnd.oasis.opendocument.text", [".odt"]);
    private static readonly AllowedType PlainText = new(FileKind.Log, "text/plain", [".txt", ".log"]);
    private static readonly AllowedType Json = new(FileKind.Log, "application/json", [".json"]);
    private static readonly AllowedType Csv = new(FileKind.Log, "text/csv", [".csv"]);

    private static readonly AllowedType[] All = [Png, Jpeg, Gif, Webp, Pdf, Docx, Xlsx, Pptx, Odt, PlainText, Json, Csv];

    // Executables and scripts that must never pass as text, even though "MZ" and "#!" are printable ASCII.
    private static readonly byte[][] ExecutableSignatures =
    [
        "MZ"u8.ToArray(),                   // DOS / Windows PE
        [0x7F, (byte)'E', (byte)'L', (byte)'F'],
        "#!"u8.ToArray(),                   // Unix scripts
        [0xFE, 0xED, 0xFA, 0xCE],           // Mach-O 32-bit
        [0xFE, 0xED, 0xFA, 0xCF],           // Mach-O 64-bit
        [0xCE, 0xFA, 0xED, 0xFE],           // Mach-O 32-bit, little-endian
        [0xCF, 0xFA, 0xED, 0xFE],           // Mach-O 64-bit, little-endian
        [0xCA, 0xFE, 0xBA, 0xBE],           // Mach-O universal / Java class
        [0x00, (byte)'a', (byte)'s', (byte)'m'], // WebAssembly
        "dex\n"u8.ToArray(),                // Android
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], // OLE compound file (MSI, legacy Office with macros)
    ];

    private static readonly byte[] ZipLocalHeader = [(byte)'P', (byte)'K', 0x03, 0x04];
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Every extension that can be accepted, lower-case with the dot.</summary>
    public static IReadOnlyCollection<string> AllowedExtensions { get; } = All.SelectMany(type => type.Extensions).ToArray();

    /// <summary>The kind a file with this extension (lower-case, with the dot) would be accepted as, before its content is seen.</summary>
    public static bool TryGetKindOfExtension(string extension, out FileKind kind)
    {
        var type = Array.Find(All, t => t.Extensions.Contains(extension));
        kind = type?.Kind ?? default;
        return type is not null;
    }

    public static long MaxBytes(FileKind kind) => kind switch
    {
        FileKind.Image => MaxImageBytes,
        FileKind.Document => MaxDocumentBytes,
        FileKind.Log => MaxLogBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown file kind."),
    };

    /// <summary>
    /// Detects the type from <paramref name="head"/> (the first <see cref="HeadLength"/> bytes, or the whole file), requires the sanitised
    /// <paramref name="fileName"/>'s extension to agree, and checks <paramref name="totalLength"/> (when known) against the kind's limit.
    /// </summary>
    public static FileTypeDetection Detect(ReadOnlySpan<byte> head, string fileName, long? totalLength = null)
    {
        var name = FileNameSanitizer.Sanitize(fileName);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (head.Length > HeadLength)
        {
            head = head[..HeadLength];
        }

        // With no total, a head shorter than HeadLength is the whole file; otherwise the head may end mid-character.
        var mayBeTruncated = totalLength is { } total ? total > head.Length : head.Length >= HeadLength;
        var detected = DetectContent(head, mayBeTruncated);
        if (detected is null)
        {
            return FileTypeDetection.Refused(name, FileTypeRefusal.NotAllowed);
        }

        // Text has no magic bytes, so the extension picks among the text types; JSON must also look like JSON.
        if (detected == PlainText)
        {
            detected = extension switch
            {
                ".json" when LooksLikeJson(head) => Json,
                ".csv" => Csv,
                _ => PlainText,
            };
        }

        if (!detected.Extensions.Contains(extension))
        {
            return FileTypeDetection.Refused(name, FileTypeRefusal.ExtensionMismatch, detected.ToInfo(detected.Extensions[0]));
        }

        var info = detected.ToInfo(extension);
        var size = Math.Max(totalLength ?? 0, head.Length);
        return size > info.MaxBytes
            ? FileTypeDetection.Refused(name, FileTypeRefusal.TooLarge, info)
            : FileTypeDetection.Accepted(name, info);
    }

    private static AllowedType? DetectContent(ReadOnlySpan<byte> head, bool mayBeTruncated)
    {
        if (head.IsEmpty)
        {
            // An empty file has no type to decide on.
            return null;
        }

        foreach (var signature in ExecutableSignatures)
        {
            if (head.StartsWith(signature))
            {
                return null;
            }
        }

        if (head.StartsWith(PngSignature))
        {
            return Png;
        }

        if (head.StartsWith(JpegSignature))
        {
            return Jpeg;
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Gif;
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return Webp;
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }

        if (head.StartsWith(ZipLocalHeader))
        {
            // Any other zip (jar, apk, plain archives) is refused outright rather than treated as text.
            return DetectZipDocument(head);
        }

        return IsUtf8Text(head, mayBeTruncated) ? PlainText : null;
    }

    /// <summary>Walks the zip local file headers inside the head to tell OOXML (by top-level folder) and ODT (by its mimetype entry) apart.</summary>
    private static AllowedType? DetectZipDocument(ReadOnlySpan<byte> head)
    {
        const int localHeaderLength = 30;
        const ushort dataDescriptorFlag = 0x0008;
        const ushort stored = 0;

        bool word = false, excel = false, powerPoint = false;
        var offset = 0;
        var first = true;
        while (offset <= head.Length - localHeaderLength && head[offset..].StartsWith(ZipLocalHeader))
        {
            var header = head.Slice(offset, localHeaderLength);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);

            var nameStart = offset + localHeaderLength;
            if (nameStart + nameLength > head.Length)
            {
                break;
            }

            var entryName = head.Slice(nameStart, nameLength);
            var dataStart = (long)nameStart + nameLength + extraLength;

            if (first && entryName.SequenceEqual("mimetype"u8))
            {
                // ODF puts an uncompressed "mimetype" entry first; other ODF types (ods, odp, ...) are not allowed.
                var expected = "application/vnd.oasis.opendocument.text"u8;
                return method == stored
                       && compressedSize == expected.Length
                       && dataStart + compressedSize <= head.Length
                       && head.Slice((int)dataStart, expected.Length).SequenceEqual(expected)
                    ? Odt
                    : null;
            }

            first = false;
            word |= entryName.StartsWith("word/"u8);
            excel |= entryName.StartsWith("xl/"u8);
            powerPoint |= entryName.StartsWith("ppt/"u8);

            var sizeUnknown = (flags & dataDescriptorFlag) != 0 || compressedSize == uint.MaxValue;
            if (sizeUnknown)
            {
                // Streamed (data descriptor) or zip64 entries: the size is elsewhere, so look for the next header instead.
                if (dataStart >= head.Length)
                {
                    break;
                }

                var next = head[(int)dataStart..].IndexOf(ZipLocalHeader);
                if (next < 0)
                {
                    break;
                }

                offset = (int)dataStart + next;
                continue;
            }

            var nextOffset = dataStart + compressedSize;
            if (nextOffset > head.Length)
            {
                break;
            }

            offset = (int)nextOffset;
        }

        // Exactly one OOXML part folder; a zip claiming to be several kinds at once is not something Office writes.
        return (word, excel, powerPoint) switch
        {
            (true, false, false) => Docx,
            (false, true, false) => Xlsx,
            (false, false, true) => Pptx,
            _ => null,
        };
    }

    private static bool IsUtf8Text(ReadOnlySpan<byte> head, bool mayBeTruncated)
    {
        if (head.Contains((byte)0))
        {
            return false;
        }

        if (Utf8.IsValid(head))
        {
            return true;
        }

        if (!mayBeTruncated)
        {
            return false;
        }

        // The head may cut the last character: accept if all but a 1-3 byte tail is valid and the tail is the start of a valid sequence.
        for (var cut = 1; cut <= 3 && cut < head.Length; cut++)
        {
            if (Utf8.IsValid(head[..^cut]))
            {
                return Rune.DecodeFromUtf8(head[^cut..], out _, out _) == OperationStatus.NeedMoreData;
            }
        }

        return false;
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(Utf8Bom))
        {
            head = head[3..];
        }

        head = head.TrimStart(" \t\r\n"u8);
        return !head.IsEmpty && head[0] is (byte)'{' or (byte)'[';
    }

    private sealed record AllowedType(FileKind Kind, string MimeType, string[] Extensions)
    {
        public FileTypeInfo ToInfo(string extension) => new(Kind, MimeType, extension, MaxBytes(Kind));
    }
}
