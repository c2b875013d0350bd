import { ApiError, type Fetcher } from "./api";

export type Priority = "low" | "normal" | "high" | "critical";
export type Channel = "web" | "email" | "sms" | "mobile_push";

/** An inbox item as the API and notificationCreated carry it. */
export interface Notification {
  id: string;
  seq: number;
  eventId: string;
  type: string;
  title: string;
  body: string;
  priority: Priority;
  channel: string;
  data: Record<string, unknown> | null;
  isRead: boolean;
  readAt: string | null;
  createdAt: string;
  expiresAt: string;
  /** Issue 16: absent on servers before it. */
  archived?: boolean;
  archivedAt?: string | null;
  seenAt?: string | null;
  snoozed?: boolean;
  /** Set while snoozed (an empty string when a push said "snoozed" without the time); null or absent otherwise. */
  snoozedUntil?: string | null;
}

export interface InboxPage {
  items: Notification[];
  nextCursor: string | null;
  unreadCount: number;
  unseenCount?: number;
  seq: number;
}

export interface Counts {
  unreadCount: number;
  unseenCount: number;
}

/** countsChanged, and the answer of POST /seen. */
export interface CountsChanged extends Counts {
  seq: number;
}

export type UpdateState = "read" | "archived" | "unarchived" | "deleted" | "snoozed" | "unsnoozed";

/** notificationsUpdated: a state change made in this or another tab or device. */
export interface NotificationsUpdated {
  ids: string[];
  state: UpdateState;
  counts: Counts;
  seq: number;
}

export type InboxView = "inbox" | "unread_first" | "archived" | "snoozed";

export interface InboxFilter {
  view: InboxView;
  unreadOnly: boolean;
  type: string;
  priority: "" | Priority;
  channel: "" | Channel;
  /** Words in title or body (the API's q); empty for none. */
  q: string;
}

export type BulkAction = "read" | "archive" | "delete";

export interface InboxState {
  /** In display order, one per id, only those of the current view. */
  items: Notification[];
  unreadCount: number;
  /** The bell's badge: items that arrived since the bell was last opened. */
  unseenCount: number;
  /** Every seq up to this one has been seen (listed or recovered): the afterSeq cursor. */
  lastSeq: number;
  nextCursor: string | null;
  loaded: boolean;
  loading: boolean;
  filter: InboxFilter;
  error: string | null;
  /** Sort positions of items moved to the top out of seq order (a snoozed item waking up); others sort by seq. */
  ranks: Record<string, number>;
}

export const emptyFilter: InboxFilter = { view: "inbox", unreadOnly: false, type: "", priority: "", channel: "", q: "" };

/** Case- and accent-insensitive text, as the API's q compares it. */
export function foldText(text: string): string {
  return text.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase();
}

/** Every word of q appears in the title or the body. */
export function matchesQuery(item: Notification, q: string): boolean {
  const words = foldText(q).split(/\s+/).filter(Boolean);
  const text = foldText(`${item.title}\n${item.body}`);
  return words.every((w) => text.includes(w));
}

export const isSnoozed = (item: Notification): boolean => item.snoozed === true || (item.snoozedUntil !== null && item.snoozedUntil !== undefined);

/** The q the API accepts: trimmed, at most 200 characters, with a letter or digit (else no search at all, rather than a 400). */
export function searchText(text: string): string {
  const q = text.trim().slice(0, 200).trim();
  return /[\p{L}\p{N}]/u.test(q) ? q : "";
}
export const isArchived = (item: Notification): boolean => item.archived === true;

/** The API answers 400 for q with order=unread_first: while searching, that view lists newest first. */
export const unreadFirstApplies = (filter: InboxFilter): boolean => filter.view === "unread_first" && !filter.q;

/** Whether an item belongs to the view. Query matching is only for pushed items: server pages are the API's answer. */
export function matchesFilter(item: Notification, filter: InboxFilter, checkQuery = true): boolean {
  const inView =
    filter.view === "archived" ? isArchived(item) : filter.view === "snoozed" ? isSnoozed(item) && !isArchived(item) : !isArchived(item) && !isSnoozed(item);
  return (
    inView &&
    (!filter.unreadOnly || !item.isRead) &&
    (!filter.type || item.type === filter.type) &&
    (!filter.priority || item.priority === filter.priority) &&
    (!filter.channel || item.channel === filter.channel) &&
    (!checkQuery || !filter.q || matchesQuery(item, filter.q))
  );
}

