// The language switch keeps the page as it was: the switch is posted in the background and the same address is
// reloaded (its query and hash included), and the values typed into the page's forms come back after the reload.
// Passwords, files and hidden fields are never kept.
import { csrfToken } from "./request.js";

const KEY = "portal-lang-switch-form";

function fields() {
  return [...document.querySelectorAll("main input, main select, main textarea")].filter(
    (el) => (el.name || el.id) && !["hidden", "password", "file", "submit", "button"].includes(el.type),
  );
}

const keyOf = (el) => `${el.form?.id || ""}|${el.name || el.id}`;

function save() {
  const values = {};
  for (const el of fields()) {
    if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked) values[`${keyOf(el)}|${el.value}`] = true;
    } else if (el.value !== el.defaultValue || el.tagName === "SELECT") {
      values[keyOf(el)] = el.value;
    }
  }
  sessionStorage.setItem(KEY, JSON.stringify({ href: window.location.href, values }));
}

function apply(values, done) {
  for (const el of fields()) {
    if (done.has(el)) continue;
    if (el.type === "checkbox" || el.type === "radio") {
      if (values[`${keyOf(el)}|${el.value}`]) el.checked = true;
    } else if (keyOf(el) in values && el.value !== values[keyOf(el)]) {
      // Select options a script fills later keep the value for then: set it once they are there.
      el.value = values[keyOf(el)];
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
    done.add(el);
  }
}

function restore() {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return;
  sessionStorage.removeItem(KEY);
  const { href, values } = JSON.parse(raw);
  if (href !== window.location.href) return;
  const done = new Set();
  apply(values, done);
  // Fields a page's script adds once its first view is drawn (the map's address box) get theirs when they come.
  const main = document.querySelector("main");
  if (!main || !window.MutationObserver) return;
  const watch = new MutationObserver(() => apply(values, done));
  watch.observe(main, { childList: true, subtree: true });
  setTimeout(() => watch.disconnect(), 15000);
}

const form = document.querySelector("form.lang-switch");
if (form) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || form.querySelector("button[name=language]");
    const body = new URLSearchParams({ language: button.value, next: window.location.pathname });
    save();
    try {
      await fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      });
      window.location.reload();
    } catch {
      sessionStorage.removeItem(KEY);
      form.submit(); // offline or refused: the plain form switch still works
    }
  });
}

if (document.readyState === "complete") restore();
else window.addEventListener("load", restore);
