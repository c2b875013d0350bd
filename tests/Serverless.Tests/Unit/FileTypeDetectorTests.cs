using System.Buffers.Binary;
using System.Text;
using Serverless.Core.Files.Validation;

namespace Serverless.Tests.Unit;

public sealed class FileTypeDetectorTests
{
    private static readonly byte[] PngBytes = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
    private static readonly byte[] JpegBytes = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0];
    private static readonly byte[] GifBytes = Encoding.ASCII.GetBytes("GIF89a\x01\x00\x01\x00");
    private static readonly byte[] WebpBytes = [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WEBPVP8 "u8];
    private static readonly byte[] PdfBytes = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n");
    private static readonly byte[] PeBytes = [(byte)'M', (byte)'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A minimal zip: stored entries with local file headers only, then the start of a central directory.</summary>
    private static byte[] Zip(params string[] entryNames) => Zip(entryNames.Select(name => (name, Text("<x/>"))).ToArray());

    private static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var stream = new MemoryStream();
        foreach (var (name, data) in entries)
        {
            WriteLocalHeader(stream, name, data.Length, flags: 0);
            stream.Write(data);
        }

        stream.Write([(byte)'P', (byte)'K', 0x01, 0x02]);
        return stream.ToArray();
    }

    private static void WriteLocalHeader(MemoryStream stream, string name, int size, ushort flags)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        Span<byte> header = stackalloc byte[30];
        header.Clear();
        "PK\x03\x04"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        stream.Write(header);
        stream.Write(nameBytes);
    }

    private static byte[] Odf(string mimeType) => Zip(("mimetype", Text(mimeType)), ("content.xml", Text("<office:document-content/>")));

    public static TheoryData<byte[], string, FileKind, string, string> AllowedFiles => new()
    {
        { PngBytes, "photo.png", FileKind.Image, "image/png", ".png" },
        { JpegBytes, "photo.jpg", FileKind.Image, "image/jpeg", ".jpg" },
        { JpegBytes, "photo.JPEG", FileKind.Image, "image/jpeg", ".jpeg" },
        { GifBytes, "anim.gif", FileKind.Image, "image/gif", ".gif" },
        { WebpBytes, "pic.webp", FileKind.Image, "image/webp", ".webp" },
        { PdfBytes, "report.pdf", FileKind.Document, "application/pdf", ".pdf" },
        { Zip("[Content_Types].xml", "_rels/.rels", "word/document.xml"), "letter.docx", FileKind.Document, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
        { Zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), "sheet.xlsx", FileKind.Document, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx" },
        { Zip("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"), "deck.pptx", FileKind.Document, "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx" },
        { Odf("application/vnd.oasis.opendocument.text"), "essay.odt", FileKind.Document, "application/vnd.oasis.opendocument.text", ".odt" },
        { Text("hello\nworld ✓\n"), "notes.txt", FileKind.Log, "text/plain", ".txt" },
        { Text("2025-06-01 12:00:00 INFO started\n"), "app.log", FileKind.Log, "text/plain", ".log" },
        { Text("a,b\n1,2\n"), "data.csv", FileKind.Log, "text/csv", ".csv" },
        { Text("{\"a\":1}"), "data.json", FileKind.Log, "application/json", ".json" },
        { [0xEF, 0xBB, 0xBF, .. Text(" \r\n\t[1,2]")], "list.json", FileKind.Log, "application/json", ".json" },
    };

    [Theory]
    [MemberData(nameof(AllowedFiles))]
    public void Detect_AllowedType_IsAccepted(byte[] head, string fileName, FileKind kind, string mimeType, string extension)
    {
        var detection = FileTypeDetector.Detect(head, fileName, head.Length);

        Assert.True(detection.IsAccepted, $"refused: {detection.Refusal}");
        Assert.Null(detection.Refusal);
        Assert.Equal(new FileTypeInfo(kind, mimeType, extension, FileTypeDetector.MaxBytes(kind)), detection.Type);
    }

    [Fact]
    public void Detect_ZipWithDataDescriptors_IsStillClassified()
    {
        using var stream = new MemoryStream();
        var data = Text("<Types/>");
        WriteLocalHeader(stream, "[Content_Types].xml", size: 0, flags: 0x0008);
        stream.Write(data);
        stream.Write([(byte)'P', (byte)'K', 0x07, 0x08, 0, 0, 0, 0, (byte)data.Length, 0, 0, 0, (byte)data.Length, 0, 0, 0]);
        WriteLocalHeader(stream, "xl/workbook.xml", size: 0, flags: 0x0008);
        stream.Write(data);

        var detection = FileTypeDetector.Detect(stream.ToArray(), "book.xlsx");

        Assert.True(detection.IsAccepted);
        Assert.Equal(".xlsx", detection.Type.Extension);
    }

    [Fact]
    public void Detect_PeHeaderNamedPdf_IsNotAllowed()
    {
        var detection = FileTypeDetector.Detect(PeBytes, "report.pdf", PeBytes.Length);

        Assert.False(detection.IsAccepted);
        Assert.Equal(FileTypeRefusal.NotAllowed, detection.Refusal);
        Assert.Null(detection.Type);
    }

    [Theory]
    [InlineData("notes.txt")]
    [InlineData("data.json")]
    [InlineData("photo.png")]
    public void Detect_PeHeaderNamedAsOtherType_IsNotAllowed(string fileName)
    {
        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(PeBytes, fileName).Refusal);
    }

    [Theory]
    [InlineData("MZ this header is printable")]
    [InlineData("\u007fELF printable tail")]
    [InlineData("#!/bin/sh\nrm -rf /\n")]
    public void Detect_PrintableExecutableSignatureNamedTxt_IsNotAllowed(string content)
    {
        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(Text(content), "notes.txt").Refusal);
    }

    [Fact]
    public void Detect_MachOBinaryNamedLog_IsNotAllowed()
    {
        byte[] machO = [0xCF, 0xFA, 0xED, 0xFE, 0x07, 0x01, 0x02, 0x03];

        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(machO, "app.log").Refusal);
    }

    [Fact]
    public void Detect_PngNamedJpg_IsExtensionMismatchReportingPng()
    {
        var detection = FileTypeDetector.Detect(PngBytes, "photo.jpg");

        Assert.False(detection.IsAccepted);
        Assert.Equal(FileTypeRefusal.ExtensionMismatch, detection.Refusal);
        Assert.Equal("image/png", detection.Type?.MimeType);
        Assert.Equal(".png", detection.Type?.Extension);
    }

    [Theory]
    [InlineData("report.txt")]
    [InlineData("report")]
    [InlineData("report.pdf.exe")]
    public void Detect_PdfWithOtherExtension_IsExtensionMismatch(string fileName)
    {
        Assert.Equal(FileTypeRefusal.ExtensionMismatch, FileTypeDetector.Detect(PdfBytes, fileName).Refusal);
    }

    [Fact]
    public void Detect_DocxNamedXlsx_IsExtensionMismatch()
    {
        var docx = Zip("[Content_Types].xml", "word/document.xml");

        Assert.Equal(FileTypeRefusal.ExtensionMismatch, FileTypeDetector.Detect(docx, "sheet.xlsx").Refusal);
    }

    [Theory]
    [InlineData("archive.docx")]
    [InlineData("archive.zip")]
    [InlineData("archive.txt")]
    public void Detect_ZipThatIsNotAnOfficeDocument_IsNotAllowed(string fileName)
    {
        var zip = Zip("readme.txt", "bin/tool.exe");

        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(zip, fileName).Refusal);
    }

    [Fact]
    public void Detect_ZipWithSeveralOfficeFolders_IsNotAllowed()
    {
        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(Zip("word/document.xml", "xl/workbook.xml"), "mixed.docx").Refusal);
    }

    [Fact]
    public void Detect_OdfSpreadsheetNamedOdt_IsNotAllowed()
    {
        var ods = Odf("application/vnd.oasis.opendocument.spreadsheet");

        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(ods, "sheet.odt").Refusal);
    }

    [Fact]
    public void Detect_TextWithNul_IsNotAllowed()
    {
        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(Text("abc\0def"), "notes.txt").Refusal);
    }

    [Fact]
    public void Detect_InvalidUtf8_IsNotAllowed()
    {
        byte[] latin1 = [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)' ', (byte)'x'];

        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(latin1, "notes.txt").Refusal);
    }

    [Fact]
    public void Detect_Utf8CharacterCutAtEndOfHead_IsAccepted()
    {
        var head = new byte[FileTypeDetector.HeadLength];
        head.AsSpan().Fill((byte)'a');
        head[^2] = 0xE2; // first two bytes of "✓" (E2 9C 93), the third lies beyond the head
        head[^1] = 0x9C;

        var detection = FileTypeDetector.Detect(head, "big.log", totalLength: 100_000);

        Assert.True(detection.IsAccepted);
    }

    [Fact]
    public void Detect_Utf8CharacterCutAtEndOfWholeFile_IsNotAllowed()
    {
        byte[] head = [(byte)'a', (byte)'b', 0xE2, 0x9C];

        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect(head, "short.txt", head.Length).Refusal);
    }

    [Theory]
    [InlineData("just words")]
    [InlineData("\"a string\"")]
    [InlineData("   ")]
    public void Detect_JsonNotStartingWithObjectOrArray_IsExtensionMismatch(string content)
    {
        Assert.Equal(FileTypeRefusal.ExtensionMismatch, FileTypeDetector.Detect(Text(content), "data.json").Refusal);
    }

    [Theory]
    [InlineData("notes.pdf")]
    [InlineData("notes.exe")]
    [InlineData("notes")]
    public void Detect_TextWithNonTextExtension_IsExtensionMismatch(string fileName)
    {
        Assert.Equal(FileTypeRefusal.ExtensionMismatch, FileTypeDetector.Detect(Text("hello"), fileName).Refusal);
    }

    [Fact]
    public void Detect_EmptyFile_IsNotAllowed()
    {
        Assert.Equal(FileTypeRefusal.NotAllowed, FileTypeDetector.Detect([], "empty.txt", 0).Refusal);
    }

    [Theory]
    [InlineData("photo.png", 10L * 1024 * 1024)]
    [InlineData("report.pdf", 20L * 1024 * 1024)]
    [InlineData("notes.txt", 5L * 1024 * 1024)]
    public void Detect_ExactlyAtLimit_IsAccepted(string fileName, long limit)
    {
        var head = fileName.EndsWith(".png", StringComparison.Ordinal) ? PngBytes : fileName.EndsWith(".pdf", StringComparison.Ordinal) ? PdfBytes : Text("hello");

        Assert.True(FileTypeDetector.Detect(head, fileName, limit).IsAccepted);
    }

    [Theory]
    [InlineData("photo.png", 10L * 1024 * 1024 + 1)]
    [InlineData("report.pdf", 20L * 1024 * 1024 + 1)]
    [InlineData("notes.txt", 5L * 1024 * 1024 + 1)]
    public void Detect_OverLimit_IsTooLarge(string fileName, long totalLength)
    {
        var head = fileName.EndsWith(".png", StringComparison.Ordinal) ? PngBytes : fileName.EndsWith(".pdf", StringComparison.Ordinal) ? PdfBytes : Text("hello");

        var detection = FileTypeDetector.Detect(head, fileName, totalLength);

        Assert.Equal(FileTypeRefusal.TooLarge, detection.Refusal);
        Assert.NotNull(detection.Type);
    }

    [Fact]
    public void Detect_DocxOverDocumentLimit_IsTooLarge()
    {
        var docx = Zip("[Content_Types].xml", "word/document.xml");

        Assert.Equal(FileTypeRefusal.TooLarge, FileTypeDetector.Detect(docx, "big.docx", FileTypeDetector.MaxDocumentBytes + 1).Refusal);
    }

    [Fact]
    public void Detect_FileNameWithPath_ReportsSanitisedName()
    {
        var detection = FileTypeDetector.Detect(PdfBytes, "..\\..\\secret/../report?.pdf");

        Assert.True(detection.IsAccepted);
        Assert.Equal("report.pdf", detection.FileName);
    }

    [Fact]
    public void Detect_RandomBytes_NeverThrow()
    {
        var random = new Random(99);
        for (var i = 0; i < 500; i++)
        {
            var head = new byte[random.Next(0, 200)];
            random.NextBytes(head);
            if (i % 3 == 0 && head.Length >= 4)
            {
                "PK\x03\x04"u8.CopyTo(head);
            }

            var detection = FileTypeDetector.Detect(head, "x.docx");

            // Random bytes are never a valid Word document.
            Assert.False(detection.IsAccepted);
            Assert.Equal("x.docx", detection.FileName);
        }
    }

    [Fact]
    public void AllowedExtensions_ListsEveryAllowedExtension()
    {
        Assert.Equal(
            [".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".txt", ".log", ".json", ".csv"],
            FileTypeDetector.AllowedExtensions);
    }

    [Theory]
    [InlineData(FileKind.Image, "image")]
    [InlineData(FileKind.Document, "document")]
    [InlineData(FileKind.Log, "log")]
    public void FileKindWireNames_RoundTrip(FileKind kind, string wire)
    {
        Assert.Equal(wire, FileKindWireNames.ToWire(kind));
        Assert.True(FileKindWireNames.TryParse(wire, out var parsed));
        Assert.Equal(kind, parsed);
        Assert.False(FileKindWireNames.TryParse(wire.ToUpperInvariant(), out _));
    }
}
