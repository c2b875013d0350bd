using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Options;

namespace Serverless.Core.Cursors;

/// <summary>Issues and checks opaque, HMAC-signed paging cursors bound to a purpose and a subject (e.g. <c>tenant|user|device</c>).</summary>
public sealed class CursorProtector
{
    // Layout: version (1) | key id (4) | position (UTF-8) | HMAC-SHA256 (32), base64url without padding.
    private const byte Version = 1;
    private const int KeyIdLength = 4;
    private const int HeaderLength = 1 + KeyIdLength;
    private const int MacLength = HMACSHA256.HashSizeInBytes;
    private const int MaxPositionBytes = 1024;
    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly int MaxCursorChars = Base64Url.GetEncodedLength(HeaderLength + MaxPositionBytes + MacLength);

    private readonly CursorKey _current;
    private readonly CursorKey? _previous;
    private readonly DateTimeOffset? _previousValidUntil;
    private readonly TimeProvider _timeProvider;

    public CursorProtector(IOptions<CursorOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var value = options.Value;

        // Validated again here so a protector built without ValidateDataAnnotations cannot sign with a weak key.
        _current = CursorKey.Create(value.SigningKey, nameof(CursorOptions.SigningKey));
        _previous = string.IsNullOrEmpty(value.PreviousSigningKey)
            ? null
            : CursorKey.Create(value.PreviousSigningKey, nameof(CursorOptions.PreviousSigningKey));
        _previousValidUntil = value.PreviousKeyValidUntil;
        _timeProvider = timeProvider;
    }

    /// <summary>Signs <paramref name="position"/> (a short string such as a row offset) for one purpose and subject.</summary>
    public string Protect(string purpose, string subject, string position)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(position);

        var positionLength = Encoding.UTF8.GetByteCount(position);
        if (positionLength > MaxPositionBytes)
        {
            throw new ArgumentException($"A cursor position may be at most {MaxPositionBytes} UTF-8 bytes.", nameof(position));
        }

        var token = new byte[HeaderLength + positionLength + MacLength];
        token[0] = Version;
        _current.Id.CopyTo(token.AsSpan(1));
        Encoding.UTF8.GetBytes(position, token.AsSpan(HeaderLength));
        var payload = token.AsSpan(0, HeaderLength + positionLength);
        ComputeMac(_current.Key, purpose, subject, payload, token.AsSpan(payload.Length));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Returns the position if the cursor is intact, for this purpose and subject, and signed with an accepted key; never throws on bad input.</summary>
    public bool TryUnprotect(string purpose, string subject, string? cursor, [NotNullWhen(true)] out string? position)
    {
        position = null;
        if (purpose is null || subject is null || string.IsNullOrEmpty(cursor) || cursor.Length > MaxCursorChars)
        {
            return false;
        }

        // Base64Url.TryDecodeFromChars throws on bad characters, so the alphabet is checked first; anything else we never issue.
        if (cursor.AsSpan().ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        var token = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        var status = Base64Url.DecodeFromChars(cursor, token, out _, out var tokenLength);
        if (status != OperationStatus.Done || tokenLength < HeaderLength + MacLength)
        {
            return false;
        }

        // Decoders tolerate padding, whitespace and stray low bits in the last character; only the exact encoding we issue
        // is accepted, so every character of a cursor matters.
        if (!IsCanonicalEncoding(cursor, token.AsSpan(0, tokenLength)))
        {
            return false;
        }

        var payload = token.AsSpan(0, tokenLength - MacLength);
        var mac = token.AsSpan(tokenLength - MacLength, MacLength);
        if (payload[0] != Version)
        {
            return false;
        }

        var keyId = payload.Slice(1, KeyIdLength);
        Span<byte> expected = stackalloc byte[MacLength];
        var verified = false;
        foreach (var key in AcceptedKeys())
        {
            if (!keyId.SequenceEqual(key.Id))
            {
                continue;
            }

            ComputeMac(key.Key, purpose, subject, payload, expected);
            verified |= CryptographicOperations.FixedTimeEquals(expected, mac);
        }

        var positionBytes = payload[HeaderLength..];
        if (!verified || !Utf8.IsValid(positionBytes))
        {
            return false;
        }

        position = Encoding.UTF8.GetString(positionBytes);
        return true;
    }

    private IEnumerable<CursorKey> AcceptedKeys()
    {
        yield return _current;
        if (_previous is not null && _previousValidUntil is { } validUntil && _timeProvider.GetUtcNow() <= validUntil)
        {
            yield return _previous;
        }
    }

    private static bool IsCanonicalEncoding(string cursor, ReadOnlySpan<byte> token)
    {
        if (Base64Url.GetEncodedLength(token.Length) != cursor.Length)
        {
            return false;
        }

        Span<char> encoded = stackalloc char[cursor.Length];
        return Base64Url.TryEncodeToChars(token, encoded, out var written)
            && encoded[..written].SequenceEqual(cursor);
    }

    private static void ComputeMac(byte[] key, string purpose, string subject, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        // Length prefixes keep ("a|b", "c") and ("a", "b|c") from producing the same MAC input.
        AppendLengthPrefixed(hmac, purpose);
        AppendLengthPrefixed(hmac, subject);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(destination);
    }

    private static void AppendLengthPrefixed(IncrementalHash hmac, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(bytes);
    }

    private sealed record CursorKey(byte[] Key, byte[] Id)
    {
        private const int MinimumLength = 32;

        public static CursorKey Create(string? secret, string settingName)
        {
            if (secret is null || secret.Length < MinimumLength)
            {
                throw new InvalidOperationException($"{CursorOptions.SectionName}:{settingName} must be at least {MinimumLength} characters.");
            }

            var key = Encoding.UTF8.GetBytes(secret);
            // The first 4 bytes (8 hex characters) of SHA-256(key) identify the key, so a cursor from a rotated-out key is recognisable.
            var id = SHA256.HashData(key).AsSpan(0, KeyIdLength).ToArray();
            return new CursorKey(key, id);
        }
    }
}
