using System.Diagnostics.CodeAnalysis;

namespace Serverless.Core.Files.Validation;

/// <summary>Converts <see cref="FileKind"/> to and from its lower-case wire name.</summary>
public static class FileKindWireNames
{
    public static string ToWire(FileKind kind) => kind switch
    {
        FileKind.Image => "image",
        FileKind.Document => "document",
        FileKind.Log => "log",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown file kind."),
    };

    /// <summary>Parses an exact wire name (<c>image|document|log</c>).</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out FileKind kind)
    {
        switch (value)
        {
            case "image": kind = FileKind.Image; return true;
            case "document": kind = FileKind.Document; return true;
            case "log": kind = FileKind.Log; return true;
            default: kind = default; return false;
        }
    }
}
