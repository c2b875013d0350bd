import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ApiError, type Fetcher } from "../lib/api";
import { InboxStore, type Notification } from "../lib/inbox";
import { Realtime } from "../lib/realtime";
import { ServicesContext, type Services } from "../lib/services";
import type { Room } from "../lib/rooms";
import { Bell } from "./Bell";
import { ConnectionStatus } from "./ConnectionStatus";
import { NotificationCenter } from "./NotificationCenter";
import { Preferences } from "./Preferences";
import { RoomChat } from "./RoomChat";
import { SignIn } from "./SignIn";

function item(seq: number, patch: Partial<Notification> = {}): Notification {
  return {
    id: String(seq), seq, eventId: `e${seq}`, type: "task.assigned", title: `Title ${seq}`, body: `Body ${seq}`, priority: "normal",
    channel: "web", data: null, isRead: false, readAt: null, createdAt: new Date(Date.now() - 5 * 60_000).toISOString(), expiresAt: "", ...patch,
  };
}

function withServices(fetcher: Fetcher, ui: React.ReactNode) {
  const services: Services = { session: { mode: "dev", userId: "alice", tenantId: "t1" }, api: fetcher, inbox: new InboxStore(fetcher), realtime: new Realtime() };
  return { services, ...render(<ServicesContext.Provider value={services}>{ui}</ServicesContext.Provider>) };
}

const page = (items: Notification[], nextCursor: string | null = null) => ({
  items, nextCursor, unreadCount: items.filter((i) => !i.isRead).length, unseenCount: items.filter((i) => !i.seenAt).length, seq: items.length,
});

