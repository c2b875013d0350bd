import { describe, expect, it } from "vitest";
import { deepLink, emptyFilter, InboxStore, listQuery, mergeItems, type InboxPage, type Notification } from "./inbox";
import type { Fetcher, RequestOptions } from "./api";

function item(seq: number, patch: Partial<Notification> = {}): Notification {
  return {
    id: String(seq), seq, eventId: `evt_${seq}`, type: "task.assigned", title: `n${seq}`, body: "", priority: "normal", channel: "web",
    data: null, isRead: false, readAt: null, createdAt: new Date().toISOString(), expiresAt: new Date().toISOString(), ...patch,
  };
}

/** An inbox on the server side of a fake fetcher: answers list, afterSeq and mark calls like the API. */
function server(initial: Notification[]) {
  const all = [...initial];
  const calls: string[] = [];
  const fetcher: Fetcher = async <T,>(path: string, options: RequestOptions = {}) => {
    calls.push(`${options.method ?? "GET"} ${path}`);
    const url = new URL(path, "http://x");
    const seq = Math.max(0, ...all.map((n) => n.seq));
    const unread = all.filter((n) => !n.isRead).length;
    if (url.pathname.endsWith("/read")) {
      const id = url.pathname.split("/")[3];
      all.forEach((n) => n.id === id && (n.isRead = true));
      return undefined as T;
    }
    if (url.pathname.endsWith("/mark-all-read")) {
      all.forEach((n) => (n.isRead = true));
      return { updated: unread } as T;
    }
    const after = url.searchParams.get("afterSeq");
    const items = after !== null ? all.filter((n) => n.seq > Number(after)).sort((a, b) => a.seq - b.seq) : [...all].sort((a, b) => b.seq - a.seq).slice(0, 20);
    return { items, nextCursor: null, unreadCount: unread, seq } satisfies InboxPage as T;
  };
  return { all, calls, fetcher };
}

describe("inbox store", () => {
  it("lists newest first and counts unread from the first page", async () => {
    const s = server([item(1), item(2, { isRead: true }), item(3)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    expect(store.getState().items.map((i) => i.seq)).toEqual([3, 2, 1]);
    expect(store.getState().unreadCount).toBe(2);
    expect(store.getState().lastSeq).toBe(3);
  });

  it("shows a pushed notification once even when it arrives twice", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    store.onCreated(item(2));
    store.onCreated(item(2));
    expect(store.getState().items.map((i) => i.seq)).toEqual([2, 1]);
    expect(store.getState().unreadCount).toBe(2);
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
    expect(store.getState().items.map((i) => i.seq)).toEqual([3, 2, 1]);
    expect(store.getState().lastSeq).toBe(3);
  });

  it("recovers on an unread count whose seq is ahead of what it has seen", async () => {
    const s = server([item(1)]);
    const store = new InboxStore(s.fetcher);
    await store.load();
    s.all.push(item(2));
    store.onUnreadCount({ unreadCount: 2, seq: 2 });
    await store.recover();
    expect(store.getState().items.map((i) => i.seq)).toEqual([2, 1]);
  });

  it("applies notificationsRead from another tab to the list and the badge", async () => {
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

  it("drops read items from an unread-only view and sends the filter to the API", async () => {
    const s = server([item(1), item(2)]);
    const store = new InboxStore(s.fetcher);
    await store.setFilter({ unreadOnly: true, type: "task.assigned", priority: "high" });
    expect(s.calls.at(-1)).toBe("GET /v1/notifications?limit=20&unread=true&type=task.assigned&priority=high");
    await store.setFilter({ ...emptyFilter, unreadOnly: true });
    store.onRead({ ids: ["1"], unreadCount: 1, seq: 2 });
    expect(store.getState().items.map((i) => i.seq)).toEqual([2]);
  });
});

describe("inbox helpers", () => {
  it("keeps one item per seq, newest first", () => {
    expect(mergeItems([item(1), item(3)], [item(2), item(3, { title: "new" })], emptyFilter).map((i) => [i.seq, i.title])).toEqual([
      [3, "new"],
      [2, "n2"],
      [1, "n1"],
    ]);
  });

  it("pages by cursor with the same filter", () => {
    expect(listQuery({ unreadOnly: false, type: "", priority: "critical" }, "abc/=")).toBe("/v1/notifications?limit=20&priority=critical&cursor=abc%2F%3D");
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
