// The definition page of a ward's own layers: gathers the form into a definition and sends it to /api/v1/themes/.
// Every check is the server's; its message (Vietnamese, then English) is shown as is. A removed field that
// holds values comes back as a 409 asking for confirmation: the officer confirms, the same definition is resent.
import { ApiError, request } from "../../frontend/js/request.js";

const $ = (id) => document.getElementById(id);
const page = $("themes-page");
const form = $("definition-form");
let editing = null; // the definition being changed (its slug and version), or null for a new one
let pending = null; // a definition refused with confirm_field_removal

function say(text, kind = "") {
  const box = $("def-status");
  if (!box) return;
  box.className = kind;
  box.textContent = text;
}

async function loadList() {
  const list = $("theme-list");
  list.replaceChildren();
  for (const layer of await request("/api/v1/themes/")) {
    const li = document.createElement("li");
    const name = document.createElement(page.dataset.canDefine === "true" && layer.you_define ? "a" : "span");
    name.textContent = `${layer.name_vi} (${layer.features})`;
    if (name.tagName === "A") {
      name.href = `?layer=${layer.slug}`;
      name.addEventListener("click", (ev) => { ev.preventDefault(); open(layer.slug); });
    }
    const map = document.createElement("a");
    map.href = `/layers/edit/?layer=${layer.slug}`;
    map.textContent = " 🗺";
    map.title = layer.name_en;
    li.append(name, map);
    list.append(li);
  }
}

function addRow(field = {}) {
  const row = $("field-row").content.firstElementChild.cloneNode(true);
  const set = (name, value) => { row.querySelector(`[name=${name}]`).value = value ?? ""; };
  const check = (name, value) => { row.querySelector(`[name=${name}]`).checked = !!value; };
  set("f_name", field.name);
  set("f_title", field.title);
  set("f_title_en", field.title_en);
  set("f_type", field.type || "text");
  check("f_required", field.required);
  check("f_public", field.public);
  check("f_past_only", field.past_only);
  set("f_choices", (field.choices || []).map((c) => [c.value, c.label, c.label_en || "", c.color || ""].join(" | ")).join("\n"));
  row.querySelector(".remove-field").addEventListener("click", () => row.remove());
  form.querySelector("#fields-table tbody").append(row);
  return row;
}

function choices(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [value, label, labelEn, color] = line.split("|").map((part) => part.trim());
    const choice = { value, label: label || value };
    if (labelEn) choice.label_en = labelEn;
    if (color) choice.color = color;
    return choice;
  });
}

function gather() {
  const el = form.elements;
  const fields = [...form.querySelectorAll(".field-row")].map((row) => {
    const get = (name) => row.querySelector(`[name=${name}]`);
    const field = { name: get("f_name").value.trim(), title: get("f_title").value.trim(), type: get("f_type").value };
    if (get("f_title_en").value.trim()) field.title_en = get("f_title_en").value.trim();
    field.required = get("f_required").checked;
    field.public = get("f_public").checked;
    if (field.type === "date") field.past_only = get("f_past_only").checked;
    if (field.type === "choice") field.choices = choices(get("f_choices").value);
    return field;
  });
  const style = { color: el.color.value, symbol: el.symbol.value };
  if (el.by.value.trim()) style.by = el.by.value.trim();
  const data = {
    slug: el.slug.value.trim(),
    name_vi: el.name_vi.value.trim(),
    name_en: el.name_en.value.trim(),
    geometry_type: el.geometry_type.value,
    owner: Number(el.owner.value),
    minzoom: Number(el.minzoom.value),
    editor_roles: [...form.querySelectorAll("[name=editor_roles]:checked")].map((box) => box.value),
    edit_scope: el.edit_scope.value,
    style,
    fields,
  };
  if (editing) data.version = editing.version;
  return data;
}

function fillForm(layer) {
  const el = form.elements;
  for (const name of ["slug", "name_vi", "name_en", "geometry_type", "minzoom", "edit_scope"]) el[name].value = layer[name];
  if ([...el.owner.options].some((o) => Number(o.value) === layer.owner)) el.owner.value = layer.owner;
  el.slug.readOnly = true;
  el.geometry_type.disabled = true;
  for (const box of form.querySelectorAll("[name=editor_roles]")) box.checked = layer.editor_roles.includes(box.value);
  el.color.value = layer.style.color || "#2563eb";
  el.symbol.value = layer.style.symbol || "circle";
  el.by.value = layer.style.by || "";
  form.querySelector("#fields-table tbody").replaceChildren();
  layer.fields.forEach((field) => addRow(field));
  $("form-title").textContent = layer.name_vi;
  showEditorLink(layer.slug);
}

function showEditorLink(slug) {
  const link = $("open-editor");
  link.href = `/layers/edit/?layer=${slug}`;
  link.hidden = false;
}

async function open(slug) {
  const layer = await request(`/api/v1/themes/${slug}`);
  editing = { slug, version: layer.version };
  fillForm(layer);
  say("");
}

async function save(confirm = false) {
  const data = confirm ? { ...pending, confirm: true } : gather();
  try {
    const saved = editing
      ? await request(`/api/v1/themes/${editing.slug}`, { method: "PUT", body: data })
      : await request("/api/v1/themes/", { method: "POST", body: data });
    editing = { slug: saved.slug, version: saved.version };
    pending = null;
    $("confirm-removal").hidden = true;
    form.elements.slug.readOnly = true;
    form.elements.geometry_type.disabled = true;
    say(`✓ ${saved.name_vi} — v${saved.version}`, "ok");
    showEditorLink(saved.slug);
    await loadList();
  } catch (err) {
    if (err instanceof ApiError && err.body?.error === "confirm_field_removal") {
      pending = data;
      $("confirm-removal").hidden = false;
    }
    say(err instanceof ApiError ? err.message : String(err), "error"); // ApiError's message is in the page's language
  }
}

if (form) {
  $("add-field").addEventListener("click", () => addRow().querySelector("[name=f_name]").focus());
  $("new-layer")?.addEventListener("click", () => window.location.assign(window.location.pathname));
  $("confirm-removal").addEventListener("click", () => save(true));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); save(); });
  if (!page.dataset.layer) addRow();
}
await loadList();
if (page.dataset.layer && form) await open(page.dataset.layer);
