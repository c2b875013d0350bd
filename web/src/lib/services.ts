import { createContext, useContext, useSyncExternalStore } from "react";
import type { Fetcher } from "./api";
import type { InboxState, InboxStore } from "./inbox";
import type { ConnectionState, Realtime } from "./realtime";
import type { Session } from "./auth";

/** What the signed-in app shares: the API, the inbox store and the hub connection. */
export interface Services {
  session: Session;
  api: Fetcher;
  inbox: InboxStore;
  realtime: Realtime;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("ServicesContext is missing");
  return services;
}

export function useInbox(): InboxState {
  const { inbox } = useServices();
  return useSyncExternalStore(inbox.subscribe, inbox.getState);
}

export function useConnectionState(): ConnectionState {
  const { realtime } = useServices();
  return useSyncExternalStore(realtime.subscribe, realtime.getState);
}
