import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import { apiUrl } from "./config";
import { getToken } from "./auth";

export type ConnectionState = "connected" | "reconnecting" | "disconnected";

type Handler = (payload: never) => void;

/**
 * One hub connection per tab (POST /api/negotiate, then the SignalR client endpoint), reconnecting forever with
 * back-off. Every (re)connect calls the onConnected callbacks, which read afterSeq: pushes missed while away are
 * recovered from the store.
 */
export class Realtime {
  private connection: HubConnection | null = null;
  private state: ConnectionState = "disconnected";
  private readonly stateListeners = new Set<() => void>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  getState = (): ConnectionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  private setState(state: ConnectionState): void {
    this.state = state;
    this.stateListeners.forEach((l) => l());
  }

  on<T>(method: string, handler: (payload: T) => void): () => void {
    let set = this.handlers.get(method);
    if (!set) {
      set = new Set();
      this.handlers.set(method, set);
      this.connection?.on(method, (payload: never) => this.dispatch(method, payload));
    }
    set.add(handler as Handler);
    return () => set.delete(handler as Handler);
  }

  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  private dispatch(method: string, payload: never): void {
    this.handlers.get(method)?.forEach((h) => h(payload));
  }

  private build(): HubConnection {
    const connection = new HubConnectionBuilder()
      // Bearer tokens, no cookies: without credentials the function app's CORS (supportCredentials false) admits the call.
      .withUrl(apiUrl(""), { accessTokenFactory: () => getToken(), withCredentials: false })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** ctx.previousRetryCount, 10_000) })
      .configureLogging(LogLevel.None)
      .build();
    for (const method of this.handlers.keys()) {
      connection.on(method, (payload: never) => this.dispatch(method, payload));
    }
    connection.onreconnecting(() => this.setState("reconnecting"));
    connection.onreconnected(() => {
      this.setState("connected");
      this.connectedListeners.forEach((l) => l());
    });
    connection.onclose(() => {
      if (this.stopped) {
        this.setState("disconnected");
      } else {
        this.setState("reconnecting");
        this.scheduleStart();
      }
    });
    return connection;
  }

  async start(): Promise<void> {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    if (this.connection && this.connection.state !== HubConnectionState.Disconnected) return;
    this.connection = this.build();
    try {
      await this.connection.start();
      if (this.stopped) return;
      this.setState("connected");
      this.connectedListeners.forEach((l) => l());
    } catch {
      if (!this.stopped) {
        this.setState("reconnecting");
        this.scheduleStart();
      }
    }
  }

  private scheduleStart(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.start(), 2_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const connection = this.connection;
    this.connection = null;
    await connection?.stop();
    this.setState("disconnected");
  }
}
