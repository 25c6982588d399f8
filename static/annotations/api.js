// fetch() for the NewsNotes API, the one wrapper every page uses: session cookie + CSRF header,
// JSON or FormData in, JSON out, ETag/If-Match, Idempotency-Key, and the API's error shape
// {"status","code","detail","errors":{field:[messages]}} turned into one ApiError.

const UNREACHABLE = "The server could not be reached. Check your connection and try again.";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  /** `status` is 0 when no answer came; `body` is the API's error object, or null. */
  constructor(status, body) {
    const detail = typeof body?.detail === "string" ? body.detail : "";
    super(detail || (status ? `The server answered ${status}.` : UNREACHABLE));
    this.name = "ApiError";
    this.status = status;
    this.code = (typeof body?.code === "string" && body.code) || "error";
    this.errors = body?.errors && typeof body.errors === "object" && !Array.isArray(body.errors) ? body.errors : {};
    this.body = body ?? null;
  }

  /** The messages as "field: message" lines, for a status line. */
  describe() {
    const lines = Object.entries(this.errors).flatMap(([field, messages]) =>
      [].concat(messages).map((m) => (field === "non_field_errors" ? m : `${field}: ${m}`)));
    return lines.length ? lines.join(" ") : this.message;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

export function newIdempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// This tab's id, sent as X-Client-Id on writes: the server echoes it in the events they cause,
// and live.js skips those here (the response already updated this page; other tabs still apply them).
export const CLIENT_ID = newIdempotencyKey();

/** The body as JSON; an error page that is not JSON gives its text when plain, else null. */
async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    // A proxy's HTML error page is no message for a person; a plain-text answer is.
    const plain = (response.headers.get("Content-Type") || "").startsWith("text/plain");
    return plain ? { detail: text.trim().slice(0, 200) } : null;
  }
}

/**
 * api("POST", "/api/annotations/", {body, form, ifMatch, idempotencyKey, signal})
 *   -> {data, status, etag}
 * `body` is sent as JSON, `form` (FormData) as multipart; `ifMatch` is the version read
 * (a stale one answers 412). Throws ApiError; an aborted `signal` throws its AbortError.
 */
export async function api(method, url, { body, form, ifMatch, idempotencyKey, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (!SAFE_METHODS.has(method)) {
    headers["X-CSRFToken"] = csrfToken();
    headers["X-Client-Id"] = CLIENT_ID;
  }
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = `"${ifMatch}"`;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let payload;
  if (form !== undefined) payload = form; // FormData: the browser writes the multipart boundary
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  let data;
  try {
    // API data is live: never let the HTTP cache answer for the server.
    response = await fetch(url, { method, headers, body: payload, signal, credentials: "same-origin", cache: "no-store" });
    data = await readBody(response);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { detail: UNREACHABLE });
  }
  if (!response.ok) throw new ApiError(response.status, data);
  const etag = response.headers.get("ETag");
  return { data, status: response.status, etag: etag ? Number(etag.replace(/^W\//, "").replaceAll('"', "")) : null };
}
