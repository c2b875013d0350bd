import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { api } from "./lib/api";
import { getSession, onSessionChange, signOut, type Session } from "./lib/auth";
import { InboxStore, type CountsChanged, type Notification, type NotificationsUpdated } from "./lib/inbox";
import { Realtime } from "./lib/realtime";
import { navigate, usePath } from "./lib/router";
import { ServicesContext, type Services } from "./lib/services";
import { Bell } from "./components/Bell";
import { ConnectionStatus } from "./components/ConnectionStatus";
import { NotificationCenter } from "./components/NotificationCenter";
import { Preferences, probePreferences } from "./components/Preferences";
import { RoomList } from "./components/RoomList";
import { RoomView } from "./components/RoomView";
import { SignIn } from "./components/SignIn";

declare global {
  interface Window {
    /** For the browser tests and for trying reconnects by hand: stop and start the hub connection. */
    __realtime?: Realtime;
  }
}

function useSession(): Session | null {
  return useSyncExternalStore(onSessionChange, getSession);
}

export function App() {
  const session = useSession();
  return session ? <SignedIn key={`${session.tenantId}|${session.userId}`} session={session} /> : <SignIn />;
}

function SignedIn({ session }: { session: Session }) {
  const services = useMemo<Services>(() => ({ session, api, inbox: new InboxStore(api), realtime: new Realtime() }), [session]);
  const [centerOpen, setCenterOpen] = useState(false);
  const [preferencesAvailable, setPreferencesAvailable] = useState(false);
  const path = usePath();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const { inbox, realtime } = services;
    const offs = [
      realtime.on<Notification>("notificationCreated", (n) => inbox.onCreated(n)),
      realtime.on<{ unreadCount: number; seq: number }>("unreadCountChanged", (m) => inbox.onUnreadCount(m)),
      realtime.on<{ ids: string[]; unreadCount: number; seq: number }>("notificationsRead", (m) => inbox.onRead(m)),
      realtime.on<CountsChanged>("countsChanged", (m) => inbox.onCounts(m)),
      realtime.on<NotificationsUpdated>("notificationsUpdated", (m) => inbox.onUpdated(m)),
      // After a reconnect (or a first connect that raced the first page), read what was missed.
      realtime.onConnected(() => {
        if (inbox.getState().loaded) void inbox.resync();
      }),
    ];
    window.__realtime = realtime;
    void realtime.start();
    void inbox.load();
    void probePreferences(api).then(setPreferencesAvailable);
    return () => {
      offs.forEach((off) => off());
      void realtime.stop();
      if (window.__realtime === realtime) delete window.__realtime;
    };
  }, [services]);

  useEffect(() => {
    if (!centerOpen) return;
    // Opening the bell sees what it shows: the badge (unseen) clears, unread stays.
    services.inbox.markSeen().catch(() => undefined); // the badge comes back on failure; the next opening tries again
    panel.current?.querySelector<HTMLElement>("h2")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setCenterOpen(false);
      document.getElementById("bell-button")?.focus(); // back where the keyboard user opened it
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [centerOpen, services]);

  const roomMatch = /^\/rooms\/([^/]+)$/.exec(path);
  const link = (to: string, label: string) => (
    <a href={to} aria-current={path === to ? "page" : undefined} onClick={(e) => (e.preventDefault(), navigate(to))}>
      {label}
    </a>
  );

  return (
    <ServicesContext.Provider value={services}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <h1 className="brand">Notifications</h1>
        <nav aria-label="Main">
          {link("/", "Rooms")}
          {preferencesAvailable && link("/preferences", "Preferences")}
        </nav>
        <div className="topbar-right">
          <ConnectionStatus />
          <Bell open={centerOpen} onToggle={() => setCenterOpen((o) => !o)} />
          <span className="me" title={`${session.userId} in ${session.tenantId}`}>
            {session.userId}
          </span>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div id="notification-center" ref={panel} className={`drawer${centerOpen ? " open" : ""}`} hidden={!centerOpen}>
        <NotificationCenter />
      </div>
      <main id="main" tabIndex={-1}>
        {roomMatch ? <RoomView roomId={decodeURIComponent(roomMatch[1])} /> : path === "/preferences" ? <Preferences /> : <RoomList />}
      </main>
    </ServicesContext.Provider>
  );
}
