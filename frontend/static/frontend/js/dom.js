// The three small helpers every page module writes with: a translated string, an element by id, a new element.

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
export const _ = (s) => (window.gettext ? window.gettext(s) : s);
// An error answer's message in the page's language (the API sends both: message in Vietnamese, message_en).
export const messageOf = (body) => body && (document.documentElement.lang === "en"
  ? body.message_en || body.message : body.message || body.message_en);
export const $ = (id) => document.getElementById(id);
// A phone: portal.css's breakpoint, where the map pages stack (first_view.js, loaded before any module, keeps a copy).
export const PHONE = window.matchMedia("(max-width: 640px)").matches;
export const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
