import { useCallback, useEffect, useRef, useState } from "react";
import { errorText, isMissingApi } from "../lib/api";
import { mergeMessages, roomPath, type Message, type MessagePage, type Reaction, type Room } from "../lib/rooms";
import { useServices } from "../lib/services";
import { relativeTime, useNow } from "../lib/time";

const quickReactions = ["👍", "❤️", "🎉", "👀"];
const typingThrottleMs = 3_000;

/**
 * The room's message stream (issue 14's contract): replies, reactions, typing, edit and delete, with afterSeq recovery
 * on a seq gap or a reconnect. Renders nothing while the server has no messages API (404).
 */
export function RoomChat({ room }: { room: Room }) {
  const { api, realtime, session } = useServices();
  const [available, setAvailable] = useState<boolean | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [text, setText] = useState("");
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef(0);
  const lastTypingSent = useRef(0);
  const now = useNow(1_000);
  const canPost = room.myRole === "OWNER" || room.myRole === "EDITOR";
  const base = roomPath(room.roomId, "/messages");

  const apply = useCallback((incoming: Message[], knownSeq?: number) => {
    setMessages((list) => mergeMessages(list, incoming));
    lastSeq.current = Math.max(lastSeq.current, knownSeq ?? 0, ...incoming.map((m) => m.seq));
  }, []);

  const markRead = useCallback(() => {
    if (lastSeq.current > 0) void api(roomPath(room.roomId, "/read"), { method: "POST", json: { seq: lastSeq.current } }).catch(() => undefined);
  }, [api, room.roomId]);

  const recover = useCallback(async () => {
    let path: string | null = `${base}?afterSeq=${lastSeq.current}&limit=100`;
    while (path) {
      const page: MessagePage = await api<MessagePage>(path);
      apply(page.items, page.nextCursor ? undefined : page.seq);
      path = page.nextCursor ? `${base}?cursor=${encodeURIComponent(page.nextCursor)}&limit=100` : null;
    }
    markRead();
  }, [api, apply, base, markRead]);

  useEffect(() => {
    let cancelled = false;
    lastSeq.current = 0;
    setMessages([]);
    api<MessagePage>(`${base}?limit=50`)
      .then((page) => {
        if (cancelled) return;
        setAvailable(true);
        apply(page.items, page.seq);
        markRead();
      })
      .catch((e) => {
        if (cancelled) return;
        if (isMissingApi(e)) setAvailable(false);
        else {
          setAvailable(true);
          setError(errorText(e));
        }
      });

    const mine = (m: { roomId?: string }) => m.roomId === room.roomId;
    const onMessage = (m: Message & { roomSeq?: number }) => {
      if (!mine(m)) return;
      const gap = m.seq > lastSeq.current + 1;
      setMessages((list) => mergeMessages(list, [m]));
      if (gap) void recover().catch(() => undefined);
      else {
        lastSeq.current = Math.max(lastSeq.current, m.seq);
        markRead();
      }
      setTyping((t) => {
        const rest = { ...t };
        delete rest[m.authorId];
        return rest;
      });
    };
    const offs = [
      realtime.on<Message>("messageCreated", onMessage),
      realtime.on<Message>("messageUpdated", (m) => mine(m) && setMessages((list) => mergeMessages(list, [m]))),
      realtime.on<Message>("messageDeleted", (m) => mine(m) && setMessages((list) => mergeMessages(list, [m]))),
      realtime.on<{ roomId: string; messageId: string; reactions: Reaction[] }>("reactionsChanged", (r) => {
        if (mine(r)) setMessages((list) => list.map((m) => (m.messageId === r.messageId ? { ...m, reactions: r.reactions } : m)));
      }),
      realtime.on<{ roomId: string; userId: string; until: string }>("typing", (t) => {
        if (mine(t) && t.userId !== session.userId) setTyping((all) => ({ ...all, [t.userId]: Date.parse(t.until) }));
      }),
      realtime.onConnected(() => void recover().catch(() => undefined)),
    ];
    return () => {
      cancelled = true;
      offs.forEach((off) => off());
    };
  }, [api, apply, base, markRead, realtime, recover, room.roomId, session.userId]);

  if (available !== true) return null;

  const typers = Object.entries(typing)
    .filter(([, until]) => until > now)
    .map(([user]) => user);

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const send = (event?: React.FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body) return;
    void run(async () => {
      if (editing) {
        const updated = await api<Message>(`${base}/${encodeURIComponent(editing)}`, { method: "PATCH", json: { text: body } });
        apply([updated]);
        setEditing(null);
      } else {
        const created = await api<Message>(base, { method: "POST", json: { text: body, replyTo: replyTo?.messageId ?? null, clientMessageId: crypto.randomUUID() } });
        apply([created]);
        setReplyTo(null);
      }
      setText("");
    });
  };

  const onInput = (value: string) => {
    setText(value);
    if (Date.now() - lastTypingSent.current > typingThrottleMs) {
      lastTypingSent.current = Date.now();
      void api(roomPath(room.roomId, "/typing"), { method: "POST" }).catch(() => undefined);
    }
  };

  const react = (m: Message, emoji: string, mine: boolean) =>
    run(async () => {
      const updated = await api<Message | undefined>(`${base}/${encodeURIComponent(m.messageId)}/reactions/${encodeURIComponent(emoji)}`, { method: mine ? "DELETE" : "PUT" });
      if (updated && "messageId" in updated) apply([updated]);
    });

  const byId = new Map(messages.map((m) => [m.messageId, m]));

  return (
    <section className="panel chat" aria-labelledby="chat-title">
      <h3 id="chat-title">Messages</h3>
      {error && <p className="error" role="alert">{error}</p>}
      <ol className="messages" data-testid="message-list" aria-label="Messages, oldest first" aria-live="polite">
        {messages.map((m) => {
          const parent = m.replyTo ? byId.get(m.replyTo) : undefined;
          const own = m.authorId === session.userId;
          return (
            <li key={m.seq} data-testid="message-item" data-seq={m.seq} className={`message${own ? " own" : ""}${m.deletedAt ? " deleted" : ""}`}>
              <div className="message-head">
                <strong>{m.authorId}</strong> <time dateTime={m.createdAt}>{relativeTime(m.createdAt, now)}</time>
                {m.editedAt && !m.deletedAt && <span className="edited"> (edited)</span>}
              </div>
              {parent && <blockquote className="reply-to">↪ {parent.authorId}: {parent.text ?? "deleted message"}</blockquote>}
              <p className="message-text">{m.deletedAt ? <em>Message deleted</em> : m.kind === "file" ? `📎 ${m.file?.filename ?? "a file"}` : m.text}</p>
              {!m.deletedAt && (
                <div className="message-actions">
                  {quickReactions.map((emoji) => {
                    const r = m.reactions?.find((x) => x.emoji === emoji);
                    return (
                      <button key={emoji} type="button" className={`reaction${r?.me ? " me" : ""}`} aria-pressed={!!r?.me} aria-label={`React ${emoji}${r ? `, ${r.count}` : ""}`} onClick={() => void react(m, emoji, !!r?.me)}>
                        {emoji}
                        {r ? ` ${r.count}` : ""}
                      </button>
                    );
                  })}
                  {canPost && (
                    <button type="button" onClick={() => setReplyTo(m)}>
                      Reply
                    </button>
                  )}
                  {own && m.kind !== "file" && (
                    <button
                      type="button"
                      onClick={() => {
                        setEditing(m.messageId);
                        setText(m.text ?? "");
                      }}
                    >
                      Edit
                    </button>
                  )}
                  {(own || room.myRole === "OWNER") && (
                    <button type="button" onClick={() => void run(() => api(`${base}/${encodeURIComponent(m.messageId)}`, { method: "DELETE" }).then(() => setMessages((list) => list.map((x) => (x.messageId === m.messageId ? { ...x, text: null, deletedAt: new Date().toISOString() } : x)))))}>
                      Delete
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <p className="typing" data-testid="typing-indicator" aria-live="polite">
        {typers.length > 0 ? `${typers.join(", ")} ${typers.length === 1 ? "is" : "are"} typing…` : ""}
      </p>
      {canPost && (
        <form className="composer" onSubmit={send}>
          {replyTo && (
            <p className="replying">
              Replying to {replyTo.authorId}{" "}
              <button type="button" onClick={() => setReplyTo(null)}>
                Cancel
              </button>
            </p>
          )}
          <label className="visually-hidden" htmlFor="message-input">
            {editing ? "Edit message" : "Message"}
          </label>
          <textarea
            id="message-input"
            data-testid="message-input"
            rows={2}
            maxLength={4000}
            value={text}
            onChange={(e) => onInput(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                send();
              }
            }}
          />
          <button type="submit" data-testid="message-send">
            {editing ? "Save" : "Send"}
          </button>
        </form>
      )}
    </section>
  );
}
