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

const page = (items: Notification[], nextCursor: string | null = null) => ({ items, nextCursor, unreadCount: items.filter((i) => !i.isRead).length, seq: items.length });

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

describe("bell and connection state", () => {
  it("shows the live unread count in the badge and in its label", async () => {
    const fetcher = (async () => page([item(1), item(2)])) as Fetcher;
    const { services } = withServices(fetcher, <Bell open={false} onToggle={() => undefined} />);
    await act(() => services.inbox.load());
    expect(screen.getByTestId("unread-badge").textContent).toBe("2");
    act(() => services.inbox.onCreated(item(3)));
    expect(screen.getByTestId("unread-badge").textContent).toBe("3");
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
