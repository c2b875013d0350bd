// azd prepackage hook for the web service: turns the azd environment into Vite build settings.
// Reads SERVICE_API_URI and AZURE_TENANT_ID (outputs of infra/main.bicep) and WEB_CLIENT_ID / WEB_API_SCOPE, which
// name the Entra app registration the SPA signs in with (`azd env set WEB_CLIENT_ID <id>`; Bicep cannot create one).
import { writeFileSync } from "node:fs";

const env = process.env;
const missing = ["SERVICE_API_URI", "AZURE_TENANT_ID", "WEB_CLIENT_ID"].filter((name) => !env[name]);
if (missing.length > 0) {
  console.error(`Set ${missing.join(", ")} in the azd environment (azd env set NAME value) before deploying the web app.`);
  process.exit(1);
}

const apiBase = env.SERVICE_API_URI.replace(/\/api\/?$/, "");
const audience = env.AUTH_AUDIENCE || "api://serverless-notifications";
const settings = {
  VITE_API_BASE: apiBase,
  VITE_AUTH_MODE: "msal",
  VITE_MSAL_CLIENT_ID: env.WEB_CLIENT_ID,
  VITE_MSAL_AUTHORITY: env.WEB_AUTHORITY || `https://login.microsoftonline.com/${env.AZURE_TENANT_ID}`,
  VITE_API_SCOPE: env.WEB_API_SCOPE || `${audience}/access_as_user`,
};
writeFileSync(new URL("../.env.production.local", import.meta.url), Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
console.log(`web build settings: API ${apiBase}, client ${settings.VITE_MSAL_CLIENT_ID}, scope ${settings.VITE_API_SCOPE}`);
