import { useEffect, useState } from "react";
import templates from "../../../functions/Serverless.Core/Notifications/Templates/notification-templates.json";
import { errorText, isMissingApi } from "../lib/api";
import { useServices } from "../lib/services";

/** Issue 15's preference document. */
export interface PreferencesDocument {
  channels: Record<string, boolean>;
  types: Record<string, string[] | "off">;
  quietHours: { start: string; end: string; timeZone: string } | null;
  digest: { frequency: "off" | "hourly" | "daily"; hour: number };
}

const channels = ["web", "email", "mobile_push"];
const types = Object.keys(templates).sort();
const preferencesPath = "/v1/notifications/preferences";

export async function probePreferences(fetcher: ReturnType<typeof useServices>["api"]): Promise<boolean> {
  try {
    await fetcher(preferencesPath);
    return true;
  } catch (e) {
    return !isMissingApi(e);
  }
}

/** Channels, per-type channels or off, quiet hours and the digest; the API refuses to silence critical types. */
export function Preferences() {
  const { api } = useServices();
  const [doc, setDoc] = useState<PreferencesDocument | null>(null);
  const [missing, setMissing] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<PreferencesDocument>(preferencesPath)
      .then((d) => setDoc({ channels: d.channels ?? {}, types: d.types ?? {}, quietHours: d.quietHours ?? null, digest: d.digest ?? { frequency: "off", hour: 8 } }))
      .catch((e) => (isMissingApi(e) ? setMissing(true) : setError(errorText(e))));
  }, [api]);

  if (missing) return <p className="empty">Notification preferences are not available on this server yet.</p>;
  if (error && !doc) return <p className="error" role="alert">{error}</p>;
  if (!doc) return <p aria-busy="true">Loading preferences…</p>;

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setStatus(null);
    setError(null);
    try {
      await api(preferencesPath, { method: "PUT", json: doc });
      setStatus("Saved.");
    } catch (e) {
      setError(errorText(e));
    }
  };

  const typeValue = (type: string): string => {
    const v = doc.types[type];
    return v === undefined ? "default" : v === "off" ? "off" : "custom";
  };
  const setType = (type: string, value: string[] | "off" | undefined) => {
    const next = { ...doc.types };
    if (value === undefined) delete next[type];
    else next[type] = value;
    setDoc({ ...doc, types: next });
  };

  return (
    <form className="preferences" onSubmit={save} aria-labelledby="prefs-title">
      <h2 id="prefs-title">Notification preferences</h2>
      <fieldset>
        <legend>Channels</legend>
        {channels.map((c) => (
          <label key={c} className="check">
            <input type="checkbox" checked={doc.channels[c] ?? true} onChange={(e) => setDoc({ ...doc, channels: { ...doc.channels, [c]: e.target.checked } })} />
            {c.replace("_", " ")}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>By type</legend>
        <table>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Delivery</th>
              <th scope="col">Channels</th>
            </tr>
          </thead>
          <tbody>
            {types.map((t) => {
              const v = doc.types[t];
              return (
                <tr key={t}>
                  <th scope="row">{t}</th>
                  <td>
                    <select aria-label={`Delivery of ${t}`} value={typeValue(t)} onChange={(e) => setType(t, e.target.value === "default" ? undefined : e.target.value === "off" ? "off" : ["web"])}>
                      <option value="default">default</option>
                      <option value="custom">choose channels</option>
                      <option value="off">off</option>
                    </select>
                  </td>
                  <td>
                    {Array.isArray(v) &&
                      channels.map((c) => (
                        <label key={c} className="check">
                          <input type="checkbox" checked={v.includes(c)} onChange={(e) => setType(t, e.target.checked ? [...v, c] : v.filter((x) => x !== c))} />
                          {c.replace("_", " ")}
                        </label>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </fieldset>
      <fieldset>
        <legend>Quiet hours</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={doc.quietHours !== null}
            onChange={(e) => setDoc({ ...doc, quietHours: e.target.checked ? { start: "22:00", end: "07:00", timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone } : null })}
          />
          Hold email and push back (never critical)
        </label>
        {doc.quietHours && (
          <div className="row">
            <label>
              From
              <input type="time" value={doc.quietHours.start} onChange={(e) => setDoc({ ...doc, quietHours: { ...doc.quietHours!, start: e.target.value } })} />
            </label>
            <label>
              To
              <input type="time" value={doc.quietHours.end} onChange={(e) => setDoc({ ...doc, quietHours: { ...doc.quietHours!, end: e.target.value } })} />
            </label>
            <label>
              Time zone
              <input value={doc.quietHours.timeZone} onChange={(e) => setDoc({ ...doc, quietHours: { ...doc.quietHours!, timeZone: e.target.value } })} />
            </label>
          </div>
        )}
      </fieldset>
      <fieldset>
        <legend>Email digest (low and normal priority)</legend>
        <div className="row">
          <label>
            Frequency
            <select value={doc.digest.frequency} onChange={(e) => setDoc({ ...doc, digest: { ...doc.digest, frequency: e.target.value as PreferencesDocument["digest"]["frequency"] } })}>
              <option value="off">off</option>
              <option value="hourly">hourly</option>
              <option value="daily">daily</option>
            </select>
          </label>
          {doc.digest.frequency === "daily" && (
            <label>
              Hour
              <input type="number" min={0} max={23} value={doc.digest.hour} onChange={(e) => setDoc({ ...doc, digest: { ...doc.digest, hour: Number(e.target.value) } })} />
            </label>
          )}
        </div>
      </fieldset>
      {error && <p className="error" role="alert">{error}</p>}
      {status && <p role="status">{status}</p>}
      <button type="submit">Save preferences</button>
    </form>
  );
}
