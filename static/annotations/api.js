// fetch() for the NewsNotes API: session cookie + CSRF header, ETag/If-Match, one error type.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `Request failed (${status})`);
    this.status = status;
    this.code = body?.code || "error";
    this.errors = body?.errors || {};
    this.body = body;
  }

  /** The messages as "field: message" lines, for a status line. */
  describe() {
    const lines = Object.entries(this.errors).flatMap(([field, messages]) =>
      messages.map((m) => (field === "non_field_errors" ? m : `${field}: ${m}`)));
    return lines.length ? lines.join(" ") : this.message;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function newIdempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// This tab's id, sent as X-Client-Id on writes: the server echoes it in the events they cause,
// and live.js skips those here (the response already updated this page; other tabs still apply them).
export const CLIENT_ID = newIdempotencyKey();

/**
 * api("POST", "/api/annotations/", {body, ifMatch, idempotencyKey}) -> {data, etag, status}
 * Throws ApiError with the API's {status, code, detail, errors}.
 */
export async function api(method, url, { body, ifMatch, idempotencyKey, form } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRFToken"] = csrfToken();
    headers["X-Client-Id"] = CLIENT_ID;
  }
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = `"${ifMatch}"`;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    // API data is live: never let the HTTP cache answer for the server.
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, { detail: "The server could not be reached. Check your connection and try again." });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text.slice(0, 200) }; }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  const etag = response.headers.get("ETag");
  return { data, status: response.status, etag: etag ? Number(etag.replace(/^W\//, "").replaceAll('"', "")) : null };
}
