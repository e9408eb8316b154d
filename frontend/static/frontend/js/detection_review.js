// The review queue of suspected new structures: flags over the later photograph, a list with
// before/after chips and the three decisions, a form that starts a detection and follows its progress.
import { ApiError, request } from "./request.js";
import { $, acquisitionLayer, baseMap, label, say } from "./imagery_common.js";
import { addSearch } from "./search.js";

const T = JSON.parse($("detection-labels").textContent);
const canEdit = $("detection-panel").dataset.canEdit === "1";
const map = baseMap($("map")); // the portal's basemap under the photographs
addSearch(map);
const COLORS = { to_review: "#e69138", confirmed: "#cc0000", permitted: "#38761d", dismissed: "#999999", linked: "#3d85c6" };
let acquisitions = [];
let photo = null;
let drawn = null;
let corners = [];
let drawing = false;
let polling = null;
const items = new Map();

const flagLayer = L.geoJSON(null, {
  style: (f) => ({ color: COLORS[f.properties.status] || "#e69138", weight: 2, fillOpacity: 0.15 }),
  onEachFeature: (feature, layer) => layer.on("click", () => focus(feature.id, false)),
}).addTo(map);

function byId(id) {
  return acquisitions.find((a) => a.id === Number(id));
}

async function loadAcquisitions() {
  const data = await request(`/api/v1/imagery/acquisitions/?ward=${$("ward").value}`);
  acquisitions = data.results;
  const options = (chosen) => acquisitions.map((a) => new Option(label(a), a.id, false, a.id === chosen));
  const n = acquisitions.length;
  $("before").replaceChildren(...options(n > 1 ? acquisitions[n - 2].id : null));
  $("after").replaceChildren(...options(n ? acquisitions[n - 1].id : null));
  if (n < 2) say(T.no_pair);
  showPhoto();
}

function showPhoto() {
  if (photo) map.removeLayer(photo);
  const after = byId($("after").value);
  photo = after ? acquisitionLayer(after).addTo(map) : null;
  if (after) {
    const [west, south, east, north] = after.bounds;
    map.fitBounds([[south, west], [north, east]]);
  }
  flagLayer.bringToFront();
}

function query() {
  const q = new URLSearchParams({ ward: $("ward").value, status: $("status-filter").value, sort: $("sort").value });
  if ($("after").value) q.set("after", $("after").value);
  return q;
}

async function loadFlags() {
  const q = query();
  const data = await request(`/api/v1/detection/flags/?${q}`);
  flagLayer.clearLayers();
  flagLayer.addData(data);
  items.clear();
  $("flags").replaceChildren(...data.features.map(flagItem));
  $("flag-count").textContent = data.count ? `${data.count} ${T.count}` : T.empty;
  for (const fmt of ["geojson", "kml", "xlsx"]) {
    $(`export-${fmt}`).href = `/api/v1/detection/flags/export.${fmt}?ward=${q.get("ward")}`;
  }
}

function chip(url, caption) {
  const fig = document.createElement("figure");
  const img = new Image();
  img.loading = "lazy";
  img.src = url;
  img.alt = caption;
  fig.append(img, Object.assign(document.createElement("figcaption"), { textContent: caption }));
  return fig;
}

function flagItem(feature) {
  const p = feature.properties;
  const li = document.createElement("li");
  li.id = `flag-${feature.id}`;
  li.dataset.id = feature.id;
  li.dataset.version = p.version;
  const head = document.createElement("div");
  head.textContent = `#${feature.id} · ${(p.score * 100).toFixed(0)} % ${T.confidence} · ${p.area_m2.toFixed(0)} m²`;
  head.addEventListener("click", () => focus(feature.id, true));
  const chips = document.createElement("div");
  chips.className = "chips";
  chips.append(chip(p.chips.before, `${T.before} ${p.before_date}`), chip(p.chips.after, `${T.after} ${p.after_date}`));
  li.append(head, chips);
  if (p.note) li.append(Object.assign(document.createElement("p"), { className: "hint", textContent: p.note }));
  if (canEdit) li.append(...decisionForm(feature));
  items.set(feature.id, li);
  return li;
}

function decisionForm(feature) {
  const note = Object.assign(document.createElement("textarea"), { placeholder: T.note, className: "note" });
  const actions = document.createElement("div");
  actions.className = "actions";
  const permits = document.createElement("select");
  permits.className = "permit";
  permits.append(new Option(T.choose_permit, ""));
  permits.addEventListener("focus", () => loadPermits(feature, permits), { once: true });
  const button = (action, text) => {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
    b.className = `decide-${action}`;
    b.addEventListener("click", () => decide(feature, action, note.value, permits.value));
    return b;
  };
  actions.append(button("confirm", T.confirm), button("dismiss", T.dismiss), permits, button("permit", T.permit));
  return [note, actions];
}

