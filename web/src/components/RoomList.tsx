import { useCallback, useEffect, useState } from "react";
import { errorText } from "../lib/api";
import { navigate } from "../lib/router";
import type { Room, RoomSummary } from "../lib/rooms";
import { useServices } from "../lib/services";

/** My rooms (with unread counts once the chat API reports them) and a form to create one. */
export function RoomList() {
  const { api, realtime } = useServices();
  const [rooms, setRooms] = useState<RoomSummary[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ items: RoomSummary[] }>("/v1/rooms")
      .then((r) => setRooms(r.items))
      .catch((e) => setError(errorText(e)));
  }, [api]);

  useEffect(() => {
    load();
    // Being added to a room sends a notification; a new message changes unread counts.
    const offs = [realtime.on("notificationCreated", load), realtime.on("messageCreated", load), realtime.onConnected(load)];
    return () => offs.forEach((off) => off());
  }, [load, realtime]);

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      const room = await api<Room>("/v1/rooms", { method: "POST", json: { name: name.trim() } });
      setName("");
      navigate(`/rooms/${encodeURIComponent(room.roomId)}`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section aria-labelledby="rooms-title" className="rooms">
      <h2 id="rooms-title">My rooms</h2>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="room-list">
        {rooms?.map((room) => (
          <li key={room.roomId} data-testid="room-item" data-room-id={room.roomId}>
            <a
              href={`/rooms/${encodeURIComponent(room.roomId)}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/rooms/${encodeURIComponent(room.roomId)}`);
              }}
            >
              {room.name}
            </a>
            <span className="role">{room.myRole.toLowerCase()}</span>
            {room.unreadCount ? (
              <span className="count" aria-label={`${room.unreadCount} unread messages`}>
                {room.unreadCount}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {rooms?.length === 0 && <p className="empty">You are not in any room yet.</p>}
      <form onSubmit={create} className="inline-form">
        <label>
          New room
          <input data-testid="room-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <button type="submit" data-testid="room-create">
          Create
        </button>
      </form>
    </section>
  );
}
