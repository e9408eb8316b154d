// Officers' map editor for business households: place, move, edit and soft-delete points.
// Every save goes through the API with the version the officer read; a 409 shows both versions.
import { movedText, showVersions, shown } from "./conflict.js";
import { clearFieldErrors, sayNear, showFieldErrors } from "./form_feedback.js";
import { ApiError, request } from "./request.js";
import { changedAny, nothingToSave, sameGeometry } from "./unchanged.js";
import { dateInput, dateValue, formatDate, formatDateTime, formatNumber, setDate } from "./i18n_format.js";
import { addBasemap } from "./basemap.js";
import { addSearch } from "./search.js";
import { PHONE } from "./dom.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
// A phone's map (390 × 460 px) at z17 held 2,652 of the demo ward's businesses, a carpet of pins: there it opens at a
// street's scale, and asks for the markers from one zoom closer.
const MIN_ZOOM = PHONE ? 18 : 16; // below this a ward holds thousands of points: too many markers to edit
const PAGE = 1000; // the list API's largest page
const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => obj[k]));
const FIELDS = ["signboard", "registration_no", "industry", "owner_name", "owner_phone", "address_current",
  "street_block", "status", "registered_on"];

const mapEl = $("map");
const canEdit = mapEl.dataset.canEdit === "true";
// Markers at once: Leaflet draws each as a DOM element, and a few thousand is what a page stays usable with.
const VIEW_CAP = Number(mapEl.dataset.viewCap || 2000);
const map = L.map(mapEl).setView([10.7745, 106.6835], PHONE ? 19 : 17);
window.portalMap = map;
addBasemap(map);
addSearch(map);

const form = $("business-form");
const markers = new Map(); // business id → marker
const layer = L.featureGroup().addTo(map);
let selected = null; // the marker whose form is open
let pending = null; // the body refused with a 409, to resend over the newer version

function say(text, kind = "") {
  sayNear(form, $("status"), text, kind);
}

// The API's message names each refused field by its label; the fields shown on the form get theirs underneath.
function failed(err) {
  say(err instanceof ApiError ? err.message : String(err), "error");
  if (err instanceof ApiError && !form.hidden) showFieldErrors(form, err.body);
}

// --- loading
async function loadIndustries() {
  const data = await request("/api/v1/businesses/industries?level=4");
  const select = form.elements.industry;
  for (const row of data.results) {
    select.append(new Option(`${row.code} — ${row.name}`, row.id));
  }
}

function addMarker(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const marker = L.marker([lat, lon], { title: feature.properties.signboard, pmIgnore: !canEdit });
  marker.feature = feature;
  marker.on("click", () => openForm(marker));
  marker.on("pm:dragend", () => moved(marker));
  layer.addLayer(marker);
  marker.getElement()?.classList.add("business-marker");
  markers.set(feature.id, marker);
  return marker;
}

// The businesses in view, page after page up to VIEW_CAP; the panel says "showing N of M" when the view holds
// more, and markers that left the view are dropped so that panning across a ward does not pile them up.
let loading = 0; // the latest load: an older one still paging stops when the view has moved on
async function loadInView() {
  const token = ++loading;
  if (map.getZoom() < MIN_ZOOM) {
    $("zoom-hint").hidden = false;
    $("view-count").textContent = "";
    return;
  }
  $("zoom-hint").hidden = true;
  const seen = new Set();
  let url = `/api/v1/businesses/?bbox=${map.getBounds().toBBoxString()}&page_size=${Math.min(PAGE, VIEW_CAP)}`;
  let total = 0;
  while (url && seen.size < VIEW_CAP) {
    const data = await request(url);
    if (token !== loading) return;
    total = data.count ?? data.features.length;
    for (const feature of data.features.slice(0, VIEW_CAP - seen.size)) {
      seen.add(feature.id);
      const known = markers.get(feature.id);
      if (!known) addMarker(feature);
      else if (known !== selected) known.feature = feature;
    }
    // Same origin, whatever host name the API wrote into `next` (a proxy may rewrite it).
    const next = data.next ? new URL(data.next, window.location.href) : null;
    url = next ? next.pathname + next.search : null;
  }
  for (const [id, marker] of markers) {
    if (!seen.has(id) && marker !== selected) {
      layer.removeLayer(marker);
      markers.delete(id);
    }
  }
  const shown = seen.size;
  $("view-count").textContent = shown < total
    ? interpolate(_("Showing %(shown)s of %(total)s businesses in view: zoom in to see them all."),
      { shown: formatNumber(shown), total: formatNumber(total) }, true)
    : interpolate(_("%(total)s businesses in view."), { total: formatNumber(total) }, true);
  mapEl.dataset.shown = shown;
  mapEl.dataset.total = total;
  mapEl.dataset.loaded = "true";
}

// --- the form
function fill(props) {
  for (const name of FIELDS) {
    if (name === "registered_on") setDate(form.elements[name], props[name]);
    else form.elements[name].value = props[name] ?? "";
  }
  form.elements.id.value = props.id ?? "";
  form.elements.version.value = props.version ?? "";
}

