import { describe, expect, it } from "vitest";
import {
  bulkAvailable, bulkFilter, deepLink, emptyFilter, foldText, InboxStore, listQuery, localInputValue, matchesQuery, mergeItems, searchText, snoozePresets, snoozeProblem,
  type InboxFilter, type InboxPage, type Notification,
} from "./inbox";
import { ApiError, type Fetcher, type RequestOptions } from "./api";

function item(seq: number, patch: Partial<Notification> = {}): Notification {
  return {
    id: String(seq), seq, eventId: `evt_${seq}`, type: "task.assigned", title: `n${seq}`, body: "", priority: "normal", channel: "web",
    data: null, isRead: false, readAt: null, createdAt: new Date().toISOString(), expiresAt: new Date().toISOString(),
    archived: false, archivedAt: null, seenAt: null, snoozedUntil: null, ...patch,
  };
}

const filter = (patch: Partial<InboxFilter>): InboxFilter => ({ ...emptyFilter, ...patch });

/**
 * An inbox on the server side of a fake fetcher, answering like the API of issue 16: the list with its views and
 * filters, afterSeq, the per-item state routes, seen, mark-all-read and bulk (both bounded by `batch`, answering more).
 * `fail` makes the next matching call answer an API error.
 */
function server(initial: Notification[], options: { batch?: number; pageSize?: number } = {}) {
  const all = [...initial];
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const failures: { match: RegExp; error: ApiError }[] = [];
  let seenUpTo = 0;
  const counted = (n: Notification) => !n.archived && !n.snoozedUntil;
  const counts = () => ({
    unreadCount: all.filter((n) => counted(n) && !n.isRead).length,
    unseenCount: all.filter((n) => counted(n) && n.seq > seenUpTo).length,
  });
  const seq = () => Math.max(0, ...all.map((n) => n.seq));
  const fetcher: Fetcher = async <T,>(path: string, options_: RequestOptions = {}) => {
    const call = `${options_.method ?? "GET"} ${path}`;
    calls.push(call);
    bodies.push(options_.json);
    const failure = failures.findIndex((f) => f.match.test(call));
    if (failure >= 0) throw failures.splice(failure, 1)[0].error;
    const url = new URL(path, "http://x");
    const [, , , id, action] = url.pathname.split("/");
    const find = () => all.find((n) => n.id === id)!;
    if (action === "read") return (find().isRead = true, undefined) as T;
    if (action === "archive") return (Object.assign(find(), { archived: true, archivedAt: "2026-01-01T00:00:00Z" }), undefined) as T;
    if (action === "unarchive") return (Object.assign(find(), { archived: false, archivedAt: null }), undefined) as T;
    if (action === "snooze") return (Object.assign(find(), { snoozedUntil: (options_.json as { until: string }).until }), undefined) as T;
    if (action === "unsnooze") return (Object.assign(find(), { snoozedUntil: null }), undefined) as T;
    if (options_.method === "DELETE") return (all.splice(all.indexOf(find()), 1), undefined) as T;
    if (id === "seen") {
      seenUpTo = Math.max(seenUpTo, (options_.json as { upToSeq: number }).upToSeq);
      return { ...counts(), seq: seq() } as T;
    }
    if (id === "mark-all-read" || id === "bulk") {
      const body = (options_.json ?? { action: "read", filter: {} }) as { action: string; filter: Record<string, unknown> };
      const matching = all.filter((n) => !n.snoozedUntil && Boolean(n.archived) === Boolean(body.filter.archived) && (!body.filter.priority || n.priority === body.filter.priority) && (body.action !== "read" || !n.isRead));
      const batch = matching.slice(0, options.batch ?? 1000);
      for (const n of batch) {
        if (body.action === "read") n.isRead = true;
        if (body.action === "archive") n.archived = true;
        if (body.action === "delete") all.splice(all.indexOf(n), 1);
      }
      return { updated: batch.length, more: matching.length > batch.length } as T;
    }
    const after = url.searchParams.get("afterSeq");
    const q = url.searchParams.get("q");
    let items: Notification[];
    if (after !== null) {
      items = all.filter((n) => n.seq > Number(after)).sort((a, b) => a.seq - b.seq);
    } else {
      const p = url.searchParams;
      items = all
        .filter((n) => (p.get("archived") === "true" ? n.archived : p.get("snoozed") === "true" ? !!n.snoozedUntil && !n.archived : !n.archived && !n.snoozedUntil))
        .filter((n) => (p.get("unread") !== "true" || !n.isRead) && (!p.get("priority") || n.priority === p.get("priority")) && (!q || matchesQuery(n, q)))
        .sort((a, b) => (p.get("order") === "unread_first" && a.isRead !== b.isRead ? (a.isRead ? 1 : -1) : b.seq - a.seq));
    }
    const size = options.pageSize ?? 20;
    const start = Number(url.searchParams.get("cursor") ?? 0);
    const page = items.slice(start, start + size);
    return { items: page.map((n) => ({ ...n })), nextCursor: start + size < items.length ? String(start + size) : null, ...counts(), seq: seq() } satisfies InboxPage as T;
  };
  return {
    all, calls, bodies, fetcher,
    fail: (match: RegExp, status = 409, code = "CONFLICT", message = "It changed.") => failures.push({ match, error: new ApiError(status, code, message) }),
  };
}

