namespace Serverless.Core.Files.Validation;

/// <summary>Broad class of an accepted upload, which decides its size limit; wire names are <c>image|document|log</c>.</summary>
public enum FileKind
{
    Image,
    Document,
    Log,
}