/** Display order: newest first (by rank), unread first in that view. */
export function sortItems(items: Notification[], filter: InboxFilter, ranks: Record<string, number>): Notification[] {
  const rank = (i: Notification) => ranks[i.id] ?? i.seq;
  const unreadFirst = unreadFirstApplies(filter);
  return [...items].sort((a, b) => (unreadFirst && a.isRead !== b.isRead ? (a.isRead ? 1 : -1) : rank(b) - rank(a)));
}

/** Adds or replaces items by id; with a filter, drops what it excludes. */
export function mergeItems(items: Notification[], incoming: Notification[], filter: InboxFilter, ranks: Record<string, number> = {}, checkFilter = true): Notification[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const item of incoming) {
    if (!checkFilter || matchesFilter(item, filter)) byId.set(item.id, item);
    else byId.delete(item.id);
  }
  return sortItems([...byId.values()], filter, ranks);
}

/** The list query for the current view and filter. */
export function listQuery(filter: InboxFilter, cursor: string | null, limit = 20): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filter.unreadOnly) query.set("unread", "true");
  if (filter.type) query.set("type", filter.type);
  if (filter.priority) query.set("priority", filter.priority);
  if (filter.channel) query.set("channel", filter.channel);
  if (filter.view === "archived") query.set("archived", "true");
  if (filter.view === "snoozed") query.set("snoozed", "true");
  if (unreadFirstApplies(filter)) query.set("order", "unread_first");
  if (filter.q) query.set("q", filter.q);
  if (cursor) query.set("cursor", cursor);
  return `/v1/notifications?${query}`;
}

/** Bulk acts on the view's filter; the API's bulk filter has no q and never touches snoozed items. */
export function bulkAvailable(filter: InboxFilter, action: BulkAction): boolean {
  if (filter.q || filter.view === "snoozed") return false;
  return !(action === "archive" && filter.view === "archived");
}

/** The POST /bulk filter for the current view. */
export function bulkFilter(filter: InboxFilter): Record<string, string | boolean> {
  const body: Record<string, string | boolean> = {};
  if (filter.type) body.type = filter.type;
  if (filter.priority) body.priority = filter.priority;
  if (filter.channel) body.channel = filter.channel;
  if (filter.unreadOnly) body.unread = true;
  if (filter.view === "archived") body.archived = true;
  return body;
}

export interface SnoozePreset {
  key: "hour" | "tomorrow" | "next-week";
  label: string;
  until: Date;
}

/** 1 hour from now; tomorrow 9:00 local time; next week = the coming Monday 9:00 local time. */
export function snoozePresets(now: Date = new Date()): SnoozePreset[] {
  const hour = new Date(now.getTime() + 3600_000);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  const daysToMonday = ((8 - now.getDay()) % 7) || 7;
  const nextWeek = new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysToMonday, 9, 0, 0, 0);
  return [
    { key: "hour", label: "1 hour", until: hour },
    { key: "tomorrow", label: "Tomorrow 9:00", until: tomorrow },
    { key: "next-week", label: "Next week", until: nextWeek },
  ];
}

/** The API takes snooze times from 1 minute to 30 days ahead. */
export const snoozeBounds = { minMs: 60_000, maxMs: 30 * 24 * 3600_000 };

/** Null when the API would take this time; otherwise what to tell the user. */
export function snoozeProblem(until: Date, now: Date = new Date()): string | null {
  const ahead = until.getTime() - now.getTime();
  if (!Number.isFinite(ahead)) return "Pick a date and time.";
  return ahead < snoozeBounds.minMs || ahead > snoozeBounds.maxMs ? "Pick a time from 1 minute to 30 days ahead." : null;
}

/** A date as a datetime-local input's value (local time, minutes). */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A link from data.url, only when it is http(s) or a same-origin path (never javascript: or a protocol-relative URL). */
export function deepLink(item: Notification): string | null {
  const url = item.data && typeof item.data.url === "string" ? item.data.url.trim() : "";
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  return /^https?:\/\//i.test(url) ? url : null;
}

