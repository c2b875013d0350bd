using System.Diagnostics.CodeAnalysis;

namespace Serverless.Core.Rooms;

/// <summary>A member's role in a room; wire names are <c>OWNER|EDITOR|VIEWER</c>.</summary>
public enum RoomRole
{
    Viewer,
    Editor,
    Owner,
}

/// <summary>Converts <see cref="RoomRole"/> to and from its upper-case wire name.</summary>
public static class RoomRoleWireNames
{
    public static string ToWire(RoomRole role) => role switch
    {
        RoomRole.Owner => "OWNER",
        RoomRole.Editor => "EDITOR",
        RoomRole.Viewer => "VIEWER",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown room role."),
    };

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomRole role)
    {
        switch (value)
        {
            case "OWNER": role = RoomRole.Owner; return true;
            case "EDITOR": role = RoomRole.Editor; return true;
            case "VIEWER": role = RoomRole.Viewer; return true;
            default: role = default; return false;
        }
    }
}
