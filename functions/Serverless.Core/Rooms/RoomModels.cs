namespace Serverless.Core.Rooms;

/// <summary>A room as stored: its id, name and who created it.</summary>
public sealed record Room(string RoomId, string Name, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>One member of a room; a muted member gets no notifications (document.uploaded) from the room.</summary>
public sealed record RoomMember(string UserId, RoomRole Role, DateTimeOffset AddedAt, bool Muted = false);

/// <summary>A room the caller may act in, with the caller's role; what every room-scoped endpoint starts from.</summary>
public sealed record RoomMembership(Room Room, RoomRole Role);

/// <summary>The outcome of a membership change: the role before (null when newly added) and after (null when removed).</summary>
public sealed record MembershipChange(RoomRole? Before, RoomRole? After);

/// <summary>One page of the rooms a user is in (by room id), and the RowKey to continue after when there are more.</summary>
public sealed record RoomIndexPage(IReadOnlyList<(string RoomId, string Name, RoomRole Role)> Items, string? LastRoomId);
