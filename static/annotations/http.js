// fetch() for the pages' API calls: session cookie, CSRF header, JSON in and out, and the API's
// error shape {"status","code","detail","errors":{field:[messages]}} turned into an ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body.detail === "string" ? body.detail : "";
    super(detail || (status ? `The server answered ${status}.` : "Could not reach the server."));
    this.status = status;
    this.code = body?.code || "";
    this.errors = body && typeof body.errors === "object" && body.errors ? body.errors : {};
  }
}

export function csrfToken() {
  const cookie = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

/** request(url, {method, json, form}) -> {status, data}; throws ApiError when not 2xx. */
export async function request(url, { method = "GET", json, form, signal } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // FormData: the browser writes the multipart boundary
  }
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, { method, headers, body, signal, credentials: "same-origin" });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { detail: "Could not reach the server; check the connection and try again." });
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data };
}