async function openForm(marker) {
  selected = marker;
  form.dataset.state = "loading"; // typing waits for the fresh record, or it would be overwritten
  $("conflict").hidden = true;
  clearFieldErrors(form);
  const id = marker.feature?.id;
  if (id) {
    const fresh = await request(`/api/v1/businesses/${id}/`);
    marker.feature = fresh;
    fill({ ...fresh.properties, id: fresh.id });
    showHistory(id);
  } else {
    fill({ status: "active", registered_on: new Date().toISOString().slice(0, 10) });
    $("history").hidden = true;
  }
  const { lat, lng } = marker.getLatLng();
  $("position").textContent = `${formatNumber(lat, 6)}; ${formatNumber(lng, 6)}`;
  form.hidden = false;
  const del = $("delete");
  if (del) del.hidden = !id;
  form.dataset.state = "ready";
}

function closeForm() {
  if (selected && !selected.feature?.id) layer.removeLayer(selected); // an unsaved new marker
  selected = null;
  form.hidden = true;
  clearFieldErrors(form);
  $("conflict").hidden = true;
  $("history").hidden = true;
}

function formBody() {
  const body = {};
  for (const name of FIELDS) body[name] = form.elements[name].value;
  body.registered_on = dateValue(form.elements.registered_on); // typed dd/mm/yyyy, sent as an ISO date
  body.industry = Number(body.industry);
  const { lat, lng } = selected.getLatLng();
  body.geom = { type: "Point", coordinates: [lng, lat] };
  return body;
}

async function save(body, version) {
  const id = selected.feature?.id;
  try {
    const saved = id
      ? await request(`/api/v1/businesses/${id}/`, { method: "PATCH", body: { ...body, version } })
      : await request("/api/v1/businesses/", { method: "POST", body });
    if (!id) {
      layer.removeLayer(selected);
      selected = addMarker(saved);
    } else {
      selected.feature = saved;
    }
    fill({ ...saved.properties, id: saved.id });
    clearFieldErrors(form);
    // The server keeps the version when nothing differed from what it holds (text it tidies the same way, say).
    if (id && saved.properties.version === version) say(nothingToSave(), "ok");
    else say(_("Saved.") + ` (${_("version")} ${saved.properties.version})`, "ok");
    $("conflict").hidden = true;
    if ($("delete")) $("delete").hidden = false; // it exists now: a mistaken add can be undone from here
    showHistory(saved.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) showConflict(body, err.body.details.current);
    else failed(err);
  }
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = formBody();
  const read = selected.feature;
  if (read?.id) {
    // A point the officer did not move goes back as it was read, to the last decimal; nothing changed, nothing sent.
    const { geom, ...values } = body;
    const moved = !sameGeometry(geom, read.geometry);
    if (!moved) body.geom = read.geometry;
    if (!moved && !changedAny(values, read.properties)) {
      clearFieldErrors(form);
      say(nothingToSave(), "ok");
      return;
    }
  }
  save(body, Number(form.elements.version.value));
});
$("cancel").addEventListener("click", closeForm);

// --- moving a point: saved at once, with the version the marker was read at
async function moved(marker) {
  if (!marker.feature?.id) {
    $("position").textContent = marker.getLatLng().toString();
    return;
  }
  selected = marker;
  const { lat, lng } = marker.getLatLng();
  const body = { geom: { type: "Point", coordinates: [lng, lat] } };
  await save(body, marker.feature.properties.version);
  if (form.hidden) openForm(marker);
}

// --- 409: both versions side by side, in words; the officer decides
// A value as the form shows it: an option's text (industry code and name, status), a date dd/mm/yyyy.
function inWords(name, value) {
  if (name === "deleted") return value ? _("yes") : _("no");
  if (value === null || value === undefined || value === "") return "—";
  const select = form.elements[name];
  if (select?.tagName === "SELECT") {
    const option = [...select.options].find((o) => o.value === String(value));
    return option ? option.text : shown(value);
  }
  if (/_on$/.test(name)) return formatDate(value);
  return shown(value);
}

function showConflict(mine, current) {
  pending = mine;
  const theirs = current.properties;
  // Positions as how far each version moved the point from where this officer read it.
  const read = selected?.feature?.geometry?.coordinates;
  say(_("Someone else saved this business first; nothing of yours was saved yet."), "error");
  showVersions(Object.keys(mine).map((name) => (name === "geom"
    ? [fieldTitle(name), movedText(read, mine.geom.coordinates), movedText(read, current.geometry.coordinates)]
    : [fieldTitle(name), inWords(name, mine[name]), inWords(name, name === "deleted" ? false : theirs[name])])),
  theirs.version);
}

$("keep-theirs").addEventListener("click", async () => {
  const id = selected.feature.id;
  const fresh = await request(`/api/v1/businesses/${id}/`);
  selected.feature = fresh;
  const [lon, lat] = fresh.geometry.coordinates;
  selected.setLatLng([lat, lon]);
  fill({ ...fresh.properties, id: fresh.id });
  $("conflict").hidden = true;
  say(_("Reloaded the saved version."), "ok");
});

