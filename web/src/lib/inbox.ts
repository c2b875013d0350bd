import type { Fetcher } from "./api";

export type Priority = "low" | "normal" | "high" | "critical";

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
}

export interface InboxPage {
  items: Notification[];
  nextCursor: string | null;
  unreadCount: number;
  seq: number;
}

export interface InboxFilter {
  unreadOnly: boolean;
  type: string;
  priority: "" | Priority;
}

export interface InboxState {
  /** Newest first, one per seq, only those matching the filter. */
  items: Notification[];
  unreadCount: number;
  /** Every seq up to this one has been seen (listed or recovered): the afterSeq cursor. */
  lastSeq: number;
  nextCursor: string | null;
  loaded: boolean;
  loading: boolean;
  filter: InboxFilter;
  error: string | null;
}

export const emptyFilter: InboxFilter = { unreadOnly: false, type: "", priority: "" };

export function matchesFilter(item: Notification, filter: InboxFilter): boolean {
  return (!filter.unreadOnly || !item.isRead) && (!filter.type || item.type === filter.type) && (!filter.priority || item.priority === filter.priority);
}

/** Adds or replaces items by seq, drops what the filter excludes, newest first. */
export function mergeItems(items: Notification[], incoming: Notification[], filter: InboxFilter): Notification[] {
  const bySeq = new Map(items.map((i) => [i.seq, i]));
  for (const item of incoming) {
    bySeq.set(item.seq, item);
  }
  return [...bySeq.values()].filter((i) => matchesFilter(i, filter)).sort((a, b) => b.seq - a.seq);
}

/** The list query for the current filter. */
export function listQuery(filter: InboxFilter, cursor: string | null, limit = 20): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filter.unreadOnly) query.set("unread", "true");
  if (filter.type) query.set("type", filter.type);
  if (filter.priority) query.set("priority", filter.priority);
  if (cursor) query.set("cursor", cursor);
  return `/v1/notifications?${query}`;
}

/** A link from data.url, only when it is http(s) or a same-origin path (never javascript: or a protocol-relative URL). */
export function deepLink(item: Notification): string | null {
  const url = item.data && typeof item.data.url === "string" ? item.data.url.trim() : "";
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  return /^https?:\/\//i.test(url) ? url : null;
}

/**
 * The notification center's state: the list (newest first, cursor paging), the unread count, and the realtime
 * messages applied to both. A gap in seq or a reconnect reads afterSeq: realtime is a hint, the inbox is the truth.
 */
export class InboxStore {
  private state: InboxState = { items: [], unreadCount: 0, lastSeq: 0, nextCursor: null, loaded: false, loading: false, filter: emptyFilter, error: null };
  private readonly listeners = new Set<() => void>();
  private recovering: Promise<void> | null = null;
  private recoverAgain = false;
  private generation = 0;

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

  /** First page for the current filter (also after a filter change). */
  async load(): Promise<void> {
    const generation = ++this.generation;
    this.update({ loading: true, error: null });
    try {
      const page = await this.fetcher<InboxPage>(listQuery(this.state.filter, null));
      if (generation !== this.generation) return;
      this.update({
        items: mergeItems([], page.items, this.state.filter),
        nextCursor: page.nextCursor,
        unreadCount: page.unreadCount,
        lastSeq: Math.max(this.state.lastSeq, page.seq),
        loaded: true,
        loading: false,
      });
    } catch (error) {
      if (generation === this.generation) this.update({ loading: false, error: String((error as Error).message ?? error) });
    }
  }

  /** The next page by cursor (infinite scroll). */
  async loadMore(): Promise<void> {
    const cursor = this.state.nextCursor;
    if (!cursor || this.state.loading) return;
    const generation = this.generation;
    this.update({ loading: true });
    try {
      const page = await this.fetcher<InboxPage>(listQuery(this.state.filter, cursor));
      if (generation !== this.generation) return;
      this.update({ items: mergeItems(this.state.items, page.items, this.state.filter), nextCursor: page.nextCursor, unreadCount: page.unreadCount, loading: false });
    } catch (error) {
      if (generation === this.generation) this.update({ loading: false, error: String((error as Error).message ?? error) });
    }
  }

  setFilter(filter: InboxFilter): Promise<void> {
    this.update({ filter, items: [], nextCursor: null });
    return this.load();
  }

  async markRead(id: string): Promise<void> {
    const item = this.state.items.find((i) => i.id === id);
    if (item && !item.isRead) {
      this.applyRead([id], Math.max(0, this.state.unreadCount - 1), null);
    }
    await this.fetcher<void>(`/v1/notifications/${encodeURIComponent(id)}/read`, { method: "PATCH" });
  }

  async markAllRead(): Promise<void> {
    const ids = this.state.items.filter((i) => !i.isRead).map((i) => i.id);
    this.applyRead(ids, 0, null);
    await this.fetcher<{ updated: number }>("/v1/notifications/mark-all-read", { method: "POST" });
  }

  async remove(id: string): Promise<void> {
    await this.fetcher<void>(`/v1/notifications/${encodeURIComponent(id)}`, { method: "DELETE" });
    const item = this.state.items.find((i) => i.id === id);
    this.update({
      items: this.state.items.filter((i) => i.id !== id),
      unreadCount: item && !item.isRead ? Math.max(0, this.state.unreadCount - 1) : this.state.unreadCount,
    });
  }

  /** notificationCreated: shown at once; a seq beyond lastSeq + 1 means pushes were lost, so read what is missing. */
  onCreated(item: Notification): void {
    const gap = item.seq > this.state.lastSeq + 1;
    const known = this.state.items.some((i) => i.seq === item.seq);
    this.update({
      items: mergeItems(this.state.items, [item], this.state.filter),
      unreadCount: known || item.isRead ? this.state.unreadCount : this.state.unreadCount + 1,
      lastSeq: gap ? this.state.lastSeq : Math.max(this.state.lastSeq, item.seq),
    });
    if (gap && this.state.loaded) void this.recover();
  }

  /** unreadCountChanged {unreadCount, seq}: the count is authoritative; a newer seq means items we have not seen. */
  onUnreadCount(message: { unreadCount: number; seq: number }): void {
    this.update({ unreadCount: message.unreadCount });
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  /** notificationsRead {ids, unreadCount, seq} from this or another tab or device. */
  onRead(message: { ids: string[]; unreadCount: number; seq: number }): void {
    this.applyRead(message.ids, message.unreadCount, new Date().toISOString());
    if (message.seq > this.state.lastSeq && this.state.loaded) void this.recover();
  }

  private applyRead(ids: string[], unreadCount: number, readAt: string | null): void {
    const set = new Set(ids);
    const items = this.state.items.map((i) => (set.has(i.id) && !i.isRead ? { ...i, isRead: true, readAt: readAt ?? new Date().toISOString() } : i));
    this.update({ items: items.filter((i) => matchesFilter(i, this.state.filter)), unreadCount });
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
              items: mergeItems(this.state.items, page.items, this.state.filter),
              unreadCount: page.unreadCount,
              lastSeq: page.nextCursor ? maxSeq : Math.max(maxSeq, page.seq),
            });
            path = page.nextCursor ? `/v1/notifications?cursor=${encodeURIComponent(page.nextCursor)}&limit=100` : null;
          }
        } while (this.recoverAgain);
      } catch (error) {
        this.update({ error: String((error as Error).message ?? error) });
      } finally {
        this.recovering = null;
      }
    })();
    return this.recovering;
  }
}
