namespace Serverless.Core.Files.Validation;

/// <summary>A detected upload type: kind, MIME type, lower-case extension with the dot (the file's own; the type's usual one on a mismatch) and size limit.</summary>
public sealed record FileTypeInfo(FileKind Kind, string MimeType, string Extension, long MaxBytes);
