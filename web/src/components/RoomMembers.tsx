import { useState } from "react";
import { errorText } from "../lib/api";
import { roomPath, type Room, type RoomRole } from "../lib/rooms";
import { useServices } from "../lib/services";

const roles: RoomRole[] = ["OWNER", "EDITOR", "VIEWER"];

/** Members and roles; owners add, change and remove them (the API refuses to remove the last owner). */
export function RoomMembers({ room, onChanged }: { room: Room; onChanged: () => void }) {
  const { api } = useServices();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<RoomRole>("EDITOR");
  const [error, setError] = useState<string | null>(null);
  const owner = room.myRole === "OWNER";

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const put = (user: string, r: RoomRole) => run(() => api(roomPath(room.roomId, `/members/${encodeURIComponent(user)}`), { method: "PUT", json: { role: r } }));

  return (
    <section className="panel" aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="members">
        {room.members.map((m) => (
          <li key={m.userId} data-testid="member-item">
            <span className="member-name">{m.userId}</span>
            {owner ? (
              <>
                <label className="visually-hidden" htmlFor={`role-${m.userId}`}>
                  Role of {m.userId}
                </label>
                <select id={`role-${m.userId}`} value={m.role} onChange={(e) => void put(m.userId, e.target.value as RoomRole)}>
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {r.toLowerCase()}
                    </option>
                  ))}
                </select>
                <button type="button" aria-label={`Remove ${m.userId}`} onClick={() => void run(() => api(roomPath(room.roomId, `/members/${encodeURIComponent(m.userId)}`), { method: "DELETE" }))}>
                  Remove
                </button>
              </>
            ) : (
              <span className="role">{m.role.toLowerCase()}</span>
            )}
          </li>
        ))}
      </ul>
      {owner && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void put(userId.trim(), role).then(() => setUserId(""));
          }}
        >
          <label>
            Add member
            <input data-testid="member-user" value={userId} onChange={(e) => setUserId(e.target.value)} required />
          </label>
          <label>
            Role
            <select data-testid="member-role" value={role} onChange={(e) => setRole(e.target.value as RoomRole)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" data-testid="member-add">
            Add
          </button>
        </form>
      )}
    </section>
  );
}