const seqs = (store: InboxStore) => store.getState().items.map((i) => i.seq);

describe("inbox store", () => {
  it("lists newest first and counts unread and unseen from the first page", async () => {
    const s = server([item(1), item(2, { isRead: true }), item(3)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    expect(seqs(store)).toEqual([3, 2, 1]);
    expect(store.getState().unreadCount).toBe(2);
    expect(store.getState().unseenCount).toBe(3);
    expect(store.getState().lastSeq).toBe(3);
  });

  it("shows a pushed notification once even when it arrives twice", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onCreated(item(2));
    store.onCreated(item(2));
    expect(seqs(store)).toEqual([2, 1]);
    expect(store.getState().unreadCount).toBe(2);
    expect(store.getState().unseenCount).toBe(2);
    expect(s.calls.filter((c) => c.includes("afterSeq"))).toHaveLength(0);
  });

  it("reads afterSeq when a push skips a seq, and fills the hole", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.all.push(item(2), item(3));
    store.onCreated(item(3));
    await store.recover();
    expect(s.calls).toContain("GET /v1/notifications?afterSeq=1&limit=100");
    expect(seqs(store)).toEqual([3, 2, 1]);
    expect(store.getState().lastSeq).toBe(3);
  });

  it("recovers on an unread count whose seq is ahead of what it has seen", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.all.push(item(2));
    store.onUnreadCount({ unreadCount: 2, seq: 2 });
    await store.recover();
    expect(seqs(store)).toEqual([2, 1]);
  });

  it("applies notificationsRead from another tab to the list and the counts", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onRead({ ids: ["2"], unreadCount: 1, seq: 2 });
    expect(store.getState().items.find((i) => i.seq === 2)!.isRead).toBe(true);
    expect(store.getState().unreadCount).toBe(1);
  });

  it("marks one read with PATCH and all read with POST, updating the count at once", async () => {
    const s = server([item(1), item(2), item(3)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    await store.markRead("2");
    expect(s.calls).toContain("PATCH /v1/notifications/2/read");
    expect(store.getState().unreadCount).toBe(2);
    await store.markAllRead();
    expect(s.calls).toContain("POST /v1/notifications/mark-all-read");
    expect(store.getState().unreadCount).toBe(0);
    expect(store.getState().items.every((i) => i.isRead)).toBe(true);
  });

  it("calls mark-all-read again while it answers more", async () => {
    const s = server([1, 2, 3, 4, 5].map((n) => item(n)), { batch: 2 });
    const store = new InboxStore(s.fetcher);
    await store.load();
    expect(await store.markAllRead()).toBe(5);
    expect(s.calls.filter((c) => c === "POST /v1/notifications/mark-all-read")).toHaveLength(3);
    expect(s.all.every((n) => n.isRead)).toBe(true);
  });

  it("drops read items from an unread-only view and sends the filter to the API", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ unreadOnly: true, type: "task.assigned", priority: "high", channel: "email" }));
    expect(s.calls.at(-1)).toBe("GET /v1/notifications?limit=20&unread=true&type=task.assigned&priority=high&channel=email");
    await store.setFilter(filter({ unreadOnly: true }));
    store.onRead({ ids: ["1"], unreadCount: 1, seq: 2 });
    expect(seqs(store)).toEqual([2]);
  });
});