$("keep-mine").addEventListener("click", () => {
  save(pending, Number($("conflict").dataset.currentVersion));
});

// --- soft delete
async function remove(marker) {
  const { id, properties } = marker.feature;
  try {
    await request(`/api/v1/businesses/${id}/?version=${properties.version}`, { method: "DELETE" });
    markers.delete(id);
    layer.removeLayer(marker);
    selected = marker;
    closeForm();
    say(_("Deleted. An administrator or ward officer can restore it from the history."), "ok");
  } catch (err) {
    if (!layer.hasLayer(marker)) layer.addLayer(marker);
    if (err instanceof ApiError && err.status === 409) {
      selected = marker;
      showConflict({ deleted: true }, err.body.details.current);
    } else failed(err);
  }
}

const del = $("delete");
if (del) {
  del.addEventListener("click", () => {
    if (window.confirm(_("Delete this business? It can be restored later."))) remove(selected);
  });
}

// --- history
// A field's name as the form labels it (the history and the 409 panel list field keys); the fields the form does
// not show, by the names the API's refusals give them (businesses/api/serializers.py FIELD_LABELS).
const HIDDEN_TITLES = {
  geom: () => _("position"),
  is_deleted: () => _("deleted"),
  deleted: () => _("deleted"),
  address_legacy: () => _("Former address"),
  ward: () => _("Ward"),
  khu_pho: () => _("Khu phố"),
  section: () => _("Industry section"),
  licences: () => _("Licences"),
  status_changed_on: () => _("Status changed on"),
  house_number: () => _("House number"),
};

function fieldTitle(name) {
  if (HIDDEN_TITLES[name]) return HIDDEN_TITLES[name]();
  const label = form.elements[name]?.closest("label");
  return label ? label.firstChild.textContent.trim() : name;
}

async function showHistory(id) {
  try {
    const data = await request(`/api/v1/businesses/${id}/history`);
    const list = $("history-list");
    list.replaceChildren();
    for (const h of data.history) {
      const li = document.createElement("li");
      const fields = Object.keys(h.changes).map(fieldTitle).join(", ");
      const when = h.at ? formatDateTime(h.at) : "—";
      li.textContent = `v${h.version} · ${when} · ${h.user ?? "—"} · ${fields}`;
      list.append(li);
    }
    $("history").hidden = false;
  } catch {
    $("history").hidden = true; // not everyone may read the history
  }
}

// --- Geoman tools
if (canEdit) {
  // Geoman ships no Vietnamese: the few strings these tools show, English for the rest.
  const vi = {
    tooltips: { placeMarker: "Bấm vào bản đồ để đặt hộ kinh doanh" },
    actions: { finish: "Xong", cancel: "Hủy" },
    buttonTitles: { drawMarkerButton: "Thêm hộ kinh doanh", dragButton: "Dời điểm (kéo thả)" },
  };
  if (document.documentElement.lang === "vi") map.pm.setLang("vi", vi, "en");
  map.pm.addControls({
    position: "topleft",
    drawMarker: true,
    drawCircleMarker: false,
    drawPolyline: false,
    drawRectangle: false,
    drawPolygon: false,
    drawCircle: false,
    drawText: false,
    editMode: false,
    dragMode: true,
    cutPolygon: false,
    removalMode: false,
    rotateMode: false,
  });
  // Geoman's tool buttons are empty links titled on their wrapper: give each its name for screen readers.
  for (const button of mapEl.querySelectorAll(".leaflet-buttons-control-button")) {
    button.setAttribute("aria-label", button.closest("[title]")?.title || "");
  }
  map.pm.setGlobalOptions({ snappable: true, snapDistance: 15 });
  map.on("pm:create", (e) => {
    e.layer.remove();
    const marker = L.marker(e.layer.getLatLng()).addTo(layer);
    marker.on("pm:dragend", () => moved(marker));
    openForm(marker);
  });
}

dateInput(form.elements.registered_on); // dd/mm/yyyy in either language, not the browser's mm/dd/yyyy
loadIndustries().catch(failed);
// Open on the officer's own ward, close enough to edit.
const scope = JSON.parse(mapEl.dataset.wardScope || "[]");
request("/api/v1/admin-units/?level=ward").then((wards) => {
  const outline = L.geoJSON(wards, {
    style: { color: "#0b5394", weight: 2, fill: false }, pmIgnore: true, interactive: false,
  }).addTo(map);
  const own = outline.getLayers().filter((l) => scope.includes(l.feature.id));
  const bounds = (own.length ? L.featureGroup(own) : outline).getBounds();
  if (bounds.isValid()) map.setView(bounds.getCenter(), Math.max(map.getBoundsZoom(bounds), MIN_ZOOM), { animate: false });
  map.on("moveend", () => loadInView().catch(failed));
  loadInView().catch(failed);
}).catch(failed);
