import { useEffect, useRef, useState } from "react";
import templates from "../../../functions/Serverless.Core/Notifications/Templates/notification-templates.json";
import { deepLink, type InboxFilter, type Notification, type Priority } from "../lib/inbox";
import { useInbox, useServices } from "../lib/services";
import { relativeTime, useNow } from "../lib/time";
import { navigate } from "../lib/router";
import { errorText } from "../lib/api";

const types = Object.keys(templates).sort();
const priorities: Priority[] = ["critical", "high", "normal", "low"];

export function PriorityBadge({ priority }: { priority: string }) {
  if (priority !== "critical" && priority !== "high") return null;
  return <span className={`badge badge-${priority}`}>{priority}</span>;
}

function Item({ item, now, onError }: { item: Notification; now: number; onError: (e: unknown) => void }) {
  const { inbox } = useServices();
  const link = deepLink(item);
  const markRead = () => inbox.markRead(item.id).catch(onError);
  const open = (event: React.MouseEvent) => {
    if (!item.isRead) void markRead();
    if (link?.startsWith("/")) {
      event.preventDefault();
      navigate(link);
    }
  };
  return (
    <li
      className={`notification ${item.isRead ? "read" : "unread"} priority-${item.priority}`}
      data-testid="notification-item"
      data-seq={item.seq}
      data-read={String(item.isRead)}
      data-priority={item.priority}
    >
      <div className="notification-head">
        {!item.isRead && <span className="dot" aria-hidden="true" />}
        <PriorityBadge priority={item.priority} />
        {link ? (
          <a className="title" href={link} onClick={open} {...(link.startsWith("/") ? {} : { target: "_blank", rel: "noopener noreferrer" })}>
            {item.title}
          </a>
        ) : (
          <span className="title">{item.title}</span>
        )}
        <span className="visually-hidden">{item.isRead ? "(read)" : "(unread)"}</span>
      </div>
      {item.body && <p className="body">{item.body}</p>}
      <div className="notification-meta">
        <time dateTime={item.createdAt} title={new Date(item.createdAt).toLocaleString()}>
          {relativeTime(item.createdAt, now)}
        </time>
        <span className="type">{item.type}</span>
        <span className="actions">
          {!item.isRead && (
            <button type="button" data-testid="notification-mark-read" onClick={markRead} aria-label={`Mark "${item.title}" as read`}>
              Mark read
            </button>
          )}
          <button type="button" data-testid="notification-delete" onClick={() => inbox.remove(item.id).catch(onError)} aria-label={`Delete "${item.title}"`}>
            Delete
          </button>
        </span>
      </div>
    </li>
  );
}

/** The notification center: newest first, filters, mark read / all, delete, infinite scroll by cursor. */
export function NotificationCenter() {
  const { inbox } = useServices();
  const state = useInbox();
  const now = useNow();
  const [actionError, setActionError] = useState<string | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const node = sentinel.current;
    if (!node || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void inbox.loadMore();
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [inbox, state.nextCursor]);

  const setFilter = (patch: Partial<InboxFilter>) => void inbox.setFilter({ ...state.filter, ...patch });
  const onError = (e: unknown) => setActionError(errorText(e));

  return (
    <section className="center" aria-labelledby="center-title">
      <div className="center-header">
        <h2 id="center-title" tabIndex={-1}>Notifications</h2>
        <button type="button" data-testid="mark-all-read" onClick={() => inbox.markAllRead().catch(onError)} disabled={state.unreadCount === 0}>
          Mark all read
        </button>
      </div>
      <div className="filters" role="group" aria-label="Filters">
        <label className="check">
          <input type="checkbox" data-testid="filter-unread" checked={state.filter.unreadOnly} onChange={(e) => setFilter({ unreadOnly: e.target.checked })} />
          Unread only
        </label>
        <label>
          Type
          <select data-testid="filter-type" value={state.filter.type} onChange={(e) => setFilter({ type: e.target.value })}>
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Priority
          <select data-testid="filter-priority" value={state.filter.priority} onChange={(e) => setFilter({ priority: e.target.value as InboxFilter["priority"] })}>
            <option value="">All priorities</option>
            {priorities.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      </div>
      {(state.error || actionError) && (
        <p className="error" role="alert">
          {actionError ?? state.error}
        </p>
      )}
      <ul className="notification-list" data-testid="notification-list" aria-label="Notifications, newest first" aria-busy={state.loading}>
        {state.items.map((item) => (
          <Item key={item.seq} item={item} now={now} onError={onError} />
        ))}
      </ul>
      {state.loaded && state.items.length === 0 && <p className="empty">Nothing here.</p>}
      <div ref={sentinel} className="sentinel" />
      {state.nextCursor && (
        <button type="button" className="more" onClick={() => void inbox.loadMore()} disabled={state.loading}>
          {state.loading ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