/** A fetcher that records calls and answers list calls with `list`, everything else with `other` (or throws it). */
function recording(list: (path: string) => unknown, other: (call: string, json: unknown) => unknown = () => undefined) {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const fetcher = (async (path: string, options?: { method?: string; json?: unknown }) => {
    const call = `${options?.method ?? "GET"} ${path}`;
    calls.push(call);
    bodies.push(options?.json);
    if (path.startsWith("/v1/notifications?")) return list(path);
    const answer = other(call, options?.json);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as Fetcher;
  return { calls, bodies, fetcher };
}

describe("notification center", () => {
  it("renders items newest first with the test hooks, priority badges, relative time and deep links", async () => {
    const fetcher = vi.fn(async () => page([item(1, { priority: "critical" }), item(2, { priority: "high", isRead: true, data: { url: "/rooms/r1" } }), item(3)])) as unknown as Fetcher;
    const { services } = withServices(fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    const items = screen.getAllByTestId("notification-item");
    expect(items.map((i) => i.getAttribute("data-seq"))).toEqual(["3", "2", "1"]);
    expect(items.map((i) => i.getAttribute("data-read"))).toEqual(["false", "true", "false"]);
    expect(items[2].getAttribute("data-priority")).toBe("critical");
    expect(items[2].querySelector(".badge-critical")?.textContent).toBe("critical");
    expect(items[1].querySelector(".badge-high")).not.toBeNull();
    expect(items[0].querySelector(".badge")).toBeNull();
    expect(items[1].querySelector("a")?.getAttribute("href")).toBe("/rooms/r1");
    expect(items[0].textContent).toContain("5 minutes ago");
    expect(items[1].querySelector('[data-testid="notification-mark-read"]')).toBeNull();
  });

  it("marks one read and deletes through the API", async () => {
    const calls: string[] = [];
    const fetcher = (async (path: string, options?: { method?: string }) => {
      calls.push(`${options?.method ?? "GET"} ${path}`);
      return path.startsWith("/v1/notifications?") ? page([item(1), item(2)]) : undefined;
    }) as Fetcher;
    const { services } = withServices(fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    await act(async () => fireEvent.click(screen.getAllByTestId("notification-mark-read")[0]));
    expect(calls).toContain("PATCH /v1/notifications/2/read");
    expect(screen.getAllByTestId("notification-item")[0].getAttribute("data-read")).toBe("true");
    await act(async () => fireEvent.click(screen.getAllByTestId("notification-delete")[1]));
    expect(calls).toContain("DELETE /v1/notifications/1");
    expect(screen.getAllByTestId("notification-item")).toHaveLength(1);
  });

  it("offers the next page by cursor", async () => {
    const fetcher = vi.fn(async (path: string) => (path.includes("cursor=c1") ? page([item(1)]) : page([item(3), item(2)], "c1"))) as unknown as Fetcher;
    const { services } = withServices(fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Load more" })));
    await waitFor(() => expect(screen.getAllByTestId("notification-item")).toHaveLength(3));
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });
});

describe("notification center states", () => {
  it("keeps offering older items when the recent pages of a search hold no match", async () => {
    const r = recording((path) => (path.includes("cursor=c5") ? page([item(1, { title: "Réunion" })]) : page([], `c${(Number(/cursor=c(\d)/.exec(path)?.[1] ?? 0) + 1)}`)));
    const { services } = withServices(r.fetcher, <NotificationCenter />);
    await act(() => services.inbox.setFilter({ ...services.inbox.getState().filter, q: "reunion" }));
    // The first load follows four empty pages, then asks.
    expect(r.calls.filter((c) => c.includes("q=reunion"))).toHaveLength(5);
    expect(screen.getByText("Nothing in the most recent notifications; older ones may match.")).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByTestId("load-more")));
    await waitFor(() => expect(screen.getAllByTestId("notification-item")).toHaveLength(1));
    expect(screen.queryByTestId("load-more")).toBeNull();
  });

  it("switches views, sending each view's query, and marks the pressed one", async () => {
    const r = recording(() => page([item(1)]));
    const { services } = withServices(r.fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    for (const [testId, query] of [["view-unread-first", "order=unread_first"], ["view-archived", "archived=true"], ["view-snoozed", "snoozed=true"]]) {
      await act(async () => fireEvent.click(screen.getByTestId(testId)));
      expect(r.calls.at(-1)).toBe(`GET /v1/notifications?limit=20&${query}`);
      expect(screen.getByTestId(testId).getAttribute("aria-pressed")).toBe("true");
      expect(screen.getByTestId("view-inbox").getAttribute("aria-pressed")).toBe("false");
    }
  });

  it("searches after typing rests, says unread first falls back to newest, and clears", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const r = recording(() => page([item(1, { title: "Réunion" })]));
      const { services } = withServices(r.fetcher, <NotificationCenter />);
      await act(() => services.inbox.setFilter({ ...services.inbox.getState().filter, view: "unread_first" }));
      const box = screen.getByTestId("notification-search");
      fireEvent.change(box, { target: { value: "reu" } });
      fireEvent.change(box, { target: { value: "réunion " } });
      expect(r.calls.filter((c) => c.includes("q="))).toHaveLength(0);
      await act(async () => vi.advanceTimersByTime(400));
      expect(r.calls.filter((c) => c.includes("q="))).toEqual(["GET /v1/notifications?limit=20&q=r%C3%A9union"]);
      expect((box as HTMLInputElement).value).toBe("réunion ");
      expect(screen.getByText("Search results are listed newest first.")).toBeTruthy();
      expect(screen.queryByTestId("bulk-archive")).toBeNull();
      await act(async () => fireEvent.click(screen.getByRole("button", { name: "Clear search" })));
      expect(r.calls.at(-1)).toBe("GET /v1/notifications?limit=20&order=unread_first");
      expect((box as HTMLInputElement).value).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("archives at once and puts the item back with the API's {code, message} when it refuses", async () => {
    const r = recording(() => page([item(1), item(2)]), (call) => (call.includes("/2/archive") ? new ApiError(503, "INBOX_BUSY", "The inbox is busy.") : undefined));
    const { services } = withServices(r.fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    await act(async () => fireEvent.click(screen.getByRole("button", { name: 'Archive "Title 1"' })));
    expect(r.calls).toContain("POST /v1/notifications/1/archive");
    expect(screen.getAllByTestId("notification-item").map((i) => i.getAttribute("data-seq"))).toEqual(["2"]);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: 'Archive "Title 2"' })));
    expect(screen.getAllByTestId("notification-item").map((i) => i.getAttribute("data-seq"))).toEqual(["2"]);
    expect(screen.getByRole("alert").textContent).toBe("The inbox is busy. (INBOX_BUSY)");
    expect(screen.getByTestId("unread-count").textContent).toBe("1 unread");
  });

  it("snoozes with a preset, and shows snoozed and archived items with their state and the reverse action", async () => {
    const until = new Date(Date.now() + 2 * 3600_000).toISOString();
    const r = recording((path) =>
      path.includes("snoozed=true") ? page([item(3, { snoozedUntil: until })]) : path.includes("archived=true") ? page([item(4, { archived: true, archivedAt: new Date().toISOString() })]) : page([item(1)]),
    );
    const { services } = withServices(r.fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    const snooze = screen.getByTestId("notification-snooze");
    expect(snooze.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(snooze);
    expect(snooze.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByTestId("snooze-option").map((b) => b.textContent)).toEqual(["1 hour", "Tomorrow 9:00", "Next week"]);
    const before = Date.now();
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "1 hour" })));
    expect(r.calls).toContain("POST /v1/notifications/1/snooze");
    const sent = Date.parse((r.bodies.at(-1) as { until: string }).until);
    expect(sent - before).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(sent - before).toBeLessThanOrEqual(3600_000 + 1000);
    expect(screen.queryAllByTestId("notification-item")).toHaveLength(0);

    // A picked time outside the API's bounds is refused before any call.
    await act(() => services.inbox.setFilter({ ...services.inbox.getState().filter }));
    fireEvent.click(screen.getByTestId("notification-snooze"));
    fireEvent.change(screen.getByTestId("snooze-custom"), { target: { value: "2020-01-01T09:00" } });
    const snoozeCalls = r.calls.filter((c) => c.endsWith("/snooze")).length;
    fireEvent.click(screen.getByTestId("snooze-custom-submit"));
    expect(screen.getByRole("alert").textContent).toBe("Pick a time from 1 minute to 30 days ahead.");
    expect(r.calls.filter((c) => c.endsWith("/snooze"))).toHaveLength(snoozeCalls);

    await act(async () => fireEvent.click(screen.getByTestId("view-snoozed")));
    const snoozed = screen.getByTestId("notification-item");
    expect(snoozed.getAttribute("data-snoozed")).toBe("true");
    expect(snoozed.querySelector('[data-testid="notification-state"]')?.textContent).toMatch(/^Snoozed until /);
    await act(async () => fireEvent.click(screen.getByTestId("notification-unsnooze")));
    expect(r.calls).toContain("POST /v1/notifications/3/unsnooze");

    await act(async () => fireEvent.click(screen.getByTestId("view-archived")));
    const archived = screen.getByTestId("notification-item");
    expect(archived.getAttribute("data-archived")).toBe("true");
    expect(archived.textContent).toContain("Archived just now");
    expect(screen.queryByTestId("notification-snooze")).toBeNull();
    await act(async () => fireEvent.click(screen.getByTestId("notification-unarchive")));
    expect(r.calls).toContain("POST /v1/notifications/4/unarchive");
  });

  it("asks before archiving all of the filter, sends the filter, and calls again while more", async () => {
    let bulkCalls = 0;
    const r = recording(
      () => page(bulkCalls ? [] : [item(1, { priority: "high" })]),
      (call) => (call.endsWith("/bulk") ? { updated: ++bulkCalls === 1 ? 99 : 1, more: bulkCalls === 1 } : undefined),
    );
    const { services } = withServices(r.fetcher, <NotificationCenter />);
    await act(() => services.inbox.load());
    await act(async () => fireEvent.change(screen.getByTestId("filter-priority"), { target: { value: "high" } }));
    fireEvent.click(screen.getByTestId("bulk-archive"));
    expect(screen.getByTestId("bulk-question").textContent).toBe("Archive every notification matching high?");
    expect(document.activeElement).toBe(screen.getByTestId("bulk-confirm"));
    fireEvent.click(screen.getByTestId("bulk-cancel"));
    expect(r.calls.filter((c) => c.endsWith("/bulk"))).toHaveLength(0);
    fireEvent.click(screen.getByTestId("bulk-archive"));
    await act(async () => fireEvent.click(screen.getByTestId("bulk-confirm")));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Archived 100."));
    expect(r.calls.filter((c) => c.endsWith("/bulk"))).toHaveLength(2);
    expect(r.bodies.filter((b) => (b as { action?: string })?.action)).toEqual([
      { action: "archive", filter: { priority: "high" } },
      { action: "archive", filter: { priority: "high" } },
    ]);
    expect(screen.queryAllByTestId("notification-item")).toHaveLength(0);
  });
});

