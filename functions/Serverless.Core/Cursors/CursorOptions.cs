using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Cursors;

/// <summary>Signing keys for paging cursors (configuration section <c>Cursors</c>), with an optional previous key during rotation.</summary>
public sealed class CursorOptions
{
    public const string SectionName = "Cursors";

    /// <summary>Current key; any string of at least 32 characters, its UTF-8 bytes are the HMAC key.</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>The key used before the last rotation; cursors it signed stay valid until <see cref="PreviousKeyValidUntil"/>.</summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>End of the rotation window; without it the previous key is not accepted at all.</summary>
    public DateTimeOffset? PreviousKeyValidUntil { get; set; }
}
