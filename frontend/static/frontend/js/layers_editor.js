// Officers' map editor for any editable registry layer (waste points, forest plots): draw, move, reshape and
// delete points and polygons with Leaflet-Geoman, an attribute form built from the layer's schema, snapping.
// Every save goes through OGC API Features Part 4 with the version the officer read; a 409 shows both versions.
// History with revert, and restore of soft-deleted features, through /api/v1/layers/.
import { movedText, showVersions, shown } from "./conflict.js";
import { clearFieldErrors, sayNear, showFieldErrors } from "./form_feedback.js";
import { setupImport } from "./layer_import.js";
import { buildForm, editableFields, fillForm, formValues } from "./layers_form.js";
import { symbolIcon, WASTE_SYMBOLS } from "./legend.js";
import { ApiError, request } from "./request.js";
import { changedAny, nothingToSave, sameGeometry } from "./unchanged.js";
import { formatDate, formatDateTime, formatNumber } from "./i18n_format.js";
import { loadStats } from "./waste_stats.js";
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
  sayNear(form, $("status"), text, kind);
}

// The API's message names each refused field by its title; the form's fields get theirs underneath.
function failed(err) {
  say(err instanceof ApiError ? err.message : String(err), "error");
  if (err instanceof ApiError && !form.hidden) showFieldErrors(form, err.body);
}

const editable = () => editableFields(schema);
const isPoint = () => schema["x-geometry-type"] === "Point";
const isLine = () => /LineString$/.test(schema["x-geometry-type"] || "");

// --- the form, from the layer's schema (layers_form.js)
const fill = (props) => {
  fillForm(form, schema, props);
  $("version").textContent = props.version ?? "—";
};
const formProperties = () => formValues(form, schema);

// --- features on the map
// A point's symbol, as the public map draws it (map.js): waste points by kind, a layer styled by a field in that
// field's colours; null for the plain marker.
function symbolOf(props) {
  const style = schema["x-style"] || {};
  if (layerName === "waste_points" && WASTE_SYMBOLS[props.kind]) return WASTE_SYMBOLS[props.kind];
  const color = style.by && (style.colors || {})[props[style.by]];
  return color ? { shape: "circle", color } : null;
}

function iconOf(props) {
  const symbol = symbolOf(props);
  return symbol ? symbolIcon(symbol, 24, `symbol-${props[schema["x-style"]?.by || "kind"] || "point"}`) : new L.Icon.Default();
}

function shapeOf(feature) {
  const options = { pmIgnore: !canEdit };
  if (feature.geometry.type === "Point") {
    const [lon, lat] = feature.geometry.coordinates;
    return L.marker([lat, lon], {
      ...options, icon: iconOf(feature.properties), title: feature.properties.name || feature.properties.code || "",
    });
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

const markShape = (shape) => (shape.getElement?.() || shape._path)?.classList.add("layer-feature");

function addFeature(feature) {
  const shape = shapeOf(feature);
  shape.feature = feature;
  track(shape);
  group.addLayer(shape);
  markShape(shape);
  shapes.set(feature.id, shape);
  return shape;
}

// A saved point whose kind changed takes the kind's symbol.
function restyle(shape) {
  if (!shape.setIcon || !shape.feature) return;
  shape.setIcon(iconOf(shape.feature.properties));
  markShape(shape);
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
  clearFieldErrors(form);
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
  clearFieldErrors(form);
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
      restyle(selected);
    }
    fill(saved.properties);
    clearFieldErrors(form);
    // The server keeps the version when nothing differed from what it holds (text it tidies the same way, say).
    if (id && saved.properties.version === version) say(nothingToSave(), "ok");
    else say(`${_("Saved.")} (${_("version")} ${saved.properties.version})`, "ok");
    $("conflict").hidden = true;
    if ($("delete")) $("delete").hidden = false; // it exists now: a mistaken add can be undone from here
    showHistory(saved.id);
    loadStats(layerName);
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
  const properties = formProperties();
  const version = Number($("version").textContent);
  const read = selected.feature;
  if (!read?.id) {
    save(properties, selected.toGeoJSON().geometry, version);
    return;
  }
  // Leaflet's toGeoJSON() rounds to 6 decimals: a shape the officer did not move goes back as it was read.
  const moved = !sameGeometry(selected.toGeoJSON().geometry, read.geometry);
  if (!moved && !changedAny(properties, read.properties)) {
    clearFieldErrors(form);
    say(nothingToSave(), "ok");
    return;
  }
  save(properties, moved ? selected.toGeoJSON().geometry : read.geometry, version);
});
$("cancel").addEventListener("click", closeForm);

// Moved or reshaped on the map: only the geometry is sent, with the version the shape was read at.
async function reshaped(shape) {
  if (!shape.feature?.id) return;
  if (sameGeometry(shape.toGeoJSON().geometry, shape.feature.geometry)) return;
  selected = shape;
  await save({}, shape.toGeoJSON().geometry, shape.feature.properties.version);
  if (form.hidden) openForm(shape);
}

// --- 409: both versions side by side, in words; the officer decides
// A value as the form shows it: a choice's label, a date dd/mm/yyyy, a number in the page's format.
function inWords(name, value) {
  if (name === "deleted") return value ? _("yes") : _("no");
  if (value === null || value === undefined || value === "") return "—";
  const prop = schema.properties[name] || {};
  if (prop.enum) return prop["x-labels"]?.[value] || shown(value);
  if (prop.format === "date") return formatDate(value);
  if (prop.type === "number" || prop.type === "integer") return formatNumber(value);
  return shown(value);
}

// A geometry against the one this officer read: a point by how far it moved, a shape changed or not.
function shapeChange(read, geometry) {
  if (!read || !geometry) return "—";
  if (geometry.type === "Point") return movedText(read.coordinates, geometry.coordinates);
  return sameGeometry(read, geometry) ? _("not changed") : _("shape changed");
}

function showConflict(mine, current) {
  pending = mine;
  const theirs = current.properties;
  const lines = Object.keys(mine.properties).filter((n) => n !== "version")
    .map((n) => [fieldTitle(n), inWords(n, mine.properties[n]), inWords(n, n === "deleted" ? false : theirs[n])]);
  if (mine.geometry) {
    const read = selected?.feature?.geometry;
    lines.push([fieldTitle("geom"), shapeChange(read, mine.geometry), shapeChange(read, current.geometry)]);
  }
  say(_("Someone else saved this feature first; nothing of yours was saved yet."), "error");
  showVersions(lines, theirs.version);
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
    loadStats(layerName);
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
const fieldTitle = (name) => (name === "geom" ? _("position")
  : name === "is_deleted" || name === "deleted" ? _("deleted") : schema.properties[name]?.title || name);

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
  buildForm($("form-fields"), schema, { canEdit, layerName, say, failed });
  tools();
  const fields = editable().map(([name, prop]) => [name, prop.title]);
  if (canEdit) setupImport(layerName, () => Promise.all([loadInView(), loadStats(layerName)]).catch(failed), fields);
  $("export-links").replaceChildren(_("Export:"), ...["geojson", "gpkg", "shp", "kml", ...(isPoint() ? ["gpx"] : []), "csv", "xlsx"].map((fmt) => {
    const a = document.createElement("a");
    a.href = `/api/v1/layers/${layerName}/export.${fmt}`;
    a.textContent = ` ${fmt}`;
    return a;
  }));
  loadStats(layerName).catch(failed);
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
