import { useEffect, useId, useRef, useState } from "react";
import templates from "../../../functions/Serverless.Core/Notifications/Templates/notification-templates.json";
import {
  bulkAvailable, deepLink, isArchived, isSnoozed, localInputValue, searchText, snoozeBounds, snoozePresets, snoozeProblem, unreadFirstApplies,
  type Channel, type InboxFilter, type InboxView, type Notification, type Priority,
} from "../lib/inbox";
import { useInbox, useServices } from "../lib/services";
import { relativeTime, useNow } from "../lib/time";
import { navigate } from "../lib/router";
import { errorText } from "../lib/api";

const types = Object.keys(templates).sort();
const priorities: Priority[] = ["critical", "high", "normal", "low"];
const channels: Channel[] = ["web", "email", "sms", "mobile_push"];
const views: { view: InboxView; label: string }[] = [
  { view: "inbox", label: "Inbox" },
  { view: "unread_first", label: "Unread first" },
  { view: "archived", label: "Archived" },
  { view: "snoozed", label: "Snoozed" },
];
const listLabels: Record<InboxView, string> = {
  inbox: "Notifications, newest first",
  unread_first: "Notifications, unread first",
  archived: "Archived notifications",
  snoozed: "Snoozed notifications",
};
const emptyTexts: Record<InboxView, string> = {
  inbox: "Nothing here.",
  unread_first: "Nothing here.",
  archived: "Nothing archived.",
  snoozed: "Nothing snoozed.",
};

/** Starts an action; its failure is shown in the center's alert. */
type Run = (action: Promise<unknown>) => void;

/** How long typing rests before the search is sent. */
export const searchDebounceMs = 300;

export function PriorityBadge({ priority }: { priority: string }) {
  if (priority !== "critical" && priority !== "high") return null;
  return <span className={`badge badge-${priority}`}>{priority}</span>;
}

function formatUntil(iso: string): string {
  const date = new Date(iso);
  return Number.isFinite(date.getTime()) ? date.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "";
}

/** The snooze button and its presets (a disclosure: the presets are plain buttons, reachable with Tab). */
function SnoozeMenu({ item, run, onError }: { item: Notification; run: Run; onError: (e: unknown) => void }) {
  const { inbox } = useServices();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const [custom, setCustom] = useState("");
  const presets = open ? snoozePresets() : [];
  const snooze = (until: Date) => {
    const problem = snoozeProblem(until);
    if (problem) return onError(new Error(problem));
    setOpen(false);
    setCustom("");
    run(inbox.snooze(item.id, until));
  };
  return (
    <span className="snooze">
      <button type="button" data-testid="notification-snooze" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen((o) => !o)} aria-label={`Snooze "${item.title}"`}>
        Snooze
      </button>
      {open && (
        <span id={menuId} className="snooze-menu" role="group" aria-label={`Snooze "${item.title}" until`}>
          {presets.map((p) => (
            <button
              key={p.key}
              type="button"
              data-testid="snooze-option"
              data-preset={p.key}
              title={p.until.toLocaleString()}
              onClick={() => snooze(p.until)}
            >
              {p.label}
            </button>
          ))}
          <label>
            <span className="visually-hidden">Snooze until a date and time</span>
            <input
              type="datetime-local"
              data-testid="snooze-custom"
              value={custom}
              min={localInputValue(new Date(Date.now() + snoozeBounds.minMs))}
              max={localInputValue(new Date(Date.now() + snoozeBounds.maxMs))}
              onChange={(e) => setCustom(e.target.value)}
            />
          </label>
          <button type="button" data-testid="snooze-custom-submit" disabled={!custom} onClick={() => snooze(new Date(custom))}>
            Snooze until then
          </button>
        </span>
      )}
    </span>
  );
}

