namespace Serverless.Core.Files.Validation;

/// <summary>Why an upload was refused.</summary>
public enum FileTypeRefusal
{
    /// <summary>The content is not one of the allowed types (including executables, unknown zips and empty files).</summary>
    NotAllowed,

    /// <summary>The content is an allowed type but the file name's extension says otherwise.</summary>
    ExtensionMismatch,

    /// <summary>The content is allowed but larger than the limit for its kind.</summary>
    TooLarge,
}
