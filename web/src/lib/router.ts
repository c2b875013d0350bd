import { useSyncExternalStore } from "react";

// A few client routes (/, /rooms/:id, /preferences); the standalone host and Static Web Apps answer index.html for them.
const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(path: string): void {
  if (path !== window.location.pathname + window.location.search) {
    window.history.pushState(null, "", path);
    listeners.forEach((l) => l());
  }
}

export function usePath(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => window.location.pathname,
  );
}