describe("seen", () => {
  it("opening the bell sends the latest seq to POST /seen and clears the unseen badge, not unread", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.all.push(item(3));
    store.onCreated(item(3));
    await store.markSeen();
    expect(s.calls.at(-1)).toBe("POST /v1/notifications/seen");
    expect(s.bodies.at(-1)).toEqual({ upToSeq: 3 });
    expect(store.getState().unseenCount).toBe(0);
    expect(store.getState().unreadCount).toBe(3);
    expect(store.getState().items.every((i) => i.seenAt)).toBe(true);
    await store.markSeen(); // nothing unseen: no call
    expect(s.calls.filter((c) => c.includes("/seen"))).toHaveLength(1);
  });

  it("opened before the first page arrived, it waits for the page and sees what it counted", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    const loading = store.load();
    await store.markSeen();
    await loading;
    expect(s.bodies.at(-1)).toEqual({ upToSeq: 2 });
    expect(store.getState().unseenCount).toBe(0);
  });

  it("puts the badge back when POST /seen fails", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.fail(/\/seen/, 503, "STORAGE_UNAVAILABLE", "Try again.");
    await expect(store.markSeen()).rejects.toThrow("Try again.");
    expect(store.getState().unseenCount).toBe(1);
  });

  it("takes both counts from countsChanged and still from unreadCountChanged", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onCounts({ unreadCount: 1, unseenCount: 0, seq: 2 });
    expect(store.getState()).toMatchObject({ unreadCount: 1, unseenCount: 0 });
    store.onUnreadCount({ unreadCount: 2, seq: 2 });
    expect(store.getState()).toMatchObject({ unreadCount: 2, unseenCount: 0 });
  });
});

describe("views, search and paging", () => {
  it("sends each view's query; search combines with views but falls back to newest first instead of unread first", () => {
    expect(listQuery(filter({ view: "archived" }), null)).toBe("/v1/notifications?limit=20&archived=true");
    expect(listQuery(filter({ view: "snoozed" }), null)).toBe("/v1/notifications?limit=20&snoozed=true");
    expect(listQuery(filter({ view: "unread_first" }), null)).toBe("/v1/notifications?limit=20&order=unread_first");
    expect(listQuery(filter({ view: "unread_first", q: "café" }), null)).toBe("/v1/notifications?limit=20&q=caf%C3%A9");
    expect(listQuery(filter({ view: "archived", q: "x" }), "c")).toBe("/v1/notifications?limit=20&archived=true&q=x&cursor=c");
  });

  it("lists unread first, keeps that order when pages arrive, and puts a new one at the top", async () => {
    const s = server([item(1), item(2, { isRead: true }), item(3), item(4, { isRead: true }), item(5)], { pageSize: 2 });
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ view: "unread_first" }));
    expect(seqs(store)).toEqual([5, 3]);
    await store.loadMore();
    await store.loadMore();
    expect(seqs(store)).toEqual([5, 3, 1, 4, 2]);
    store.onCreated(item(6));
    expect(seqs(store)).toEqual([6, 5, 3, 1, 4, 2]);
  });

  it("follows empty pages that still have a cursor, and stops at the end", async () => {
    const s = server([item(1, { title: "Réunion annulée" }), ...[2, 3, 4, 5, 6, 7].map((n) => item(n))], { pageSize: 2 });
    const store = new InboxStore(s.fetcher);
    // The fake filters before paging, so make it answer empty pages with cursors like a sparse window would.
    const sparse: Fetcher = async <T,>(path: string, o?: RequestOptions) => {
      const url = new URL(path, "http://x");
      if (!url.searchParams.has("q")) return s.fetcher<T>(path, o);
      const cursor = Number(url.searchParams.get("cursor") ?? 0);
      s.calls.push(`GET ${path}`);
      return { items: cursor === 3 ? [{ ...s.all[0] }] : [], nextCursor: cursor < 3 ? String(cursor + 1) : null, unreadCount: 7, seq: 7 } as T;
    };
    const searching = new InboxStore(sparse);
    await searching.setFilter(filter({ q: "reunion" }));
    expect(seqs(searching)).toEqual([1]);
    expect(searching.getState().nextCursor).toBeNull();
    expect(s.calls.filter((c) => c.includes("q=reunion"))).toHaveLength(4);
    await store.load();
    expect(store.getState().nextCursor).toBe("2");
  });

  it("shows a pushed item in a search only when its words match, accents and case aside", async () => {
    const s = server([item(1, { title: "Réunion" })]);
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ q: "reunion" }));
    expect(seqs(store)).toEqual([1]);
    store.onCreated(item(2, { title: "Other", body: "nothing" }));
    store.onCreated(item(3, { title: "Nouvelle RÉUNION", body: "salle B" }));
    expect(seqs(store)).toEqual([3, 1]);
    expect(foldText("Ça Été")).toBe("ca ete");
    expect(searchText("  café  ")).toBe("café");
    expect(searchText(" ?! ")).toBe(""); // the API refuses a q without a letter or digit: no search instead
    expect(searchText("x".repeat(250))).toHaveLength(200);
    expect(matchesQuery(item(9, { title: "Crème brûlée", body: "dessert" }), "BRULEE creme")).toBe(true);
    expect(matchesQuery(item(9, { title: "Crème", body: "" }), "creme tart")).toBe(false);
  });
});

