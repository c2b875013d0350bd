using Serverless.Core.Files.Validation;

namespace Serverless.Tests.Unit;

public sealed class FileNameSanitizerTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("C:\\Users\\ana\\Desktop\\report.pdf", "report.pdf")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("../../a/b\\c.txt", "c.txt")]
    [InlineData("re<po>rt:\"x\"|?*.pdf", "reportx.pdf")]
    [InlineData("tab\there\nnew\rline.txt", "tab here new line.txt")]
    [InlineData("bell\u0007char.txt", "bellchar.txt")]
    [InlineData("  many    spaces   here .txt  ", "many spaces here .txt")]
    [InlineData("...hidden.txt...", "hidden.txt")]
    [InlineData("report.pdf. . .", "report.pdf")]
    [InlineData("gpj\u202Eexe.jpg", "gpjexe.jpg")]
    [InlineData("zero\u200Bwidth.txt", "zerowidth.txt")]
    [InlineData("Zürich 📄.txt", "Zürich 📄.txt")]
    [InlineData("CON.txt", "_CON.txt")]
    [InlineData("nul", "_nul")]
    [InlineData("console.txt", "console.txt")]
    public void Sanitize_CleansName(string input, string expected)
    {
        Assert.Equal(expected, FileNameSanitizer.Sanitize(input));
    }

    [Fact]
    public void Sanitize_LoneSurrogate_IsRemoved()
    {
        // Not an InlineData case: xunit's test-case serialisation would replace the lone surrogate before the test sees it.
        Assert.Equal("lonesurrogate.txt", FileNameSanitizer.Sanitize("lone\uD800surrogate\uDC00.txt"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("   ")]
    [InlineData("folder/")]
    [InlineData("folder\\..")]
    [InlineData("<>:\"|?*")]
    [InlineData("\u0000\u0001")]
    public void Sanitize_NothingUsableLeft_FallsBackToFile(string? input)
    {
        Assert.Equal("file", FileNameSanitizer.Sanitize(input));
    }

    [Fact]
    public void Sanitize_LongName_IsShortenedKeepingExtension()
    {
        var result = FileNameSanitizer.Sanitize(new string('a', 500) + ".docx");

        Assert.Equal(FileNameSanitizer.MaxLength, result.Length);
        Assert.EndsWith("aaa.docx", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_LongNameWithoutRealExtension_IsCutToLimit()
    {
        var result = FileNameSanitizer.Sanitize("x." + new string('b', 400));

        Assert.Equal(FileNameSanitizer.MaxLength, result.Length);
        Assert.StartsWith("x.bbb", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_LongNameCutInsideSurrogatePair_DoesNotLeaveHalfACharacter()
    {
        var result = FileNameSanitizer.Sanitize(new string('a', 194) + "📄📄📄📄📄.txt");

        Assert.True(result.Length <= FileNameSanitizer.MaxLength);
        Assert.EndsWith(".txt", result, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(result[^5]));
    }

    [Fact]
    public void Sanitize_RandomInput_NeverReturnsDotNamesOrSeparators()
    {
        var random = new Random(7);
        const string alphabet = "./\\ a<>\0\t\u202E.";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 12)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var result = FileNameSanitizer.Sanitize(new string(chars));

            Assert.NotEqual(".", result);
            Assert.NotEqual("..", result);
            Assert.False(string.IsNullOrWhiteSpace(result));
            Assert.DoesNotContain('/', result);
            Assert.DoesNotContain('\\', result);
            Assert.False(result.StartsWith('.') || result.EndsWith('.') || result.StartsWith(' ') || result.EndsWith(' '), result);
        }
    }
}
