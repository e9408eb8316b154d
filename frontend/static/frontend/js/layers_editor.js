// Officers' map editor for any editable registry layer (waste points, forest plots): draw, move, reshape and
// delete points and polygons with Leaflet-Geoman, an attribute form built from the layer's schema, snapping.
// Every save goes through OGC API Features Part 4 with the version the officer read; a 409 shows both versions.
// History with revert, and restore of soft-deleted features, through /api/v1/layers/.
import { showVersions, shown } from "./conflict.js";
import { setupImport } from "./layer_import.js";
import { ApiError, csrfToken, request } from "./request.js";
import { dateInput, dateValue, formatDateTime, formatNumber, setDate } from "./i18n_format.js";
import { addBasemap } from "./basemap.js";
import { addSearch } from "./search.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => obj[k]));
const $ = (id) => document.getElementById(id);
const mapEl = $("map");
const canEdit = mapEl.dataset.canEdit === "true";
const params = new URLSearchParams(window.location.search);
const layerName = params.get("layer") || mapEl.dataset.layer;
const items = `/ogc/collections/${layerName}/items`;
const api = `/api/v1/layers/${layerName}/features/`;

const map = L.map(mapEl, { maxZoom: 21 }).setView([10.7745, 106.6835], 16);
window.portalMap = map;
addBasemap(map);
addSearch(map);
const form = $("feature-form");
const group = L.featureGroup().addTo(map);
const shapes = new Map(); // feature id → Leaflet layer
let schema = null;
let selected = null; // the Leaflet layer whose form is open
let pending = null; // the body refused with a 409, to resend over the newer version

function say(text, kind = "") {
  const box = $("status");
  box.className = kind;
  box.textContent = text;
}

function failed(err) {
  say(err instanceof ApiError ? err.message : String(err), "error");
}

const editable = () => Object.entries(schema.properties).filter(([, p]) => !p.readOnly);
const isPoint = () => schema["x-geometry-type"] === "Point";
const isLine = () => /LineString$/.test(schema["x-geometry-type"] || "");

// --- the form, from the layer's schema (/ogc/collections/{layer}/schema)
function buildForm() {
  const box = $("form-fields");
  box.replaceChildren();
  for (const [name, prop] of editable()) {
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
    if (prop["x-field-type"] === "photo") label.append(...photoPicker(input));
    box.append(label);
  }
}