describe("per-item states", () => {
  it("archives: gone from the inbox at once and from the counts, listed in Archived, back with unarchive", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    await store.archive("2");
    expect(s.calls).toContain("POST /v1/notifications/2/archive");
    expect(seqs(store)).toEqual([1]);
    expect(store.getState()).toMatchObject({ unreadCount: 1, unseenCount: 1 });
    await store.setFilter(filter({ view: "archived" }));
    expect(seqs(store)).toEqual([2]);
    expect(store.getState().items[0].archived).toBe(true);
    await store.unarchive("2");
    expect(s.calls).toContain("POST /v1/notifications/2/unarchive");
    expect(seqs(store)).toEqual([]);
    expect(store.getState().unreadCount).toBe(2);
  });

  it("rolls an archive back when the API refuses, and throws its {code, message}", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.fail(/2\/archive/, 503, "INBOX_BUSY", "The inbox is busy.");
    const error = await store.archive("2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("INBOX_BUSY");
    expect(seqs(store)).toEqual([2, 1]);
    expect(store.getState().unreadCount).toBe(2);
  });

  it("after a reconnect brings back an item that woke from a snooze meanwhile, at the top with the true counts", async () => {
    const s = server([item(1), item(2, { isRead: true }), item(3)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    await store.snooze("1", new Date(Date.now() + 3_600_000));
    expect(seqs(store)).toEqual([3, 2]);
    // While the tab was away the timer woke it: same seq, so afterSeq alone would never return it.
    Object.assign(s.all.find((n) => n.id === "1")!, { snoozedUntil: null, isRead: false });
    await store.resync();
    expect(seqs(store)).toContain(1);
    expect(store.getState().unreadCount).toBe(2);
  });

  it("does not put back an item the server no longer has (404), and reads the true counts", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.all.splice(0, 1); // deleted elsewhere, the push missed
    s.fail(/1\/unarchive/, 404, "NOTIFICATION_NOT_FOUND", "Notification not found.");
    await expect(store.unarchive("1")).rejects.toThrow("Notification not found.");
    expect(seqs(store)).toEqual([2]);
    await store.refreshHead();
    expect(store.getState().unreadCount).toBe(1);
  });

  it("rolls back mark read and delete on errors", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.fail(/PATCH/);
    await expect(store.markRead("1")).rejects.toThrow();
    expect(store.getState().items.find((i) => i.id === "1")!.isRead).toBe(false);
    expect(store.getState().unreadCount).toBe(2);
    s.fail(/DELETE/);
    await expect(store.remove("1")).rejects.toThrow();
    expect(seqs(store)).toEqual([2, 1]);
    await store.remove("1");
    expect(seqs(store)).toEqual([2]);
    expect(store.getState().unreadCount).toBe(1);
  });

  it("snoozes with the chosen time, lists it as snoozed, and unsnoozes it back into the inbox", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    const until = new Date(Date.now() + 3600_000);
    await store.snooze("1", until);
    expect(s.calls).toContain("POST /v1/notifications/1/snooze");
    expect(s.bodies.at(-1)).toEqual({ until: until.toISOString() });
    expect(seqs(store)).toEqual([2]);
    expect(store.getState().unreadCount).toBe(1);
    await store.setFilter(filter({ view: "snoozed" }));
    expect(store.getState().items[0]).toMatchObject({ id: "1", snoozedUntil: until.toISOString() });
    await store.unsnooze("1");
    expect(seqs(store)).toEqual([]);
    expect(store.getState().unreadCount).toBe(2);
    await store.setFilter(emptyFilter);
    expect(seqs(store)).toEqual([2, 1]);
  });

  it("rolls a snooze back when the API refuses it", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.fail(/snooze/, 400, "VALIDATION_ERROR", "'until' must be 1 minute to 30 days ahead.");
    await expect(store.snooze("1", new Date())).rejects.toThrow("30 days");
    expect(seqs(store)).toEqual([1]);
    expect(store.getState().items[0].snoozedUntil).toBeNull();
  });

  it("offers 1 hour, tomorrow 9:00 local and next Monday 9:00 as snooze presets", () => {
    const wednesday = new Date(2026, 11, 2, 22, 30); // Wed 2 Dec 2026, 22:30 local
    const [hour, tomorrow, nextWeek] = snoozePresets(wednesday);
    expect(hour.until.getTime() - wednesday.getTime()).toBe(3600_000);
    expect([tomorrow.until.getDate(), tomorrow.until.getHours(), tomorrow.until.getMinutes()]).toEqual([3, 9, 0]);
    expect([nextWeek.until.getDay(), nextWeek.until.getDate(), nextWeek.until.getHours()]).toEqual([1, 7, 9]);
    const monday = snoozePresets(new Date(2026, 11, 7, 8, 0))[2].until;
    expect(monday.getDate()).toBe(14); // on a Monday, next week is the Monday after
  });

  it("takes a picked snooze time only from 1 minute to 30 days ahead, as the API does", () => {
    const now = new Date(2026, 11, 2, 10, 0);
    expect(snoozeProblem(new Date(now.getTime() + 30_000), now)).toMatch(/1 minute to 30 days/);
    expect(snoozeProblem(new Date(now.getTime() + 31 * 24 * 3600_000), now)).toMatch(/1 minute to 30 days/);
    expect(snoozeProblem(new Date("nonsense"), now)).toBe("Pick a date and time.");
    expect(snoozeProblem(new Date(2026, 11, 3, 9, 0), now)).toBeNull();
    expect(localInputValue(new Date(2026, 0, 5, 7, 3))).toBe("2026-01-05T07:03");
    expect(new Date(localInputValue(new Date(2026, 0, 5, 7, 3))).getTime()).toBe(new Date(2026, 0, 5, 7, 3).getTime()); // read back as local time
  });
});

