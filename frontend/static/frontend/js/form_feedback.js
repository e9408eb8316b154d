// What both map editors tell the officer after Lưu: the status line beside the buttons just pressed (it sat above
// a long form, out of view), and each refused field's message under that field, in the page's language.
import { messageOf } from "./dom.js";

const english = () => document.documentElement.lang === "en";

// One field's refusal as the API words it: {message, message_en} (gisportal/field_errors.py), or the older
// ["Tiếng Việt / English", …] of a ward-defined layer's checks.
export function fieldMessage(entry) {
  if (Array.isArray(entry)) return fieldMessage(entry[0]);
  if (entry && typeof entry === "object") return messageOf(entry) || "";
  const [vi, en] = String(entry ?? "").split(" / ");
  return english() ? en || vi : vi;
}

/** Remove the marks a previous refusal left on the form. */
export function clearFieldErrors(form) {
  for (const note of form.querySelectorAll(".field-error")) note.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

/** Each refused field's message under its input. The first takes the focus without scrolling: the officer's eyes
 * stay on the status line beside Lưu, which names every refused field (returned, or null when none is shown). */
export function showFieldErrors(form, body) {
  clearFieldErrors(form);
  const fields = { ...(body?.details?.fields || {}) };
  const single = body?.details?.field;
  if (single && !fields[single]) fields[single] = body;
  let first = null;
  for (const [name, entry] of Object.entries(fields)) {
    const input = form.elements[name];
    if (!input || input.type === "hidden") continue; // a field the form does not show: the status line names it
    const note = document.createElement("span");
    note.className = "field-error error";
    note.id = `error-${name}`;
    note.textContent = fieldMessage(entry);
    (input.closest("label") || input.parentElement).append(note);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    first = first || input;
  }
  first?.focus({ preventScroll: true });
  return first;
}

/** Write the status line where the officer is looking: beside the form's buttons while the form is open. */
export function sayNear(form, box, text, kind = "") {
  const actions = form.querySelector(".form-actions");
  if (!form.hidden && actions) {
    if (box.nextElementSibling !== actions) actions.before(box);
  } else if (form.previousElementSibling !== box) {
    form.before(box); // its place when no form is open: above where the form opens
  }
  box.className = kind;
  box.textContent = text;
  if (text) box.scrollIntoView({ block: "nearest" });
}
