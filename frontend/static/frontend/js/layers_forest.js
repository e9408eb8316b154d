// Forest plots (the Cần Giờ case): the change between two surveys per plot on the map and in a table,
// per sub-zone in a second table; KML/KMZ for Google Earth; officers import their crews' GPX/KML.
import { ApiError, request } from "./request.js";
import { dateInput, dateValue, formatDate, formatNumber } from "./i18n_format.js";
import { addBasemap } from "./basemap.js";
import { addSearch } from "./search.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
const mapEl = $("map");
const map = L.map(mapEl, { maxZoom: 20 }).setView([10.5, 106.89], 13);
window.portalMap = map;
addBasemap(map);
addSearch(map);
let plots = L.geoJSON().addTo(map);
const field = L.geoJSON(null, {
  style: { color: "#7c3aed", weight: 2 },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 4, color: "#7c3aed" }),
}).addTo(map);
const byId = new Map();

function say(box, text, kind = "") {
  $(box).className = kind;
  $(box).textContent = text;
}

function color(change) {
  if (change === null) return "#999999";
  if (change < -10) return "#a61c00";
  if (change < 0) return "#e69138";
  if (change <= 10) return "#93c47d";
  return "#274e13";
}

const fmt = (v, digits = 1) => (v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + formatNumber(v, digits));
const CONDITIONS = { healthy: _("Healthy"), stressed: _("Stressed"), degraded: _("Degraded"), lost: _("Lost") };
const condition = (value) => (value ? CONDITIONS[value] || value : "—");

function cell(tr, text, cls = "") {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
}

function select(id) {
  for (const tr of document.querySelectorAll("#plots tr.selected")) tr.classList.remove("selected");
  const row = document.querySelector(`#plots tr[data-id="${id}"]`);
  if (row) {
    row.classList.add("selected");
    row.scrollIntoView({ block: "nearest" });
  }
}

function render(data) {
  map.removeLayer(plots);
  byId.clear();
  plots = L.geoJSON(data.plots, {
    style: (f) => ({ color: "#333", weight: 1, fillColor: color(f.properties.carbon_t_ha_change), fillOpacity: 0.7 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      byId.set(f.id, layer);
      layer.bindPopup(`<b></b><br>${formatDate(p.from)} → ${formatDate(p.to)}<br>${_("Carbon")}: ${fmt(p.carbon_t_ha_change)} t/ha`);
      layer.on("popupopen", (e) => { e.popup.getElement().querySelector("b").textContent = `${p.code} · ${p.sub_zone}`; });
      layer.on("click", () => select(f.id));
    },
  }).addTo(map);
  plots.getLayers().forEach((l) => l.getElement?.()?.classList.add("forest-plot"));
  const zones = document.querySelector("#zones tbody");
  zones.replaceChildren();
  for (const z of data.sub_zones) {
    const tr = document.createElement("tr");
    cell(tr, z.sub_zone);
    cell(tr, z.plots);
    cell(tr, z.worsened, z.worsened ? "down" : "");
    cell(tr, fmt(z.canopy_cover_pct_change_mean));
    cell(tr, fmt(z.mean_height_m_change_mean, 2));
    cell(tr, fmt(z.carbon_t_ha_change_mean), z.carbon_t_ha_change_mean < 0 ? "down" : "up");
    cell(tr, fmt(z.carbon_t_change, 2), z.carbon_t_change < 0 ? "down" : "up");
    zones.append(tr);
  }
  const rows = document.querySelector("#plots tbody");
  rows.replaceChildren();
  for (const f of data.plots.features) {
    const p = f.properties;
    const tr = document.createElement("tr");
    tr.dataset.id = f.id;
    cell(tr, p.code);
    cell(tr, formatDate(p.from));
    cell(tr, formatDate(p.to));
    cell(tr, fmt(p.canopy_cover_pct_change));
    cell(tr, fmt(p.density_per_ha_change, 0));
    cell(tr, fmt(p.carbon_t_ha_change), p.carbon_t_ha_change < 0 ? "down" : "up");
    cell(tr, `${condition(p.condition_from)} → ${condition(p.condition_to)}`, p.worsened ? "down" : "");
    tr.addEventListener("click", () => {
      const layer = byId.get(f.id);
      map.fitBounds(layer.getBounds(), { maxZoom: 17 });
      layer.openPopup();
      select(f.id);
    });
    rows.append(tr);
  }
  if (plots.getLayers().length) map.fitBounds(plots.getBounds(), { animate: false });
  say("status", `${data.plots.features.length} ${_("plots compared")}; ${data.plots_without_pair} ${_("without two surveys")}.`, "ok");
  mapEl.dataset.loaded = "true";
}

async function load() {
  const form = $("window");
  const query = new URLSearchParams();
  if (form.elements.sub_zone.value) query.set("sub_zone", form.elements.sub_zone.value);
  for (const name of ["from", "to"]) if (dateValue(form.elements[name])) query.set(name, dateValue(form.elements[name]));
  try {
    render(await request(`/api/v1/forest/change?${query}`));
    const zone = form.elements.sub_zone.value ? `?sub_zone=${encodeURIComponent(form.elements.sub_zone.value)}` : "";
    $("kml").href = `/api/v1/forest/plots.kml${zone}`;
    $("kmz").href = `/api/v1/forest/plots.kmz${zone}`;
  } catch (err) {
    say("status", err instanceof ApiError ? err.message : String(err), "error");
  }
}

$("window").addEventListener("submit", (ev) => {
  ev.preventDefault();
  load();
});

async function loadField() {
  if (mapEl.dataset.officer !== "true") return;
  field.clearLayers();
  field.addData(await request("/api/v1/forest/field-data"));
}

if ($("field-data")) {
  $("field-data").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = new FormData(ev.target);
    const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    const response = await fetch("/api/v1/forest/field-data", {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": token ? decodeURIComponent(token[1]) : "" },
    });
    const data = await response.json();
    if (!response.ok) {
      say("field-status", data.message, "error");
      return;
    }
    const linked = data.waypoints.filter((w) => w.plot).length;
    say("field-status", `${data.tracks.length} ${_("tracks")}, ${data.waypoints.length} ${_("waypoints")} (${linked} ${_("in a plot")}).`, "ok");
    loadField();
  });
}

for (const name of ["from", "to"]) dateInput($("window").elements[name]);
request("/api/v1/forest/sub-zones").then((zones) => {
  const sel = $("window").elements.sub_zone;
  for (const z of zones) sel.append(new Option(`${z.sub_zone} (${z.plots})`, z.sub_zone));
});
load();
loadField().catch(() => {});
