// Build settings. Locally nothing is set: same origin, development sign-in. In Azure (Static Web Apps) azd's
// prepackage hook writes them from the provisioned resources (infra/scripts/web-env.sh).
const env = import.meta.env;

export type AuthMode = "dev" | "msal";

export const config = {
  /** Origin of the API (the function app); empty means the page's own origin (the standalone host). */
  apiBase: String(env.VITE_API_BASE ?? "").replace(/\/+$/, ""),
  authMode: (env.VITE_AUTH_MODE === "msal" ? "msal" : "dev") as AuthMode,
  msal: {
    clientId: String(env.VITE_MSAL_CLIENT_ID ?? ""),
    authority: String(env.VITE_MSAL_AUTHORITY ?? ""),
    /** The API's delegated scope, e.g. api://serverless-notifications/user_impersonation. */
    scope: String(env.VITE_API_SCOPE ?? ""),
  },
};

export function apiUrl(path: string): string {
  return `${config.apiBase}/api${path}`;
}
