using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Serverless.Core.Cursors;

namespace Serverless.Tests.Unit;

public sealed class CursorProtectorTests
{
    private const string Key = "current-key-current-key-current-key-0001";
    private const string OldKey = "previous-key-previous-key-previous-key-01";
    private const string Purpose = "inbox";
    private const string Subject = "tenant-1|user-1|device-1";

    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static CursorProtector Create(string key, string? previousKey = null, DateTimeOffset? previousValidUntil = null, TimeProvider? time = null) =>
        new(
            Options.Create(new CursorOptions { SigningKey = key, PreviousSigningKey = previousKey, PreviousKeyValidUntil = previousValidUntil }),
            time ?? new ManualTimeProvider(Now));

    [Theory]
    [InlineData("123")]
    [InlineData("")]
    [InlineData("2025-06-01T12:00:00Z|row-17")]
    [InlineData("Zürich ✓")]
    public void Unprotect_OwnCursor_ReturnsPosition(string position)
    {
        var protector = Create(Key);

        var cursor = protector.Protect(Purpose, Subject, position);

        Assert.True(protector.TryUnprotect(Purpose, Subject, cursor, out var read));
        Assert.Equal(position, read);
    }

    [Fact]
    public void Protect_Output_UsesOnlyUrlSafeCharacters()
    {
        var cursor = Create(Key).Protect(Purpose, Subject, "123");

        Assert.All(cursor, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"unexpected '{c}'"));
    }

    [Fact]
    public void Unprotect_AnyCharacterChanged_IsRefused()
    {
        var protector = Create(Key);
        var cursor = protector.Protect(Purpose, Subject, "123");
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        for (var i = 0; i < cursor.Length; i++)
        {
            foreach (var replacement in alphabet)
            {
                if (replacement == cursor[i])
                {
                    continue;
                }

                var tampered = string.Concat(cursor.AsSpan(0, i), replacement.ToString(), cursor.AsSpan(i + 1));
                Assert.False(protector.TryUnprotect(Purpose, Subject, tampered, out _), $"accepted '{tampered}' (position {i})");
            }
        }
    }

    [Theory]
    [InlineData("=")]
    [InlineData("==")]
    [InlineData(" ")]
    [InlineData("A")]
    public void Unprotect_ExtraCharactersAppended_IsRefused(string suffix)
    {
        var protector = Create(Key);
        var cursor = protector.Protect(Purpose, Subject, "123");

        Assert.False(protector.TryUnprotect(Purpose, Subject, cursor + suffix, out _));
        Assert.False(protector.TryUnprotect(Purpose, Subject, cursor[..^1], out _));
    }

    [Theory]
    [InlineData("tenant-1|user-2|device-1")]
    [InlineData("tenant-2|user-1|device-1")]
    [InlineData("tenant-1|user-1|device-2")]
    [InlineData("")]
    public void Unprotect_OtherSubject_IsRefused(string otherSubject)
    {
        var protector = Create(Key);
        var cursor = protector.Protect(Purpose, Subject, "123");

        Assert.False(protector.TryUnprotect(Purpose, otherSubject, cursor, out _));
    }

    [Fact]
    public void Unprotect_OtherPurpose_IsRefused()
    {
        var protector = Create(Key);
        var cursor = protector.Protect("inbox", Subject, "123");

        Assert.False(protector.TryUnprotect("events", Subject, cursor, out _));
    }

    [Fact]
    public void Unprotect_PurposeAndSubjectBoundaryShifted_IsRefused()
    {
        var protector = Create(Key);
        var cursor = protector.Protect("inbox|a", "b", "1");

        Assert.False(protector.TryUnprotect("inbox", "a|b", cursor, out _));
    }

    [Fact]
    public void Unprotect_SignedWithRandomKey_IsRefused()
    {
        var stranger = Create(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)));
        var cursor = stranger.Protect(Purpose, Subject, "123");

        Assert.False(Create(Key).TryUnprotect(Purpose, Subject, cursor, out _));
    }

    [Fact]
    public void Unprotect_OldKeyDuringRotationWindow_IsAccepted()
    {
        var oldCursor = Create(OldKey).Protect(Purpose, Subject, "42");
        var clock = new ManualTimeProvider(Now);
        var rotated = Create(Key, OldKey, Now.AddHours(1), clock);

        Assert.True(rotated.TryUnprotect(Purpose, Subject, oldCursor, out var position));
        Assert.Equal("42", position);

        clock.Now = Now.AddHours(1);
        Assert.True(rotated.TryUnprotect(Purpose, Subject, oldCursor, out _));
    }

    [Fact]
    public void Unprotect_OldKeyAfterRotationWindow_IsRefused()
    {
        var oldCursor = Create(OldKey).Protect(Purpose, Subject, "42");
        var clock = new ManualTimeProvider(Now);
        var rotated = Create(Key, OldKey, Now.AddHours(1), clock);

        clock.Now = Now.AddHours(1).AddTicks(1);

        Assert.False(rotated.TryUnprotect(Purpose, Subject, oldCursor, out _));
    }

    [Fact]
    public void Unprotect_OldKeyWithoutWindowEnd_IsRefused()
    {
        var oldCursor = Create(OldKey).Protect(Purpose, Subject, "42");

        Assert.False(Create(Key, OldKey, previousValidUntil: null).TryUnprotect(Purpose, Subject, oldCursor, out _));
    }

    [Fact]
    public void Protect_AfterRotation_SignsWithNewKey()
    {
        var rotated = Create(Key, OldKey, Now.AddHours(1));

        var cursor = rotated.Protect(Purpose, Subject, "7");

        Assert.True(Create(Key).TryUnprotect(Purpose, Subject, cursor, out _));
        Assert.False(Create(OldKey).TryUnprotect(Purpose, Subject, cursor, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")]
    [InlineData("====")]
    [InlineData("%%%")]
    public void Unprotect_Garbage_IsRefused(string? cursor)
    {
        Assert.False(Create(Key).TryUnprotect(Purpose, Subject, cursor, out var position));
        Assert.Null(position);
    }

    [Fact]
    public void Unprotect_RandomStrings_NeverThrowAndAreRefused()
    {
        var protector = Create(Key);
        var random = new Random(4711);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .%\0é";

        for (var i = 0; i < 500; i++)
        {
            var chars = new char[random.Next(0, 120)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            Assert.False(protector.TryUnprotect(Purpose, Subject, new string(chars), out _));
        }
    }

    [Fact]
    public void Unprotect_RandomBase64UrlStrings_NeverThrowAndAreRefused()
    {
        var protector = Create(Key);
        var random = new Random(815);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        for (var i = 0; i < 500; i++)
        {
            var chars = new char[random.Next(0, 120)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            Assert.False(protector.TryUnprotect(Purpose, Subject, new string(chars), out _));
        }
    }

    [Fact]
    public void Unprotect_VeryLongInput_IsRefused()
    {
        Assert.False(Create(Key).TryUnprotect(Purpose, Subject, new string('A', 1_000_000), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("too-short-key")]
    public void Constructor_ShortKey_Throws(string key)
    {
        Assert.Throws<InvalidOperationException>(() => Create(key));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("0123456789012345678901234567890", false)]
    [InlineData("01234567890123456789012345678901", true)]
    public void CursorOptions_DataAnnotations_RequireAtLeast32Characters(string key, bool valid)
    {
        var options = new CursorOptions { SigningKey = key };

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }

    [Fact]
    public void Protect_PositionTooLong_Throws()
    {
        Assert.Throws<ArgumentException>(() => Create(Key).Protect(Purpose, Subject, new string('x', 5000)));
    }
}
