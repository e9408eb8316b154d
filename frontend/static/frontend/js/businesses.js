// The citizens' page: signboard name check and radius scan. Public fields only come back.
import { homeBounds } from "./home.js";
import { request } from "./request.js";

const _ = window.gettext || ((s) => s);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

// --- name check
const VERDICTS = {
  duplicate: _("Taken: an identical name is registered in this area"),
  similar: _("Similar names exist: the registrar may refuse it"),
  free: _("No identical or similar name found"),
};

$("name-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = $("name-result");
  box.replaceChildren(el("p", { className: "hint" }, _("Checking…")));
  const q = new URLSearchParams({ name: $("name-input").value, ward: $("ward-select").value });
  try {
    const data = await request(`/api/v1/businesses/name-check?${q}`);
    const list = el("ul", { className: "matches" });
    for (const m of data.matches) {
      list.append(el("li", {}, el("b", { textContent: m.signboard }),
        ` — ${m.industry.code}, ${m.address} (${Math.round(m.score * 100)}%)`));
    }
    box.replaceChildren(
      el("div", { className: `verdict ${data.verdict}`, id: "verdict", textContent: VERDICTS[data.verdict] }),
      el("p", { className: "hint", textContent: `${_("Area checked")}: ${data.area.name}` }),
      ...data.warnings.map((w) => el("p", { className: "error", textContent: w.message })),
      list,
    );
  } catch (err) {
    box.replaceChildren(el("p", { className: "error", role: "alert", textContent: err.message }));
  }
});

// --- radius scan
const mapEl = $("map");
const map = L.map(mapEl).setView([10.7745, 106.6835], 16);
window.portalMap = map;
if (mapEl.dataset.basemapUrl) {
  L.tileLayer(mapEl.dataset.basemapUrl, { attribution: mapEl.dataset.basemapAttribution, maxZoom: 20 }).addTo(map);
}
request("/api/v1/admin-units/?level=ward").then((wards) => {
  const layer = L.geoJSON(wards, { style: { color: "#0b5394", weight: 2, fill: false, className: "ward-boundary" } }).addTo(map);
  if (layer.getLayers().length) map.fitBounds(homeBounds(layer), { animate: false });
  mapEl.dataset.loaded = "true";
});

let center = null;
let circle = null;
const hits = L.layerGroup().addTo(map);
const slider = $("radius");

async function scan() {
  if (!center) return;
  const r = Number(slider.value);
  if (circle) circle.setLatLng(center).setRadius(r);
  else circle = L.circle(center, { radius: r, color: "#cc0000", weight: 2, fillOpacity: 0.08, className: "scan-circle" }).addTo(map);
  const q = new URLSearchParams({ lat: center.lat.toFixed(6), lon: center.lng.toFixed(6), radius_m: r, page_size: 200 });
  const box = $("scan-result");
  try {
    const data = await request(`/api/v1/businesses/radius?${q}`);
    if (Number(slider.value) !== r) return; // a newer scan is on its way
    const max = Math.max(1, ...data.by_industry.map((c) => c.count));
    const bars = el("ul", { className: "bars", id: "industry-chart" });
    for (const c of data.by_industry) {
      const bar = el("span", { className: "bar" });
      bar.style.width = `${(100 * c.count) / max}%`;
      bars.append(el("li", { title: c.name }, el("span", { textContent: c.code }), bar, el("span", { textContent: c.count })));
    }
    const pois = el("ul", { className: "pois", id: "poi-list" });
    for (const [kind, items] of Object.entries(data.pois)) {
      for (const p of items) {
        const li = el("li", { textContent: `${p.name} (${Math.round(p.distance_m)} m)` });
        li.dataset.kind = kind;
        pois.append(li);
      }
    }
    box.replaceChildren(
      el("p", {}, el("b", { id: "scan-total", textContent: String(data.total) }), ` ${_("active businesses within")} ${r} m`),
      bars,
      el("h3", { textContent: _("Offices, schools, clinics") }),
      pois,
    );
    hits.clearLayers();
    for (const b of data.results) {
      L.circleMarker([b.lat, b.lon], { radius: 3, weight: 0, fillColor: "#e69138", fillOpacity: 0.9, className: "hit" })
        .bindPopup(el("div", {}, el("b", { textContent: b.signboard }), el("div", { textContent: `${b.industry.code} ${b.industry.name}` }), el("div", { textContent: b.address })))
        .addTo(hits);
    }
  } catch (err) {
    box.replaceChildren(el("p", { className: "error", role: "alert", textContent: err.message }));
  }
}

map.on("click", (ev) => { center = ev.latlng; scan(); });
slider.addEventListener("input", () => { $("radius-value").value = slider.value; if (circle) circle.setRadius(Number(slider.value)); });
slider.addEventListener("change", scan);