// A photo field: the photo's address in the text box, a camera / file button that uploads one (checked and
// stripped of EXIF by the server, layers/themes/photos.py), and the photo itself.
function photoPicker(input) {
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

function fill(props) {
  for (const [name, prop] of editable()) {
    if (prop.format === "date") setDate(form.elements[name], props[name]);
    else form.elements[name].value = props[name] ?? "";
    if (prop["x-field-type"] === "photo") showPhoto(form.elements[name]);
  }
  $("version").textContent = props.version ?? "—";
}

function formProperties() {
  const props = {};
  for (const [name, prop] of editable()) {
    const raw = prop.format === "date" ? dateValue(form.elements[name]) : form.elements[name].value;
    props[name] = raw === "" ? null : prop.type === "number" || prop.type === "integer" ? Number(raw) : raw;
  }
  return props;
}

// --- features on the map
function shapeOf(feature) {
  const options = { pmIgnore: !canEdit };
  if (feature.geometry.type === "Point") {
    const [lon, lat] = feature.geometry.coordinates;
    return L.marker([lat, lon], { ...options, title: feature.properties.name || feature.properties.code || "" });
  }
  const latlngs = L.GeoJSON.coordsToLatLngs(feature.geometry.coordinates, nesting(feature.geometry));
  const style = { ...options, color: schema["x-style"].color || "#166534" };
  return /LineString$/.test(feature.geometry.type)
    ? L.polyline(latlngs, { ...style, weight: 4 })
    : L.polygon(latlngs, { ...style, weight: 2 });
}

// How deep a geometry's coordinates nest below one position: a line 0, a polygon or lines 1, polygons 2.
const nesting = (geometry) => ({ LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2 })[geometry.type] ?? 1;

function track(shape) {
  shape.on("click", () => openForm(shape));
  // Geoman may fire both pm:dragend and pm:edit for one move: saves queue up per shape, and a geometry
  // equal to the one last saved is not sent again (it would meet its own new version as a 409).
  for (const event of ["pm:dragend", "pm:edit"]) {
    shape.on(event, () => { shape._saving = (shape._saving || Promise.resolve()).then(() => reshaped(shape)); });
  }
}

const rounded = (geometry) => JSON.stringify(geometry.coordinates, (k, v) => (typeof v === "number" ? +v.toFixed(6) : v));

function addFeature(feature) {
  const shape = shapeOf(feature);
  shape.feature = feature;
  track(shape);
  group.addLayer(shape);
  (shape.getElement?.() || shape._path)?.classList.add("layer-feature");
  shapes.set(feature.id, shape);
  return shape;
}

// The features in view (the API answers up to a screenful and says how many the view holds); those that left
// the view are dropped so that panning does not pile them up, and a cut list says "showing N of M".
let loading = 0;
async function loadInView() {
  const token = ++loading;
  if (map.getZoom() < schema["x-minzoom"] - 2) {
    $("zoom-hint").hidden = false;
    $("view-count").textContent = "";
    return;
  }
  $("zoom-hint").hidden = true;
  const data = await request(`${api}?bbox=${map.getBounds().toBBoxString()}`);
  if (token !== loading) return;
  const seen = new Set();
  for (const feature of data.features) {
    seen.add(feature.id);
    const known = shapes.get(feature.id);
    if (!known) addFeature(feature);
    else if (known !== selected) known.feature = feature;
  }
  for (const [id, shape] of shapes) {
    if (!seen.has(id) && shape !== selected) {
      group.removeLayer(shape);
      shapes.delete(id);
    }
  }
  const total = data.count ?? data.features.length;
  $("view-count").textContent = data.truncated
    ? interpolate(_("Showing %(shown)s of %(total)s features in view: zoom in to see them all."),
      { shown: formatNumber(data.features.length), total: formatNumber(total) }, true)
    : "";
  mapEl.dataset.shown = data.features.length;
  mapEl.dataset.total = total;
  mapEl.dataset.loaded = "true";
}

// --- opening a feature
async function openForm(shape) {
  selected = shape;
  form.dataset.state = "loading";
  $("conflict").hidden = true;
  const id = shape.feature?.id;
  if (id) {
    const fresh = await request(`${api}${id}/`);
    shape.feature = fresh;
    fill(fresh.properties);
    showHistory(id);
  } else {
    fill({});
    $("history").hidden = true;
  }
  const c = shape.getLatLng ? shape.getLatLng() : shape.getBounds().getCenter();
  $("position").textContent = `${c.lat.toFixed(6)}, ${c.lng.toFixed(6)}`;
  form.hidden = false;
  if ($("delete")) $("delete").hidden = !id;
  form.dataset.state = "ready";
}

function closeForm() {
  if (selected && !selected.feature?.id) group.removeLayer(selected); // an unsaved new shape
  selected = null;
  form.hidden = true;
  $("conflict").hidden = true;
  $("history").hidden = true;
}

// --- saving: POST a new feature, PATCH a known one with the version read; repair only when the officer agrees
async function save(properties, geometry, version, repair = false) {
  const shape = selected;
  const id = shape.feature?.id;
  const body = { type: "Feature", properties: { ...properties }, geometry };
  if (id) body.properties.version = version;
  const query = repair ? "?repair=true" : "";
  try {
    const saved = id
      ? await request(`${items}/${id}${query}`, { method: "PATCH", body })
      : await request(`${items}${query}`, { method: "POST", body });
    if (!id) {
      group.removeLayer(shape);
      selected = addFeature(saved);
    } else {
      selected.feature = saved;
      if (repair) redraw(selected, saved);
    }
    fill(saved.properties);
    say(`${_("Saved.")} (${_("version")} ${saved.properties.version})`, "ok");
    $("conflict").hidden = true;
    showHistory(saved.id);
    loadStats();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      showConflict(body, err.body.details.current);
    } else if (err instanceof ApiError && err.body?.error === "invalid_geometry" && err.body.details?.repairable) {
      if (window.confirm(`${err.message}\n\n${_("Repair the shape automatically?")}`)) {
        await save(properties, geometry, version, true);
      } else failed(err);
    } else failed(err);
  }
}

function redraw(shape, feature) {
  if (shape.setLatLngs) shape.setLatLngs(L.GeoJSON.coordsToLatLngs(feature.geometry.coordinates, nesting(feature.geometry)));
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  save(formProperties(), selected.toGeoJSON().geometry, Number($("version").textContent));
});
$("cancel").addEventListener("click", closeForm);

// Moved or reshaped on the map: only the geometry is sent, with the version the shape was read at.
async function reshaped(shape) {
  if (!shape.feature?.id) return;
  if (rounded(shape.toGeoJSON().geometry) === rounded(shape.feature.geometry)) return;
  selected = shape;
  await save({}, shape.toGeoJSON().geometry, shape.feature.properties.version);
  if (form.hidden) openForm(shape);
}