function Item({ item, now, run, onError }: { item: Notification; now: number; run: Run; onError: (e: unknown) => void }) {
  const { inbox } = useServices();
  const link = deepLink(item);
  const archived = isArchived(item);
  const snoozed = isSnoozed(item);
  const markRead = () => run(inbox.markRead(item.id));
  const open = (event: React.MouseEvent) => {
    if (!item.isRead) void markRead();
    if (link?.startsWith("/")) {
      event.preventDefault();
      navigate(link);
    }
  };
  return (
    <li
      className={`notification ${item.isRead ? "read" : "unread"} priority-${item.priority}${archived ? " archived" : ""}${snoozed ? " snoozed" : ""}`}
      data-testid="notification-item"
      data-id={item.id}
      data-seq={item.seq}
      data-read={String(item.isRead)}
      data-priority={item.priority}
      data-archived={String(archived)}
      data-snoozed={String(snoozed)}
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
      {(archived || snoozed) && (
        <p className="item-state" data-testid="notification-state">
          {archived && <span>Archived{item.archivedAt ? ` ${relativeTime(item.archivedAt, now)}` : ""}</span>}
          {snoozed && <span>{item.snoozedUntil ? `Snoozed until ${formatUntil(item.snoozedUntil)}` : "Snoozed"}</span>}
        </p>
      )}
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
          {archived ? (
            <button type="button" data-testid="notification-unarchive" onClick={() => run(inbox.unarchive(item.id))} aria-label={`Unarchive "${item.title}"`}>
              Unarchive
            </button>
          ) : (
            <button type="button" data-testid="notification-archive" onClick={() => run(inbox.archive(item.id))} aria-label={`Archive "${item.title}"`}>
              Archive
            </button>
          )}
          {snoozed ? (
            <button type="button" data-testid="notification-unsnooze" onClick={() => run(inbox.unsnooze(item.id))} aria-label={`Unsnooze "${item.title}"`}>
              Unsnooze
            </button>
          ) : (
            !archived && <SnoozeMenu item={item} run={run} onError={onError} />
          )}
          <button type="button" data-testid="notification-delete" onClick={() => run(inbox.remove(item.id))} aria-label={`Delete "${item.title}"`}>
            Delete
          </button>
        </span>
      </div>
    </li>
  );
}

/** The search box: sent after typing rests; Clear empties it at once. */
function Search({ q, onSearch }: { q: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(q);
  const latest = useRef(onSearch);
  latest.current = onSearch;
  // Follow q when it changes elsewhere, keeping what is typed when it only differs by spaces.
  useEffect(() => setText((t) => (searchText(t) === q ? t : q)), [q]);
  useEffect(() => {
    const wanted = searchText(text);
    if (wanted === q) return;
    const timer = setTimeout(() => latest.current(wanted), searchDebounceMs);
    return () => clearTimeout(timer);
  }, [text, q]);
  return (
    <div className="search" role="search">
      <label>
        <span className="visually-hidden">Search notifications</span>
        <input
          type="search"
          data-testid="notification-search"
          value={text}
          maxLength={200}
          placeholder="Search title and text"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onSearch(searchText(text));
          }}
        />
      </label>
      {text && (
        <button type="button" data-testid="notification-search-clear" onClick={() => (setText(""), onSearch(""))} aria-label="Clear search">
          Clear
        </button>
      )}
    </div>
  );
}

/** "Archive all" / "Delete all" for the view's filter, each behind a confirm step. */
function BulkActions({ filter, onError }: { filter: InboxFilter; onError: (e: unknown) => void }) {
  const { inbox } = useServices();
  const [confirming, setConfirming] = useState<"archive" | "delete" | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    setConfirming(null);
    setDone(null);
  }, [filter]);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  const actions = (["archive", "delete"] as const).filter((a) => bulkAvailable(filter, a));
  if (actions.length === 0) {
    return filter.q ? <p className="hint">Archive all and Delete all act on filters, not on search results.</p> : null;
  }
  const scope = [filter.view === "archived" ? "archived" : "", filter.unreadOnly ? "unread" : "", filter.priority, filter.type, filter.channel ? `via ${filter.channel}` : ""]
    .filter(Boolean)
    .join(", ");
  const run = async (action: "archive" | "delete") => {
    setBusy(true);
    try {
      const updated = await inbox.bulk(action);
      setDone(`${action === "archive" ? "Archived" : "Deleted"} ${updated}.`);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };
  return (
    <div className="bulk">
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm">
          <span data-testid="bulk-question">
            {confirming === "archive" ? "Archive" : "Delete"} every notification {scope ? `matching ${scope}` : "in this view"}?
          </span>
          <button type="button" ref={confirmRef} className="danger" data-testid="bulk-confirm" disabled={busy} onClick={() => void run(confirming)}>
            {busy ? "Working…" : confirming === "archive" ? "Archive all" : "Delete all"}
          </button>
          <button type="button" data-testid="bulk-cancel" disabled={busy} onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      ) : (
        actions.map((a) => (
          <button key={a} type="button" data-testid={`bulk-${a}`} onClick={() => (setDone(null), setConfirming(a))}>
            {a === "archive" ? "Archive all" : "Delete all"}
          </button>
        ))
      )}
      <span role="status" className="hint">
        {done}
      </span>
    </div>
  );
}