describe("realtime state changes", () => {
  it("notificationsUpdated removes archived, snoozed and deleted items from the inbox and takes its counts", async () => {
    const s = server([item(1), item(2), item(3), item(4)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onUpdated({ ids: ["4"], state: "archived", counts: { unreadCount: 3, unseenCount: 3 }, seq: 4 });
    store.onUpdated({ ids: ["3"], state: "snoozed", counts: { unreadCount: 2, unseenCount: 2 }, seq: 4 });
    store.onUpdated({ ids: ["2"], state: "deleted", counts: { unreadCount: 1, unseenCount: 1 }, seq: 4 });
    store.onUpdated({ ids: ["1"], state: "read", counts: { unreadCount: 0, unseenCount: 1 }, seq: 4 });
    expect(seqs(store)).toEqual([1]);
    expect(store.getState().items[0].isRead).toBe(true);
    expect(store.getState()).toMatchObject({ unreadCount: 0, unseenCount: 1 });
    expect(s.calls).toHaveLength(1);
  });

  it("reads the view again when another tab moves items into it (archived while this tab shows Archived)", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ view: "archived" }));
    expect(seqs(store)).toEqual([]);
    s.all[1].archived = true;
    store.onUpdated({ ids: ["2"], state: "archived", counts: { unreadCount: 1, unseenCount: 1 }, seq: 2 });
    await store.refreshHead();
    expect(seqs(store)).toEqual([2]);
    store.onUpdated({ ids: ["2"], state: "unarchived", counts: { unreadCount: 2, unseenCount: 2 }, seq: 2 });
    expect(seqs(store)).toEqual([]);
  });

  it("a snoozed item waking up (notificationCreated with its old seq) replaces its copy and moves to the top", async () => {
    const s = server([item(1), item(2, { isRead: true }), item(3)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onCreated(item(2, { title: "woken" }));
    expect(seqs(store)).toEqual([2, 3, 1]);
    expect(store.getState().items[0].title).toBe("woken");
    expect(store.getState().unreadCount).toBe(2); // its count comes with countsChanged
    store.onCounts({ unreadCount: 3, unseenCount: 3, seq: 3 });
    store.onCreated(item(4));
    expect(seqs(store)).toEqual([4, 2, 3, 1]);
    // Not in the list (it was hidden as snoozed): it appears at the top too.
    store.onCreated(item(1, { title: "again" }));
    expect(seqs(store)).toEqual([1, 4, 2, 3]);
  });

  it("a woken item leaves the Snoozed view", async () => {
    const s = server([item(1, { snoozedUntil: new Date(Date.now() + 60_000).toISOString() }), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ view: "snoozed" }));
    expect(seqs(store)).toEqual([1]);
    store.onCreated(item(1));
    expect(seqs(store)).toEqual([]);
  });
});

