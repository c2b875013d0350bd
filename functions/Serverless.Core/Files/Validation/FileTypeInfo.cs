namespace Serverless.Core.Files.Validation;

/// <summary>A detected upload type: its kind, MIME type, the file's lower-case extension (with the dot) and the size limit.</summary>
public sealed record FileTypeInfo(FileKind Kind, string MimeType, string Extension, long MaxBytes);
