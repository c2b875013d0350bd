using System.Diagnostics.CodeAnalysis;

namespace Serverless.Core.Files.Validation;

/// <summary>Outcome of <see cref="FileTypeDetector.Detect"/>: the accepted type, or the refusal reason (with the detected type when known).</summary>
public sealed class FileTypeDetection
{
    private FileTypeDetection(string fileName, FileTypeInfo? type, FileTypeRefusal? refusal)
    {
        FileName = fileName;
        Type = type;
        Refusal = refusal;
    }

    /// <summary>The sanitised file name the decision was made on; store this, not the client's name.</summary>
    public string FileName { get; }

    /// <summary>The type detected from the content; set when accepted, and on <see cref="FileTypeRefusal.ExtensionMismatch"/>/<see cref="FileTypeRefusal.TooLarge"/>.</summary>
    public FileTypeInfo? Type { get; }

    /// <summary>Why the upload was refused, or null when it was accepted.</summary>
    public FileTypeRefusal? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Type))]
    public bool IsAccepted => Refusal is null && Type is not null;

    internal static FileTypeDetection Accepted(string fileName, FileTypeInfo type) => new(fileName, type, null);

    internal static FileTypeDetection Refused(string fileName, FileTypeRefusal refusal, FileTypeInfo? detected = null) =>
        new(fileName, detected, refusal);
}
