using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Rooms.Chat;

/// <summary>Settings of room chat (section "RoomChat").</summary>
public sealed class RoomChatOptions
{
    public const string SectionName = "RoomChat";

    /// <summary>Messages one user may post in one room per minute (per instance of the app).</summary>
    [Range(1, 1_000_000)]
    public int PostsPerUserPerMinute { get; set; } = 30;
}
