// One wrapper around fetch: JSON in and out, the portal's error shape as an exception.
import { messageOf } from "./dom.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(body) || `HTTP ${status}`); // in the page's language: one at a time
    this.status = status;
    this.body = body;
  }
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function request(url, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