// --- 409: both versions side by side; the officer decides
function showConflict(mine, current) {
  pending = mine;
  const theirs = current.properties;
  const lines = Object.keys(mine.properties).filter((n) => n !== "version")
    .map((n) => [n, shown(mine.properties[n]), shown(theirs[n])]);
  if (mine.geometry) lines.push(["geometry", JSON.stringify(mine.geometry.coordinates).slice(0, 60), JSON.stringify(current.geometry.coordinates).slice(0, 60)]);
  showVersions(lines, theirs.version);
  say(_("Someone else saved this feature first; nothing of yours was saved yet."), "error");
}

$("keep-theirs").addEventListener("click", async () => {
  const fresh = await request(`${api}${selected.feature.id}/`);
  group.removeLayer(selected);
  shapes.delete(fresh.id);
  selected = addFeature(fresh);
  fill(fresh.properties);
  $("conflict").hidden = true;
  say(_("Reloaded the saved version."), "ok");
});

$("keep-mine").addEventListener("click", () => {
  save(pending.properties, pending.geometry, Number($("conflict").dataset.currentVersion));
});

// --- soft delete and restore
async function remove(shape) {
  const { id, properties } = shape.feature;
  try {
    await request(`${items}/${id}?version=${properties.version}`, { method: "DELETE" });
    shapes.delete(id);
    group.removeLayer(shape);
    selected = shape;
    closeForm();
    say(_("Deleted. It can be restored from the deleted features."), "ok");
    loadStats();
  } catch (err) {
    if (!group.hasLayer(shape)) group.addLayer(shape);
    if (err instanceof ApiError && err.status === 409) {
      selected = shape;
      showConflict({ properties: { deleted: true } }, err.body.details.current);
    } else failed(err);
  }
}

if ($("delete")) {
  $("delete").addEventListener("click", () => {
    if (window.confirm(_("Delete this feature? It can be restored later."))) remove(selected);
  });
}

if ($("show-deleted")) {
  $("show-deleted").addEventListener("click", async () => {
    const data = await request(`${api}?deleted=true`);
    const list = $("deleted-list");
    list.replaceChildren();
    for (const f of data.features) {
      const li = document.createElement("li");
      li.textContent = `${f.properties.name || f.properties.code || f.id} (v${f.properties.version})`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "restore";
      button.textContent = _("Restore");
      button.addEventListener("click", async () => {
        try {
          const back = await request(`${api}${f.id}/restore`, { method: "POST", body: { version: f.properties.version } });
          li.remove();
          addFeature(back);
          say(_("Restored."), "ok");
        } catch (err) { failed(err); }
      });
      li.append(button);
      list.append(li);
    }
  });
}

// --- history, with revert to an earlier version
const fieldTitle = (name) =>
  name === "geom" ? _("position") : name === "is_deleted" ? _("deleted") : schema.properties[name]?.title || name;

function reasonText(reason) {
  if (!reason) return "";
  const back = reason.match(/^reverted to version (\d+)$/);
  if (back) return `${_("reverted to version")} ${back[1]}`;
  return { imported: _("imported"), deleted: _("deleted"), restored: _("restored") }[reason] || reason;
}

async function showHistory(id) {
  try {
    const data = await request(`${api}${id}/history`);
    const list = $("history-list");
    list.replaceChildren();
    const current = data.history[0]?.version;
    for (const h of data.history) {
      const li = document.createElement("li");
      const fields = Object.keys(h.changes).map(fieldTitle).join(", ");
      const when = h.at ? formatDateTime(h.at) : "—";
      li.textContent = `v${h.version} · ${when} · ${h.user ?? "—"} · ${[reasonText(h.reason), fields].filter(Boolean).join(": ")}`;
      if (canEdit && h.version < current) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "revert";
        button.dataset.version = h.version;
        button.textContent = _("Revert to this version");
        // The version the form shows is the one this officer read: a revert over a newer save is a 409.
        button.addEventListener("click", () => revert(id, h.version, Number($("version").textContent)));
        li.append(button);
      }
      list.append(li);
    }
    $("history").hidden = false;
  } catch {
    $("history").hidden = true; // not everyone may read the history
  }
}

async function revert(id, toVersion, current) {
  try {
    const back = await request(`${api}${id}/revert`, { method: "POST", body: { to_version: toVersion, version: current } });
    group.removeLayer(selected);
    shapes.delete(id);
    selected = addFeature(back);
    fill(back.properties);
    say(`${_("Reverted.")} (${_("version")} ${back.properties.version})`, "ok");
    showHistory(id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) showConflict({ properties: {} }, err.body.details.current);
    else failed(err);
  }
}