/** An item's share of the counts: only items neither archived nor snoozed count. */
function countsOf(item: Notification | null): Counts {
  if (!item || isArchived(item) || isSnoozed(item)) return { unreadCount: 0, unseenCount: 0 };
  return { unreadCount: item.isRead ? 0 : 1, unseenCount: item.seenAt ? 0 : 1 };
}

/** An item after a state change (null when deleted). */
export function applyState(item: Notification, state: UpdateState, at: string): Notification | null {
  switch (state) {
    case "read":
      return item.isRead ? item : { ...item, isRead: true, readAt: at };
    case "archived":
      return { ...item, archived: true, archivedAt: item.archivedAt ?? at };
    case "unarchived":
      return { ...item, archived: false, archivedAt: null };
    case "snoozed":
      return { ...item, snoozed: true, snoozedUntil: item.snoozedUntil ?? "" };
    case "unsnoozed":
      return { ...item, snoozed: false, snoozedUntil: null };
    case "deleted":
      return null;
  }
}

/** Whether a change can bring items this tab does not have into its view (another tab archived what this one lists as archived...). */
function stateAddsToView(state: UpdateState, filter: InboxFilter): boolean {
  switch (state) {
    case "archived":
      return filter.view === "archived";
    case "snoozed":
      return filter.view === "snoozed";
    case "unarchived":
    case "unsnoozed":
      return filter.view === "inbox" || filter.view === "unread_first";
    default:
      return false;
  }
}

const message = (error: unknown) => String((error as Error)?.message ?? error);
const clamp = (n: number) => Math.max(0, n);
/** Pages of a view followed when they come back empty with a cursor (a sparse filter or search), before asking the user. */
const emptyPagesFollowed = 4;

/**
 * The notification center's state: the list of the current view (cursor paging), the unread and unseen counts, and the
 * realtime messages applied to both. Every action updates at once and rolls back when the API refuses. A gap in seq or
 * a reconnect reads afterSeq: realtime is a hint, the inbox is the truth.
 */
