// The map shell: ward boundary, khu phố and POIs from the portal's own API.
import { homeBounds } from "./home.js";
import { request } from "./request.js";

const _ = window.gettext || ((s) => s);
const el = document.getElementById("map");
const map = L.map(el, { preferCanvas: false }).setView([10.7765, 106.6835], 15);
window.portalMap = map;

// No basemap unless one is configured: on a closed network no request may leave the portal.
const basemapUrl = el.dataset.basemapUrl;
const baseLayers = {};
if (basemapUrl) {
  baseLayers[_("Basemap")] = L.tileLayer(basemapUrl, {
    attribution: el.dataset.basemapAttribution, maxZoom: 20,
  }).addTo(map);
}

const POI_COLORS = { office: "#cc0000", school: "#e69138", health: "#38761d", market: "#674ea7", police: "#1155cc" };

function popupOf(props, fields) {
  const div = document.createElement("div");
  for (const [key, label] of fields) {
    if (props[key] === undefined || props[key] === null || props[key] === "") continue;
    const row = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = `${label}: `;
    row.append(b, document.createTextNode(String(props[key])));
    div.append(row);
  }
  return div;
}

// One overlay per layer of the tile catalog (/tiles/), styled as the registry says: features from
// detail_minzoom, below it clusters sized by their count (a click on one zooms in). SVG tiles, not
// canvas: only their circles take the mouse, so in a pane above the outlines a click beside a point
// still reaches the ward, khu phố and POIs beneath (a canvas tile would swallow it; VectorGrid
// 1.3.0's canvas click also calls L.DomEvent.fakeStop, gone since Leaflet 1.8).
map.createPane("vectorTiles").style.zIndex = 450;
// VectorGrid 1.3.0's points inherit CircleMarker.getLatLng with no position in it, and Leaflet ≥ 1.5
// then throws on every click on them (Leaflet.VectorGrid#148; upstream's #157 drops it, unreleased).
const createFeature = L.VectorGrid.prototype._createLayer;
L.VectorGrid.include({
  _createLayer(...args) {
    const feature = createFeature.apply(this, args);
    feature.getLatLng = null;
    return feature;
  },
});

async function tileOverlay(entry) {
  const en = document.documentElement.lang === "en";
  const tj = await request(entry.tilejson);
  const { color, radius } = entry.style;
  const layer = L.vectorGrid.protobuf(tj.tiles[0], {
    pane: "vectorTiles", className: `vector-tiles tiles-${entry.name}`, rendererFactory: L.svg.tile,
    interactive: true, minZoom: tj.minzoom, maxNativeZoom: tj.maxzoom,
    vectorTileLayerStyles: {
      [entry.name]: (p) => ({
        radius: p.count ? Math.min(radius + 2 * Math.log2(p.count), 4 * radius) : radius,
        fill: true, fillColor: color, fillOpacity: p.count ? 0.55 : 0.9, color: "#fff", weight: 1,
      }),
    },
  });
  const fields = entry.fields.map((f) => [f.name, en ? f.title_en : f.title]);
  layer.on("click", (e) => {
    const p = e.layer.properties;
    if (p.count) map.setView(e.latlng, Math.min(map.getZoom() + 2, entry.detail_minzoom));
    else L.popup({ className: `tile-popup-${entry.name}` }).setLatLng(e.latlng).setContent(popupOf(p, fields)).openOn(map);
  });
  layer.tileUrl = tj.tiles[0];
  layer.layerName = entry.name;
  return [en ? entry.title_en : entry.title, layer];
}

// Live map for those who follow changes (officers, leaders): when a layer changes in their wards
// (/api/v1/events, fed by PostgreSQL NOTIFY: layer and wards, never values), its tiles are fetched
// again under a new `v` (so no cache hands back the old ones); bursts of saves coalesce into one reload.
const WATCHERS = ["khu_pho_officer", "ward_officer", "district_leader", "admin"];

function followChanges(tileLayers) {
  const role = document.querySelector(".who")?.dataset.role;
  if (!window.EventSource || !WATCHERS.includes(role)) return;
  const byName = new Map(tileLayers.map(([, layer]) => [layer.layerName, layer]));
  const timers = new Map();
  let version = 0;
  const events = new EventSource("/api/v1/events");
  events.addEventListener("change", (ev) => {
    const layer = byName.get(JSON.parse(ev.data).layer);
    if (!layer) return;
    clearTimeout(timers.get(layer));
    timers.set(layer, setTimeout(() => {
      version += 1;
      layer.setUrl(`${layer.tileUrl}${layer.tileUrl.includes("?") ? "&" : "?"}v=${version}`);
      el.dataset.liveReloads = String(version);
    }, 300));
  });
}

async function load() {
  const [wards, khuPho, pois, tileLayers] = await Promise.all([
    request("/api/v1/admin-units/?level=ward"),
    request("/api/v1/admin-units/?level=khu_pho"),
    request("/api/v1/pois/"),
    request("/tiles/").then((entries) => Promise.all(entries.map(tileOverlay))),
  ]);
  const wardLayer = L.geoJSON(wards, {
    style: { color: "#0b5394", weight: 3, fill: false, className: "ward-boundary" },
    onEachFeature: (f, layer) => layer.bindPopup(popupOf(f.properties, [["name", _("Ward")], ["code", _("Code")], ["head_name", _("Chairperson")], ["head_phone", _("Phone")]])),
  }).addTo(map);
  const khuPhoLayer = L.geoJSON(khuPho, {
    style: { color: "#6aa84f", weight: 1.5, dashArray: "4 4", fillOpacity: 0.05, className: "khu-pho-boundary" },
    onEachFeature: (f, layer) => {
      layer.bindTooltip(f.properties.name, { sticky: true });
      layer.bindPopup(popupOf(f.properties, [["name", _("Neighbourhood")], ["head_name", _("Head")], ["head_phone", _("Phone")]]));
    },
  }).addTo(map);
  const poiLayer = L.geoJSON(pois, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: 6, color: "#fff", weight: 1.5, fillColor: POI_COLORS[f.properties.kind] || "#444", fillOpacity: 0.9,
      className: `poi poi-${f.properties.kind}`,
    }),
    onEachFeature: (f, layer) => layer.bindPopup(popupOf(f.properties, [["name", _("Name")], ["address", _("Address")], ["phone", _("Phone")]])),
  }).addTo(map);

  const overlays = {};
  overlays[_("Ward boundary")] = wardLayer;
  overlays[_("Neighbourhoods (khu phố)")] = khuPhoLayer;
  overlays[_("Public facilities")] = poiLayer;
  for (const [title, layer] of tileLayers) overlays[title] = layer.addTo(map);
  L.control.layers(baseLayers, overlays, { collapsed: false }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  if (wardLayer.getLayers().length) map.fitBounds(homeBounds(wardLayer), { padding: [20, 20], animate: false });
  followChanges(tileLayers);
  el.dataset.loaded = "true";
}

load().catch((err) => {
  el.dataset.loaded = "error";
  const box = L.control({ position: "topright" });
  box.onAdd = () => {
    const d = L.DomUtil.create("div", "card error");
    d.textContent = err.message;
    return d;
  };
  box.addTo(map);
});
