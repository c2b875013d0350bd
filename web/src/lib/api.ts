import { apiUrl } from "./config";
import { getToken } from "./auth";

/** The API's error body {code, message} with the HTTP status. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  signal?: AbortSignal;
}

export type Fetcher = <T>(path: string, options?: RequestOptions) => Promise<T>;

/** Calls /api{path} with the signed-in user's bearer token; non-2xx throws ApiError. */
export const api: Fetcher = async <T,>(path: string, options: RequestOptions = {}): Promise<T> => {
  const headers: Record<string, string> = { Authorization: `Bearer ${await getToken()}` };
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await fetch(apiUrl(path), { method: options.method ?? "GET", headers, body, signal: options.signal });
  return readResponse<T>(response);
};

export async function readResponse<T>(response: Response): Promise<T> {
  if (response.status === 204) {
    return undefined as T;
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? response.statusText);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** True when the server has no such route yet (an API another branch adds): the UI hides that part. */
export function isMissingApi(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405);
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
