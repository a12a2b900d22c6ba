/**
 * Calls to the spanscope server's REST API (`/api/v1/...`) that answer the caller: unlike span
 * export, a failure here is thrown, as a `SpanscopeApiError` carrying the server's answer.
 * Transient failures (429, 502, 503, 504, no connection) are retried as the exporter retries
 * them, within `maxRetryTimeMs`.
 */
import type { Config } from "./config.js";
import { backoff, describe, parseRetryAfter, RETRY_STATUS } from "./exporter.js";

/** The server refused a request, or could not be reached. */
export class SpanscopeApiError extends Error {
  override name = "SpanscopeApiError";

  constructor(
    message: string,
    /** The HTTP status; undefined when the server could not be reached. */
    readonly status: number | undefined,
    /** The server's error code (`NOT_FOUND`, `INVALID_ARGUMENT`, `INVALID_REQUEST`, ...). */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The server's JSON answer to `method path` (undefined for 204). `caller` names the SDK call in errors. */
export async function callServer(config: Config, caller: string, method: string, path: string, body?: unknown): Promise<unknown> {
  if (config.serverUrl === undefined) {
    throw new SpanscopeApiError(
      `${caller}: no spanscope server is configured (call init({ trackingUri }) or set SPANSCOPE_TRACKING_URI)`,
      undefined,
      undefined,
    );
  }
  const url = `${config.serverUrl}${path}`;
  const headers: Record<string, string> = { "user-agent": "spanscope-typescript" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const deadline = Date.now() + config.maxRetryTimeMs;
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    let status: number | undefined;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(config.timeoutMs) });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as unknown) : undefined;
      if (!RETRY_STATUS.has(response.status)) throw refusal(caller, method, url, response.status, text);
      status = response.status;
      failure = `HTTP ${response.status}: ${text.slice(0, 300)}`;
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof SpanscopeApiError) throw error;
      failure = describe(error);
    }
    const delay = retryAfterMs ?? backoff(attempt);
    if (Date.now() + delay >= deadline) {
      throw new SpanscopeApiError(`${caller}: ${method} ${url} failed after ${attempt + 1} attempt(s): ${failure}`, status, undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function refusal(caller: string, method: string, url: string, status: number, text: string): SpanscopeApiError {
  let code: string | undefined;
  let message = text.slice(0, 1000);
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code === "string") code = error.code;
    if (typeof error?.message === "string") message = error.message;
  } catch {
    // not the server's JSON error body (a proxy's page, say): keep the text
  }
  return new SpanscopeApiError(`${caller}: ${method} ${url}: HTTP ${status}${code ? ` ${code}` : ""}: ${message}`, status, code);
}
