import { apiUrl, config } from "./config";
import type { IPublicClientApplication, AccountInfo } from "@azure/msal-browser";

/** Who is signed in. Dev sessions carry their token; MSAL sessions ask MSAL for one each time. */
export interface Session {
  mode: "dev" | "msal";
  userId: string;
  tenantId: string;
  accessToken?: string;
  expiresAt?: string;
}

const storageKey = "serverless.session";
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let current: Session | null = load();
let msal: IPublicClientApplication | null = null;

function load(): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) {
      return null;
    }
    const session = JSON.parse(raw) as Session;
    if (session.mode === "dev" && (!session.expiresAt || Date.parse(session.expiresAt) < Date.now() + 60_000)) {
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

function set(session: Session | null): void {
  current = session;
  if (session) {
    localStorage.setItem(storageKey, JSON.stringify(session));
  } else {
    localStorage.removeItem(storageKey);
  }
  listeners.forEach((l) => l(session));
}

export function getSession(): Session | null {
  return current;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Development sign-in: POST /api/dev/token, which only the standalone host with the local signing key answers. */
export async function devSignIn(userId: string, tenantId: string): Promise<Session> {
  const response = await fetch(apiUrl("/dev/token"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId, tenantId }),
  });
  if (response.status === 404) {
    throw new Error("Development sign-in is not available on this server (it runs only on the standalone host with the local signing key).");
  }
  const body = (await response.json().catch(() => ({}))) as { accessToken?: string; expiresAt?: string; message?: string };
  if (!response.ok || !body.accessToken) {
    throw new Error(body.message ?? `Sign-in failed (${response.status}).`);
  }
  const session: Session = { mode: "dev", userId, tenantId, accessToken: body.accessToken, expiresAt: body.expiresAt };
  set(session);
  return session;
}

async function msalClient(): Promise<IPublicClientApplication> {
  if (!msal) {
    const { createStandardPublicClientApplication } = await import("@azure/msal-browser");
    msal = await createStandardPublicClientApplication({
      auth: { clientId: config.msal.clientId, authority: config.msal.authority, redirectUri: window.location.origin },
      cache: { cacheLocation: "localStorage" },
    });
  }
  return msal!;
}

function fromAccount(account: AccountInfo): Session {
  return { mode: "msal", userId: account.localAccountId, tenantId: account.tenantId };
}

/** Completes a redirect sign-in when the page comes back from Entra. */
export async function initAuth(): Promise<void> {
  if (config.authMode !== "msal") {
    return;
  }
  const client = await msalClient();
  const result = await client.handleRedirectPromise();
  const account = result?.account ?? client.getAllAccounts()[0];
  if (account) {
    client.setActiveAccount(account);
    set(fromAccount(account));
  }
}

export async function msalSignIn(): Promise<void> {
  const client = await msalClient();
  await client.loginRedirect({ scopes: [config.msal.scope] });
}

export async function getToken(): Promise<string> {
  const session = current;
  if (!session) {
    throw new Error("Not signed in.");
  }
  if (session.mode === "dev") {
    return session.accessToken ?? "";
  }
  const client = await msalClient();
  const account = client.getActiveAccount() ?? client.getAllAccounts()[0];
  if (!account) {
    throw new Error("Not signed in.");
  }
  const result = await client.acquireTokenSilent({ scopes: [config.msal.scope], account });
  return result.accessToken;
}

export async function signOut(): Promise<void> {
  const session = current;
  set(null);
  if (session?.mode === "msal") {
    const client = await msalClient();
    await client.logoutRedirect();
  }
}