async function loadPermits(feature, select) {
  const bounds = L.geoJSON(feature).getBounds().pad(0.5);
  const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(7));
  const data = await request(`/api/v1/permits/?bbox=${bbox.join(",")}`);
  if (!data.features.length) select.append(new Option(T.no_permit, "", false, false));
  for (const f of data.features) select.append(new Option(`${f.properties.permit_no} (${f.properties.issued_on})`, f.id));
}

async function decide(feature, action, note, permit) {
  const li = items.get(feature.id);
  const body = { action, note, version: Number(li.dataset.version) };
  if (action === "permit") body.permit = permit ? Number(permit) : null;
  try {
    await request(`/api/v1/detection/flags/${feature.id}/decide`, { method: "POST", body });
    say(T.saved, "ok");
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    say(err.status === 409 ? T.stale : err.message, "error");
    if (err.status !== 409) return;
  }
  await Promise.all([loadFlags(), loadCounts()]);
}

function focus(id, pan) {
  for (const li of items.values()) li.classList.toggle("active", li.dataset.id === String(id));
  const li = items.get(id);
  if (li && !pan) li.scrollIntoView({ block: "nearest" });
  if (pan) flagLayer.eachLayer((layer) => layer.feature.id === id && map.fitBounds(layer.getBounds().pad(2)));
}

async function loadCounts() {
  const data = await request("/api/v1/detection/counts");
  $("counts").tBodies[0].replaceChildren(
    ...data.results.map((r) => {
      const tr = document.createElement("tr");
      for (const v of [r.ward_name, r.pending, r.confirmed, r.dismissed, r.permitted]) {
        tr.append(Object.assign(document.createElement("td"), { textContent: v }));
      }
      return tr;
    }),
  );
}

// Runs: a ward, a khu phố or a box drawn with two clicks; the bar follows the run row.
function showRun(run) {
  const bar = $("run-progress");
  bar.hidden = false;
  bar.value = run.progress;
  say(`${T[run.status] || run.status} · ${run.tiles_done}/${run.tiles_total} ${T.tiles} · ${run.message || ""}`, run.status === "failed" ? "error" : "");
  $("run-cancel").hidden = !["queued", "running"].includes(run.status);
  $("run-cancel").dataset.run = run.id;
}

async function follow(id) {
  clearInterval(polling);
  polling = setInterval(async () => {
    const run = await request(`/api/v1/detection/runs/${id}/`);
    showRun(run);
    if (!["queued", "running"].includes(run.status)) {
      clearInterval(polling);
      await Promise.all([loadFlags(), loadCounts()]);
    }
  }, 1000);
}

async function startRun(event) {
  event.preventDefault();
  const body = { before: Number($("before").value), after: Number($("after").value), ward: Number($("ward").value) };
  const kind = $("area-kind").value;
  if (kind.startsWith("kp:")) body.khu_pho = Number(kind.slice(3));
  if (kind === "drawn") {
    if (!drawn) return say(T.no_area, "error");
    body.area = drawn.toGeoJSON().geometry;
  }
  try {
    const run = await request("/api/v1/detection/runs/", { method: "POST", body });
    showRun(run);
    follow(run.id);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    say(err.message, "error");
  }
}

map.on("click", (e) => {
  if (!drawing) return;
  corners.push(e.latlng);
  if (corners.length === 2) {
    if (drawn) map.removeLayer(drawn);
    drawn = L.rectangle(L.latLngBounds(corners), { color: "#0b5394", weight: 2, fill: false }).addTo(map);
    drawing = false;
    say(T.drawn);
  }
});

if (canEdit) {
  $("run-form").addEventListener("submit", startRun);
  $("run-cancel").addEventListener("click", async () => {
    showRun(await request(`/api/v1/detection/runs/${$("run-cancel").dataset.run}/cancel`, { method: "POST" }));
  });
  $("area-kind").addEventListener("change", () => {
    drawing = $("area-kind").value === "drawn";
    corners = [];
    if (drawing) say(T.draw);
  });
}
$("ward").addEventListener("change", async () => {
  await loadAcquisitions();
  await loadFlags();
});
$("after").addEventListener("change", () => {
  showPhoto();
  loadFlags();
});
$("status-filter").addEventListener("change", loadFlags);
$("sort").addEventListener("change", loadFlags);

await loadAcquisitions();
await Promise.all([loadFlags(), loadCounts()]);
document.body.dataset.ready = "1";