/** The notification center: views, search, filters, per-item and bulk actions, paging by cursor. */
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

  const filter = state.filter;
  const setFilter = (patch: Partial<InboxFilter>) => {
    setActionError(null);
    void inbox.setFilter({ ...inbox.getState().filter, ...patch });
  };
  const onError = (e: unknown) => setActionError(errorText(e));
  // A new action clears the last one's error; its own failure shows instead.
  const run: Run = (action) => {
    setActionError(null);
    action.catch(onError);
  };
  const searchFallback = filter.view === "unread_first" && !unreadFirstApplies(filter);

  return (
    <section className="center" aria-labelledby="center-title">
      <div className="center-header">
        <h2 id="center-title" tabIndex={-1}>
          Notifications
        </h2>
        <span className="counts" data-testid="unread-count" data-count={state.unreadCount}>
          {state.unreadCount} unread
        </span>
        <button type="button" data-testid="mark-all-read" onClick={() => run(inbox.markAllRead())} disabled={state.unreadCount === 0}>
          Mark all read
        </button>
      </div>
      <div className="views" role="group" aria-label="View">
        {views.map((v) => (
          <button key={v.view} type="button" data-testid={`view-${v.view.replace("_", "-")}`} aria-pressed={filter.view === v.view} onClick={() => setFilter({ view: v.view })}>
            {v.label}
          </button>
        ))}
      </div>
      <Search q={filter.q} onSearch={(q) => setFilter({ q })} />
      {searchFallback && <p className="hint">Search results are listed newest first.</p>}
      <div className="filters compact" role="group" aria-label="Filters">
        <label className="check">
          <input type="checkbox" data-testid="filter-unread" checked={filter.unreadOnly} onChange={(e) => setFilter({ unreadOnly: e.target.checked })} />
          Unread only
        </label>
        <label>
          <span className="visually-hidden">Type</span>
          <select data-testid="filter-type" value={filter.type} onChange={(e) => setFilter({ type: e.target.value })}>
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="visually-hidden">Priority</span>
          <select data-testid="filter-priority" value={filter.priority} onChange={(e) => setFilter({ priority: e.target.value as InboxFilter["priority"] })}>
            <option value="">All priorities</option>
            {priorities.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="visually-hidden">Channel</span>
          <select data-testid="filter-channel" value={filter.channel} onChange={(e) => setFilter({ channel: e.target.value as InboxFilter["channel"] })}>
            <option value="">All channels</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </div>
      <BulkActions filter={filter} onError={onError} />
      {(state.error || actionError) && (
        <p className="error" role="alert" data-testid="notification-error">
          {actionError ?? state.error}
        </p>
      )}
      <ul className="notification-list" data-testid="notification-list" data-view={filter.view} aria-label={listLabels[filter.view]} aria-busy={state.loading}>
        {state.items.map((item) => (
          <Item key={item.id} item={item} now={now} run={run} onError={onError} />
        ))}
      </ul>
      {state.loaded && state.items.length === 0 && !state.nextCursor && <p className="empty">{filter.q ? "No notification matches." : emptyTexts[filter.view]}</p>}
      {state.loaded && state.items.length === 0 && state.nextCursor && <p className="empty">Nothing in the most recent notifications; older ones may match.</p>}
      <div ref={sentinel} className="sentinel" />
      {state.nextCursor && (
        <button type="button" className="more" data-testid="load-more" onClick={() => void inbox.loadMore()} disabled={state.loading}>
          {state.loading ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
