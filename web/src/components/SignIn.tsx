import { useState } from "react";
import { config } from "../lib/config";
import { devSignIn, msalSignIn } from "../lib/auth";

/** Entra sign-in in Azure; locally a user and tenant that POST /api/dev/token turns into a token. */
export function SignIn() {
  const [user, setUser] = useState("alice");
  const [tenant, setTenant] = useState("t1");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (config.authMode === "msal") {
    return (
      <main className="signin">
        <h1>Notifications</h1>
        <button type="button" data-testid="signin-submit" onClick={() => void msalSignIn().catch((e: Error) => setError(e.message))}>
          Sign in with Microsoft
        </button>
        {error && <p role="alert" className="error">{error}</p>}
      </main>
    );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await devSignIn(user.trim(), tenant.trim());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Notifications</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <p id="signin-help">Development sign-in: the standalone host mints a token signed with its local key.</p>
        <label>
          User
          <input data-testid="signin-user" name="user" autoComplete="username" required value={user} onChange={(e) => setUser(e.target.value)} />
        </label>
        <label>
          Tenant
          <input data-testid="signin-tenant" name="tenant" required value={tenant} onChange={(e) => setTenant(e.target.value)} />
        </label>
        <button type="submit" data-testid="signin-submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {error && <p role="alert" className="error">{error}</p>}
      </form>
    </main>
  );
}
