// Numbers and dates in the page's language (<html lang>, set by the language switch), never the browser's:
// Vietnamese pages read 1.200 and 04/12/2026, English ones 1,200 and 04/12/2026 (day first, as in Vietnam).
// Dates typed by officers are dd/mm/yyyy text inputs (a native date input follows the browser's locale, which is
// usually en-US: mm/dd/yyyy) and go to the API as ISO dates.

export const lang = document.documentElement.lang === "en" ? "en" : "vi";
const locale = lang === "en" ? "en-GB" : "vi-VN";

const numbers = new Map();

/** A number in the page's language; `digits` fixes the decimals (default: up to 2, as needed). */
export function formatNumber(value, digits) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return "—";
  const key = digits ?? "auto";
  if (!numbers.has(key)) {
    const options = digits === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: digits, maximumFractionDigits: digits };
    numbers.set(key, new Intl.NumberFormat(locale, options));
  }
  return numbers.get(key).format(Number(value));
}

const dateFormat = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false });

function asDate(value) {
  if (value instanceof Date) return value;
  // A bare ISO day is a calendar date, not midnight UTC: read it as local noon so no time zone shifts it.
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T12:00:00`);
  return new Date(value);
}

/** A calendar date as dd/mm/yyyy. */
export function formatDate(value) {
  if (!value) return "—";
  const d = asDate(value);
  return Number.isNaN(d.getTime()) ? String(value) : dateFormat.format(d);
}

/** A moment as dd/mm/yyyy hh:mm (24 h), in the browser's time zone. */
export function formatDateTime(value) {
  if (!value) return "—";
  const d = asDate(value);
  // Date first in both languages (vi-VN's own order puts the time first).
  return Number.isNaN(d.getTime()) ? String(value) : `${dateFormat.format(d)} ${timeFormat.format(d)}`;
}

/** What an officer typed (dd/mm/yyyy, d/m/yyyy, or ISO) as an ISO date, or null if it is not a real date. */
export function parseDate(text) {
  const raw = String(text || "").trim();
  let m = raw.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  let y, mo, d;
  if (m) [, y, mo, d] = m.map(Number);
  else if ((m = raw.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/))) [, d, mo, y] = m.map(Number);
  else return null;
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** A text input for a date, in the page's format (dd/mm/yyyy), replacing a native date input. */
export function dateInput(input) {
  input.type = "text";
  input.inputMode = "numeric";
  input.placeholder = lang === "en" ? "dd/mm/yyyy" : "nn/tt/nnnn";
  input.pattern = "\\d{1,2}/\\d{1,2}/\\d{4}|\\d{4}-\\d{1,2}-\\d{1,2}"; // dd/mm/yyyy, or ISO pasted in
  input.dataset.date = "true";
  return input;
}

/** The ISO value of a date text input (or "" when empty), for the API. */
export function dateValue(input) {
  return input.value.trim() ? parseDate(input.value) || input.value.trim() : "";
}

/** Show an ISO date in a date text input. */
export function setDate(input, iso) {
  input.value = iso ? formatDate(iso) : "";
}
