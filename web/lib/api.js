// The HydroSync API from the browser: JSON in and out, the session cookie,
// and the CSRF token every change made with a browser session must carry.
// Errors become ApiError with the server's code, message and field.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : "http_" + status;
    this.field = body && body.error ? body.error.field : undefined;
    this.body = body;	// e.g. a CSV import's report of bad rows
  }
}

const CSRF_KEY = "hs.csrf";
let csrf = sessionStorage.getItem(CSRF_KEY) || "";

export async function call(method, path, body, headers = {}) {
  const h = { Accept: "application/json", ...headers };
  if (method !== "GET" && csrf) h["X-CSRF-Token"] = csrf;
  let payload;
  if (body instanceof Blob || body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    h["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers: h, body: payload,
    credentials: "same-origin" });
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body, headers) => call("POST", path, body, headers);
export const patch = (path, body) => call("PATCH", path, body);
export const put = (path, body) => call("PUT", path, body);

export async function login(email, password) {
  const r = await post("/api/v1/auth/login", { email, password });
  csrf = r.csrf_token;
  sessionStorage.setItem(CSRF_KEY, csrf);
  return r.user;
}

// The signed-in user, or null (and the CSRF token refreshed).
export async function me() {
  try {
    const r = await get("/api/v1/auth/me");
    csrf = r.csrf_token;
    sessionStorage.setItem(CSRF_KEY, csrf);
    return r.user;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function logout() {
  try { await post("/api/v1/auth/logout"); } finally {
    csrf = "";
    sessionStorage.removeItem(CSRF_KEY);
  }
}

// A key for POST /purchases: the same key on a retry never buys twice.
export function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