// --- waste statistics per khu phố and kind
async function loadStats() {
  if (layerName !== "waste_points") return;
  const data = await request("/api/v1/waste/stats");
  $("stats-head").innerHTML = "";
  const head = document.createElement("tr");
  for (const text of [_("Khu phố"), ...data.kinds.map((k) => k.label), _("Total")]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  $("stats-head").append(head);
  const body = $("stats-body");
  body.replaceChildren();
  for (const row of data.by_khu_pho) {
    const tr = document.createElement("tr");
    for (const text of [row.khu_pho ?? "—", ...[...data.kinds.map((k) => row[k.kind] ?? 0), row.total].map((n) => formatNumber(n))]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  $("stats").hidden = false;
}

// --- Geoman tools
function tools() {
  if (!canEdit) return;
  const point = isPoint();
  const line = isLine();
  if (document.documentElement.lang === "vi") {
    map.pm.setLang("vi", {
      tooltips: { placeMarker: "Bấm vào bản đồ để đặt điểm", firstVertex: "Bấm để đặt đỉnh đầu tiên",
        continueLine: "Bấm để vẽ tiếp", finishLine: "Bấm vào đỉnh cuối để kết thúc đường",
        finishPoly: "Bấm vào đỉnh đầu để khép vùng" },
      actions: { finish: "Xong", cancel: "Hủy", removeLastVertex: "Xóa đỉnh cuối" },
      buttonTitles: { drawMarkerButton: "Thêm điểm", drawPolyButton: "Vẽ vùng", drawLineButton: "Vẽ đường", editButton: "Sửa hình",
        dragButton: "Dời (kéo thả)", deleteButton: "Xóa" },
    }, "en");
  }
  map.pm.addControls({
    position: "topleft", drawMarker: point, drawPolygon: !point && !line, drawCircleMarker: false, drawPolyline: line,
    drawRectangle: false, drawCircle: false, drawText: false, editMode: !point, dragMode: true, cutPolygon: false,
    removalMode: true, rotateMode: false,
  });
  // Geoman's tool buttons are empty links titled on their wrapper: give each its name for screen readers.
  for (const button of mapEl.querySelectorAll(".leaflet-buttons-control-button")) {
    button.setAttribute("aria-label", button.closest("[title]")?.title || "");
  }
  map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: true });
  map.on("pm:create", (e) => {
    const shape = e.layer;
    shape.feature = null;
    group.addLayer(shape);
    track(shape);
    openForm(shape);
  });
  map.on("pm:remove", (e) => {
    const shape = e.layer;
    if (!shape.feature?.id) return;
    if (window.confirm(_("Delete this feature? It can be restored later."))) remove(shape);
    else group.addLayer(shape);
  });
}

async function start() {
  const catalog = await request("/api/v1/layers/");
  const select = $("layer-select");
  for (const entry of catalog.filter((e) => e.editable)) {
    select.append(new Option(document.documentElement.lang === "vi" ? entry.title : entry.title_en, entry.name));
  }
  select.value = layerName;
  select.addEventListener("change", () => { window.location.search = `?layer=${select.value}`; });
  schema = await request(`/ogc/collections/${layerName}/schema`);
  buildForm();
  tools();
  const fields = editable().map(([name, prop]) => [name, prop.title]);
  if (canEdit) setupImport(layerName, () => Promise.all([loadInView(), loadStats()]).catch(failed), fields);
  $("export-links").replaceChildren(_("Export:"), ...["geojson", "gpkg", "shp", "kml", ...(isPoint() ? ["gpx"] : []), "csv", "xlsx"].map((fmt) => {
    const a = document.createElement("a");
    a.href = `/api/v1/layers/${layerName}/export.${fmt}`;
    a.textContent = ` ${fmt}`;
    return a;
  }));
  loadStats().catch(failed);
  const scope = JSON.parse(mapEl.dataset.wardScope || "[]");
  const wards = await request("/api/v1/admin-units/?level=ward");
  const outline = L.geoJSON(wards, {
    style: { color: "#0b5394", weight: 2, fill: false }, pmIgnore: true, interactive: false, snapIgnore: true,
  }).addTo(map);
  const own = outline.getLayers().filter((l) => scope.includes(l.feature.id));
  // Open on the layer's own features in the officer's wards, close enough to edit.
  const first = await request(`${api}`).catch(() => ({ features: [] }));
  const mine = L.geoJSON(first.features);
  const bounds = mine.getLayers().length ? mine.getBounds() : (own.length ? L.featureGroup(own) : outline).getBounds();
  // A single point has no extent: its "best" zoom is the maximum; 18 is close enough to edit.
  const zoom = Math.min(18, Math.max(map.getBoundsZoom(bounds), schema["x-minzoom"]));
  // Not animated: the page says it is loaded only once the view has settled, and a click (an officer's, or a
  // test's) landing mid-animation would put a vertex somewhere else than where it was aimed.
  if (bounds.isValid()) map.setView(bounds.getCenter(), zoom, { animate: false });
  map.on("moveend", () => loadInView().catch(failed));
  await loadInView();
}

start().catch(failed);
