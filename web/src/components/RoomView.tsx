import { useCallback, useEffect, useState } from "react";
import { errorText } from "../lib/api";
import { navigate } from "../lib/router";
import { roomPath, type Room } from "../lib/rooms";
import { useServices } from "../lib/services";
import { RoomChat } from "./RoomChat";
import { RoomFiles } from "./RoomFiles";
import { RoomMembers } from "./RoomMembers";

export function RoomView({ roomId }: { roomId: string }) {
  const { api } = useServices();
  const [room, setRoom] = useState<Room | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<Room>(roomPath(roomId))
      .then(setRoom)
      .catch((e) => setError(errorText(e)));
  }, [api, roomId]);

  useEffect(load, [load]);

  if (error) {
    return (
      <section className="room">
        <p className="error" role="alert">{error}</p>
        <a href="/" onClick={(e) => (e.preventDefault(), navigate("/"))}>Back to rooms</a>
      </section>
    );
  }
  if (!room) return <p aria-busy="true">Loading room…</p>;

  return (
    <section className="room" aria-labelledby="room-title">
      <div className="room-header">
        <a href="/" onClick={(e) => (e.preventDefault(), navigate("/"))}>← Rooms</a>
        <h2 id="room-title">{room.name}</h2>
        <span className="role">you are {room.myRole.toLowerCase()}</span>
      </div>
      <div className="room-grid">
        <div className="room-main">
          <RoomChat room={room} />
          <RoomFiles room={room} />
        </div>
        <RoomMembers room={room} onChanged={load} />
      </div>
    </section>
  );
}