describe("bulk by filter", () => {
  it("archives everything the filter matches, calling again while more, then reads the view", async () => {
    const s = server([1, 2, 3, 4, 5].map((n) => item(n, { priority: n % 2 ? "high" : "low" })), { batch: 2 });
    const store = new InboxStore(s.fetcher);
    await store.setFilter(filter({ priority: "high" }));
    expect(seqs(store)).toEqual([5, 3, 1]);
    expect(await store.bulk("archive")).toBe(3);
    expect(s.calls.filter((c) => c === "POST /v1/notifications/bulk")).toHaveLength(2);
    expect(s.bodies.find((b) => (b as { action?: string })?.action)).toEqual({ action: "archive", filter: { priority: "high" } });
    expect(seqs(store)).toEqual([]);
    await store.setFilter(emptyFilter);
    expect(seqs(store)).toEqual([4, 2]);
  });

  it("deletes all archived with archived: true, and is not offered for searches or the snoozed view", () => {
    expect(bulkFilter(filter({ view: "archived", type: "t", unreadOnly: true }))).toEqual({ type: "t", unread: true, archived: true });
    expect(bulkAvailable(filter({ view: "archived" }), "delete")).toBe(true);
    expect(bulkAvailable(filter({ view: "archived" }), "archive")).toBe(false);
    expect(bulkAvailable(filter({ view: "snoozed" }), "delete")).toBe(false);
    expect(bulkAvailable(filter({ q: "x" }), "archive")).toBe(false);
    expect(bulkAvailable(filter({ view: "unread_first" }), "archive")).toBe(true);
  });

  it("reads the view again when a bulk call fails halfway, and throws", async () => {
    const s = server([1, 2, 3].map((n) => item(n)), { batch: 1 });
    let calls = 0;
    const flaky: Fetcher = async <T,>(path: string, o?: RequestOptions) => {
      if (path.endsWith("/bulk") && ++calls === 2) throw new ApiError(503, "INBOX_BUSY", "Busy.");
      return s.fetcher<T>(path, o);
    };
    const flakyStore = new InboxStore(flaky);
    await flakyStore.load();
    await expect(flakyStore.bulk("delete")).rejects.toThrow("Busy.");
    // The first call deleted one; the view read again shows what is left.
    expect(seqs(flakyStore)).toEqual([3, 2]);
  });
});

describe("inbox helpers", () => {
  it("keeps one item per id, newest first", () => {
    expect(mergeItems([item(1), item(3)], [item(2), item(3, { title: "new" })], emptyFilter).map((i) => [i.seq, i.title])).toEqual([
      [3, "new"],
      [2, "n2"],
      [1, "n1"],
    ]);
  });

  it("pages by cursor with the same filter", () => {
    expect(listQuery(filter({ priority: "critical" }), "abc/=")).toBe("/v1/notifications?limit=20&priority=critical&cursor=abc%2F%3D");
  });

  it("links only to http(s) URLs and same-origin paths", () => {
    expect(deepLink(item(1, { data: { url: "/rooms/r1" } }))).toBe("/rooms/r1");
    expect(deepLink(item(1, { data: { url: "https://crm.example/x" } }))).toBe("https://crm.example/x");
    expect(deepLink(item(1, { data: { url: "javascript:alert(1)" } }))).toBeNull();
    expect(deepLink(item(1, { data: { url: "//evil.example" } }))).toBeNull();
    expect(deepLink(item(1, { data: { url: 42 } }))).toBeNull();
    expect(deepLink(item(1))).toBeNull();
  });
});