export class InboxStore {
  private state: InboxState = {
    items: [], unreadCount: 0, unseenCount: 0, lastSeq: 0, nextCursor: null, loaded: false, loading: false, filter: emptyFilter, error: null, ranks: {},
  };
  private readonly listeners = new Set<() => void>();
  private recovering: Promise<void> | null = null;
  private recoverAgain = false;
  private generation = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly fetcher: Fetcher) {}

  getState = (): InboxState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private update(patch: Partial<InboxState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  private countsFrom(page: InboxPage): Counts {
    return { unreadCount: page.unreadCount, unseenCount: page.unseenCount ?? this.state.unseenCount };
  }

  /** A page of the view, following empty pages that still have a cursor a few times (a sparse filter or search). */
  private async fetchPage(filter: InboxFilter, cursor: string | null): Promise<InboxPage> {
    let page = await this.fetcher<InboxPage>(listQuery(filter, cursor));
    for (let i = 0; i < emptyPagesFollowed && page.items.length === 0 && page.nextCursor; i++) {
      page = await this.fetcher<InboxPage>(listQuery(filter, page.nextCursor));
    }
    return page;
  }

  /** First page for the current view (also after a filter change). */
  load(): Promise<void> {
    this.loading = this.loadPage();
    return this.loading;
  }

  private async loadPage(): Promise<void> {
    const generation = ++this.generation;
    const filter = this.state.filter;
    this.update({ loading: true, error: null });
    try {
      const page = await this.fetchPage(filter, null);
      if (generation !== this.generation) return;
      this.update({
        items: mergeItems([], page.items, filter, this.state.ranks, false),
        nextCursor: page.nextCursor,
        ...this.countsFrom(page),
        lastSeq: Math.max(this.state.lastSeq, page.seq),
        loaded: true,
        loading: false,
      });
    } catch (error) {
      if (generation === this.generation) this.update({ loading: false, error: message(error) });
    }
  }

  /** The next page by cursor (infinite scroll, "Load more"). */
  async loadMore(): Promise<void> {
    const cursor = this.state.nextCursor;
    if (!cursor || this.state.loading) return;
    const generation = this.generation;
    const filter = this.state.filter;
    this.update({ loading: true });
    try {
      const page = await this.fetchPage(filter, cursor);
      if (generation !== this.generation) return;
      this.update({ items: mergeItems(this.state.items, page.items, filter, this.state.ranks, false), nextCursor: page.nextCursor, ...this.countsFrom(page), loading: false });
    } catch (error) {
      if (generation === this.generation) this.update({ loading: false, error: message(error) });
    }
  }

  /** Merges the view's first page into what is shown: items another tab moved into this view. */
  async refreshHead(): Promise<void> {
    const generation = this.generation;
    const filter = this.state.filter;
    try {
      const page = await this.fetcher<InboxPage>(listQuery(filter, null));
      if (generation !== this.generation) return;
      this.update({ items: mergeItems(this.state.items, page.items, filter, this.state.ranks, false), ...this.countsFrom(page), nextCursor: this.state.nextCursor ?? (this.state.items.length === 0 ? page.nextCursor : null) });
    } catch (error) {
      if (generation === this.generation) this.update({ error: message(error) });
    }
  }

  setFilter(filter: InboxFilter): Promise<void> {
    filter = { ...filter, q: searchText(filter.q) };
    this.update({ filter, items: [], nextCursor: null, loaded: false });
    return this.load();
  }

  /** The bell was opened: everything up to the latest seq this tab knows is seen (POST /seen). */
  async markSeen(): Promise<void> {
    // Opened before the first page arrived: its counts say what there is to see.
    if (!this.state.loaded && this.loading) await this.loading;
    if (this.state.unseenCount === 0) return;
    const upToSeq = this.state.items.reduce((m, i) => Math.max(m, i.seq), this.state.lastSeq);
    const before = this.state.unseenCount;
    this.update({ unseenCount: 0 });
    try {
      const counts = await this.fetcher<CountsChanged>("/v1/notifications/seen", { method: "POST", json: { upToSeq } });
      const at = new Date().toISOString();
      this.update({
        unreadCount: counts.unreadCount,
        unseenCount: counts.unseenCount,
        items: this.state.items.map((i) => (i.seq <= upToSeq && !i.seenAt ? { ...i, seenAt: at } : i)),
      });
    } catch (error) {
      this.update({ unseenCount: before });
      throw error;
    }
  }

  /**
   * One item's change: shown at once (the item changes or leaves the view, the counts move by its share), then sent;
   * when the API refuses, the item and the counts go back (unless the item is gone) and the error is thrown for the caller to show.
   */
  private async changeOne(id: string, change: (item: Notification) => Notification | null, request: () => Promise<unknown>): Promise<void> {
    const before = this.state.items.find((i) => i.id === id);
    let delta: Counts = { unreadCount: 0, unseenCount: 0 };
    if (before) {
      const after = change(before);
      const [was, will] = [countsOf(before), countsOf(after)];
      delta = { unreadCount: will.unreadCount - was.unreadCount, unseenCount: will.unseenCount - was.unseenCount };
      const rest = this.state.items.filter((i) => i.id !== id);
      this.update({
        items: after && matchesFilter(after, this.state.filter, false) ? sortItems([...rest, after], this.state.filter, this.state.ranks) : rest,
        unreadCount: clamp(this.state.unreadCount + delta.unreadCount),
        unseenCount: clamp(this.state.unseenCount + delta.unseenCount),
      });
    }
    try {
      await request();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // Gone on the server (deleted or expired elsewhere): not put back; the view's first page brings the true counts.
        this.update({ items: this.state.items.filter((i) => i.id !== id) });
        void this.refreshHead();
      } else if (before) {
        const rest = this.state.items.filter((i) => i.id !== id);
        this.update({
          items: matchesFilter(before, this.state.filter, false) ? sortItems([...rest, before], this.state.filter, this.state.ranks) : rest,
          unreadCount: clamp(this.state.unreadCount - delta.unreadCount),
          unseenCount: clamp(this.state.unseenCount - delta.unseenCount),
        });
      }
      throw error;
    }
  }

  private path(id: string, action = ""): string {
    return `/v1/notifications/${encodeURIComponent(id)}${action ? `/${action}` : ""}`;
  }

  markRead(id: string): Promise<void> {
    const at = new Date().toISOString();
    return this.changeOne(id, (i) => applyState(i, "read", at), () => this.fetcher<void>(this.path(id, "read"), { method: "PATCH" }));
  }

  archive(id: string): Promise<void> {
    const at = new Date().toISOString();
    return this.changeOne(id, (i) => applyState(i, "archived", at), () => this.fetcher<void>(this.path(id, "archive"), { method: "POST" }));
  }

  unarchive(id: string): Promise<void> {
    return this.changeOne(id, (i) => applyState(i, "unarchived", ""), () => this.fetcher<void>(this.path(id, "unarchive"), { method: "POST" }));
  }

  snooze(id: string, until: Date): Promise<void> {
    const iso = until.toISOString();
    return this.changeOne(id, (i) => ({ ...i, snoozed: true, snoozedUntil: iso }), () => this.fetcher<void>(this.path(id, "snooze"), { method: "POST", json: { until: iso } }));
  }

  unsnooze(id: string): Promise<void> {
    return this.changeOne(id, (i) => applyState(i, "unsnoozed", ""), () => this.fetcher<void>(this.path(id, "unsnooze"), { method: "POST" }));
  }

  remove(id: string): Promise<void> {
    return this.changeOne(id, () => null, () => this.fetcher<void>(this.path(id), { method: "DELETE" }));
  }

  /** Everything read (POST /mark-all-read, again while it answers more: each call is bounded). */
  async markAllRead(): Promise<number> {
    this.applyToItems(this.state.items.map((i) => i.id), "read");
    this.update({ unreadCount: 0 });
    return this.repeatWhileMore(() => this.fetcher<{ updated: number; more?: boolean }>("/v1/notifications/mark-all-read", { method: "POST" }), false);
  }

  /** Archive, delete or read everything the view's filter matches (POST /bulk, again while more), then reads the view again. */
  async bulk(action: Exclude<BulkAction, "read">): Promise<number> {
    const filter = this.state.filter;
    if (!bulkAvailable(filter, action)) throw new Error(`"${action} all" is not available in this view.`);
    const removed = this.state.items.reduce((c, i) => ({ unreadCount: c.unreadCount + countsOf(i).unreadCount, unseenCount: c.unseenCount + countsOf(i).unseenCount }), { unreadCount: 0, unseenCount: 0 });
    this.update({ items: [], nextCursor: null, unreadCount: clamp(this.state.unreadCount - removed.unreadCount), unseenCount: clamp(this.state.unseenCount - removed.unseenCount) });
    return this.repeatWhileMore(() => this.fetcher<{ updated: number; more?: boolean }>("/v1/notifications/bulk", { method: "POST", json: { action, filter: bulkFilter(filter) } }), true);
  }

  /**
   * Calls a bounded bulk endpoint until it has nothing more. On failure the view is read again, which undoes what the
   * screen showed but did not happen (a bulk call may have done part); after a bulk that emptied the view, it is read again too.
   */
  private async repeatWhileMore(call: () => Promise<{ updated: number; more?: boolean }>, reloadAfter: boolean): Promise<number> {
    let updated = 0;
    try {
      for (let i = 0; i < 1_000; i++) {
        const result = await call();
        updated += result?.updated ?? 0;
        if (!result?.more) break;
      }
    } catch (error) {
      await this.load();
      throw error;
    }
    if (reloadAfter) await this.load();
    return updated;
  }

  /** The highest sort position, for an item that moves to the top without a new seq. */
  private topRank(): number {
    return Math.max(this.state.lastSeq, ...this.state.items.map((i) => this.state.ranks[i.id] ?? i.seq)) + 0.001;
  }

  /**
   * notificationCreated: shown at once; a seq beyond lastSeq + 1 means pushes were lost, so read what is missing.
   * An old seq is an item coming back (a snoozed item waking up): it replaces any copy and goes to the top. Its counts
   * arrive in countsChanged, so only new seqs add to them here.
   */
  onCreated(item: Notification): void {
    const isNew = item.seq > this.state.lastSeq;
    const gap = item.seq > this.state.lastSeq + 1;
    const known = this.state.items.find((i) => i.id === item.id);
    const woken = !isNew;
    const ranks = woken ? { ...this.state.ranks, [item.id]: this.topRank() } : this.state.ranks;
    const share = isNew && !known ? countsOf(item) : { unreadCount: 0, unseenCount: 0 };
    this.update({
      ranks,
      items: mergeItems(this.state.items, [item], this.state.filter, ranks),
      unreadCount: this.state.unreadCount + share.unreadCount,
      unseenCount: this.state.unseenCount + share.unseenCount,
      lastSeq: gap ? this.state.lastSeq : Math.max(this.state.lastSeq, item.seq),
    });
    if (gap && this.state.loaded) void this.recover();
  }

  /** unreadCountChanged {unreadCount, seq} (older servers and clients): the count is authoritative; a newer seq means items we have not seen. */
  onUnreadCount(message: { unreadCount: number; seq: number }): void {
    this.update({ unreadCount: message.unreadCount });
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  /** countsChanged {unreadCount, unseenCount, seq}: both counts are authoritative. */
  onCounts(message: CountsChanged): void {
    this.update({ unreadCount: message.unreadCount, unseenCount: message.unseenCount });
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  /** notificationsRead {ids, unreadCount, seq} from this or another tab or device. */
  onRead(message: { ids: string[]; unreadCount: number; seq: number }): void {
    this.applyToItems(message.ids, "read");
    this.update({ unreadCount: message.unreadCount });
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  /** notificationsUpdated {ids, state, counts, seq}: applies the change to the view; items it brings into this view are read from the API. */
  onUpdated(message: NotificationsUpdated): void {
    const missing = this.applyToItems(message.ids, message.state);
    this.update({ unreadCount: message.counts.unreadCount, unseenCount: message.counts.unseenCount });
    // A re-snooze moves the time, which the message does not carry.
    const resnoozed = message.state === "snoozed" && this.state.filter.view === "snoozed";
    if (this.state.loaded && ((missing && stateAddsToView(message.state, this.state.filter)) || resnoozed)) void this.refreshHead();
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  /** Applies a state to the listed items; true when some ids are not listed here. */
  private applyToItems(ids: string[], state: UpdateState): boolean {
    const set = new Set(ids);
    const at = new Date().toISOString();
    const items = this.state.items.flatMap((i) => {
      if (!set.has(i.id)) return [i];
      set.delete(i.id);
      const next = applyState(i, state, at);
      return next && matchesFilter(next, this.state.filter, false) ? [next] : [];
    });
    this.update({ items: sortItems(items, this.state.filter, this.state.ranks) });
    return set.size > 0;
  }

  /**
   * After a (re)connect: what was delivered meanwhile (afterSeq), then the view's first page, because pushes missed while
   * away also changed items this tab already had: a snoozed item woke up (it keeps its old seq), another tab archived one.
   */
  async resync(): Promise<void> {
    await this.recover();
    await this.refreshHead();
  }

  /** Reads everything after lastSeq, oldest first, page by page; concurrent calls coalesce into one more pass. */
  recover(): Promise<void> {
    if (this.recovering) {
      this.recoverAgain = true;
      return this.recovering;
    }
    this.recovering = (async () => {
      try {
        do {
          this.recoverAgain = false;
          let path: string | null = `/v1/notifications?afterSeq=${this.state.lastSeq}&limit=100`;
          while (path) {
            const page: InboxPage = await this.fetcher<InboxPage>(path);
            const maxSeq = page.items.reduce((m, i) => Math.max(m, i.seq), this.state.lastSeq);
            this.update({
              items: mergeItems(this.state.items, page.items, this.state.filter, this.state.ranks),
              ...this.countsFrom(page),
              lastSeq: page.nextCursor ? maxSeq : Math.max(maxSeq, page.seq),
            });
            path = page.nextCursor ? `/v1/notifications?cursor=${encodeURIComponent(page.nextCursor)}&limit=100` : null;
          }
        } while (this.recoverAgain);
      } catch (error) {
        this.update({ error: message(error) });
      } finally {
        this.recovering = null;
      }
    })();
    return this.recovering;
  }
}