describe("bell and connection state", () => {
  it("shows the unseen count in the badge and both counts in its label", async () => {
    const fetcher = (async () => page([item(1), item(2, { seenAt: new Date().toISOString() })])) as Fetcher;
    const { services } = withServices(fetcher, <Bell open={false} onToggle={() => undefined} />);
    await act(() => services.inbox.load());
    expect(screen.getByTestId("unread-badge").textContent).toBe("1");
    act(() => services.inbox.onCreated(item(3)));
    expect(screen.getByTestId("unread-badge").textContent).toBe("2");
    expect(screen.getByTestId("bell").getAttribute("aria-label")).toBe("Notifications, 2 new, 3 unread");
    act(() => services.inbox.onCounts({ unreadCount: 3, unseenCount: 0, seq: 3 }));
    expect(screen.getByTestId("unread-badge").textContent).toBe("0");
    expect(screen.getByTestId("bell").getAttribute("aria-label")).toBe("Notifications, 3 unread");
  });

  it("starts disconnected", () => {
    withServices((async () => undefined) as Fetcher, <ConnectionStatus />);
    expect(screen.getByTestId("connection-status").getAttribute("data-state")).toBe("disconnected");
  });
});

describe("panels for APIs not deployed yet", () => {
  const room: Room = { roomId: "r1", name: "R", createdBy: "alice", createdAt: "", myRole: "OWNER", members: [] };
  const missing = (async () => {
    throw new ApiError(404, "NOT_FOUND", "No such route.");
  }) as Fetcher;

  it("hides the message stream when the messages API answers 404", async () => {
    const { container } = withServices(missing, <RoomChat room={room} />);
    await waitFor(() => expect(container.innerHTML).toBe(""));
    expect(screen.queryByTestId("message-list")).toBeNull();
  });

  it("shows the message stream when the API answers", async () => {
    const fetcher = (async () => ({
      items: [{ messageId: "m1", seq: 1, roomId: "r1", authorId: "bob", text: "hello", replyTo: null, createdAt: new Date().toISOString(), editedAt: null, deletedAt: null, reactions: [{ emoji: "👍", count: 2, me: true }], kind: "text" }],
      nextCursor: null,
      seq: 1,
    })) as Fetcher;
    withServices(fetcher, <RoomChat room={room} />);
    const message = await screen.findByTestId("message-item");
    expect(message.getAttribute("data-seq")).toBe("1");
    expect(message.textContent).toContain("hello");
    expect(screen.getByRole("button", { name: "React 👍, 2" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("message-input")).toBeTruthy();
  });

  it("says preferences are unavailable when their API answers 404", async () => {
    withServices(missing, <Preferences />);
    expect(await screen.findByText(/not available on this server/)).toBeTruthy();
  });
});

describe("development sign-in", () => {
  it("posts user and tenant to /api/dev/token and keeps the session", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ accessToken: "tok", expiresAt: new Date(Date.now() + 3600_000).toISOString() }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    render(<SignIn />);
    fireEvent.change(screen.getByTestId("signin-user"), { target: { value: "bob" } });
    fireEvent.change(screen.getByTestId("signin-tenant"), { target: { value: "t9" } });
    await act(async () => fireEvent.click(screen.getByTestId("signin-submit")));
    expect(fetchMock).toHaveBeenCalledWith("/api/dev/token", expect.objectContaining({ method: "POST", body: JSON.stringify({ userId: "bob", tenantId: "t9" }) }));
    expect(JSON.parse(localStorage.getItem("serverless.session")!)).toMatchObject({ userId: "bob", tenantId: "t9", accessToken: "tok" });
    vi.unstubAllGlobals();
  });

  it("explains when the server has no development sign-in", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("", { status: 404 })));
    render(<SignIn />);
    await act(async () => fireEvent.click(screen.getByTestId("signin-submit")));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not available/);
    vi.unstubAllGlobals();
  });
});
