// The editor's attribute form, built from a layer's schema (/ogc/collections/{layer}/schema): a select for coded
// fields, dd/mm/yyyy text for dates, a camera button for photos; filled from a feature and read back for the API.
import { ApiError, csrfToken } from "./request.js";
import { dateInput, dateValue, setDate } from "./i18n_format.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);

export const editableFields = (schema) => Object.entries(schema.properties).filter(([, p]) => !p.readOnly);

export function buildForm(box, schema, options) {
  const { canEdit } = options;
  box.replaceChildren();
  for (const [name, prop] of editableFields(schema)) {
    const label = document.createElement("label");
    label.textContent = prop.title + (schema.required.includes(name) ? " *" : "");
    let input;
    if (prop.enum) {
      input = document.createElement("select");
      input.append(new Option("—", ""));
      for (const value of prop.enum) input.append(new Option(prop["x-labels"][value] || value, value));
    } else if (prop["x-multiline"]) {
      input = document.createElement("textarea");
      input.rows = 2;
    } else {
      input = document.createElement("input");
      input.type = prop.type === "number" || prop.type === "integer" ? "number" : "text";
      if (prop.format === "date") dateInput(input); // dd/mm/yyyy, not the browser's mm/dd/yyyy
      if (prop.type === "number") input.step = "any";
      if (prop.maxLength) input.maxLength = prop.maxLength;
    }
    input.name = name;
    input.disabled = !canEdit;
    label.append(input);
    if (prop["x-field-type"] === "photo") label.append(...photoPicker(input, options));
    box.append(label);
  }
}

// A photo field: the photo's address in the text box, a camera / file button that uploads one (checked and
// stripped of EXIF by the server, layers/themes/photos.py), and the photo itself.
function photoPicker(input, { canEdit, layerName, say, failed }) {
  const preview = document.createElement("img");
  preview.className = "photo-preview";
  preview.alt = "";
  preview.hidden = true;
  input.addEventListener("change", () => showPhoto(input));
  input.photoPreview = preview;
  if (!canEdit) return [preview];
  const file = document.createElement("input");
  file.type = "file";
  file.accept = "image/jpeg,image/png,image/webp";
  file.setAttribute("capture", "environment"); // a phone opens its camera
  file.className = "photo-file";
  file.setAttribute("aria-label", _("Take or choose a photo"));
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const data = new FormData();
    data.append("photo", file.files[0]);
    say(_("Uploading the photo…"), "");
    const response = await fetch(`/api/v1/themes/${layerName}/photos`, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      failed(new ApiError(response.status, body));
      return;
    }
    input.value = body.url;
    showPhoto(input);
    say(_("Photo ready: save the feature to keep it."));
  });
  return [file, preview];
}

function showPhoto(input) {
  const preview = input.photoPreview;
  if (!preview) return;
  preview.hidden = !input.value;
  if (input.value) preview.src = input.value;
}

/** Show a feature's properties in the form. */
export function fillForm(form, schema, props) {
  for (const [name, prop] of editableFields(schema)) {
    if (prop.format === "date") setDate(form.elements[name], props[name]);
    else form.elements[name].value = props[name] ?? "";
    if (prop["x-field-type"] === "photo") showPhoto(form.elements[name]);
  }
}

/** The form's values as the API takes them: null for empty, numbers as numbers, dates as ISO. */
export function formValues(form, schema) {
  const props = {};
  for (const [name, prop] of editableFields(schema)) {
    const raw = prop.format === "date" ? dateValue(form.elements[name]) : form.elements[name].value;
    props[name] = raw === "" ? null : prop.type === "number" || prop.type === "integer" ? Number(raw) : raw;
  }
  return props;
}
