// The map shell: ward boundary, khu phố and POIs from the portal's own API.
// Its first view is what a phone on 3G waits for: every static import below is one more request before the map
// draws, so what the first view does not need (home.js, request.js, search.js) is imported when it is needed.
// The page's first view (the async module map.html loads first; one module, evaluated once): imported first, as it
// installs the page's translations (legend.js's labels are translated as it is evaluated); which layers open on.
import { PHONE, drawnAtFirst } from "./first_view.js";
import {
  addLegend, approximateStyle, areaSwatch, clusterSwatch, lineSwatch, POI_SYMBOLS, SECTION_GROUPS, sectionColor,
  symbolIcon, symbolSvg, WASTE_SYMBOLS,
} from "./legend.js";
import { addBasemap } from "./basemap.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const el = document.getElementById("map");
const map = L.map(el, { preferCanvas: false }).setView([10.7765, 106.6835], 15);
window.portalMap = map;

// The portal's own basemap (basemap.js), or the online one BASEMAP_URL names: added once the map is where it
// opens (the home wards' bounds), so its tiles are fetched for that view only, not first for the default one.
const baseLayers = {};
function startBasemap() {
  if (map.basemap || Object.keys(baseLayers).length) return;
  const basemap = addBasemap(map);
  if (basemap) baseLayers[_("Basemap")] = basemap;
}

// The map's data: map.html's head started these requests while the scripts downloaded (first_view.html: on a
// phone's 3G a round trip is over half a second); a page without that head asks now.
const portalEarly = window.portalEarly || { data: {} };
function early(url) {
  const started = portalEarly.data[url];
  delete portalEarly.data[url];
  return started || import("./request.js").then(({ request }) => request(url));
}
const asked = {
  wards: early("/api/v1/admin-units/?level=ward"),
  khuPho: early("/api/v1/admin-units/?level=khu_pho"),
  pois: early("/api/v1/pois/"),
  catalog: early("/tiles/"),
};
// Each is awaited in turn below; a failure is reported once, by load()'s catch, not as an unhandled rejection.
for (const p of Object.values(asked)) p.catch(() => {});

// The selected feature: a ring where it was clicked, gone when its popup closes.
let selected = null;
function select(latlng) {
  if (selected) selected.remove();
  selected = L.circleMarker(latlng, {
    radius: 15, color: "#f59e0b", weight: 4, fill: false, interactive: false, className: "selected-feature",
  }).addTo(map);
}
map.on("popupclose", () => { if (selected) { selected.remove(); selected = null; } });

// fields: [key, label, {stored value: its words}?]: a coded value ("active") is shown in the page's language.
function popupOf(props, fields) {
  const div = document.createElement("div");
  for (const [key, label, words] of fields) {
    if (props[key] === undefined || props[key] === null || props[key] === "") continue;
    const row = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = `${label}: `;
    row.append(b, document.createTextNode(String((words && words[props[key]]) || props[key])));
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

// The tiles first_view.js asked for before Leaflet and VectorGrid had come (portalEarly.tiles, by URL) are handed
// to VectorGrid, once: VectorGrid 1.3.0 calls the global fetch synchronously inside _getVectorTilePromise, so for
// the length of that call fetch answers those URLs with the answer already on its way.
const protobufTile = L.VectorGrid.Protobuf.prototype._getVectorTilePromise;
L.VectorGrid.Protobuf.include({
  _getVectorTilePromise(...args) {
    const started = portalEarly.tiles || {};
    const realFetch = window.fetch;
    window.fetch = (url, init) => {
      const answer = started[url];
      if (!answer) return realFetch(url, init);
      delete started[url];
      return answer;
    };
    try {
      return protobufTile.apply(this, args);
    } finally {
      window.fetch = realFetch;
    }
  },
});

function legendOf(entry, title, layer) {
  const style = entry.style || {};
  const items = [];
  if (entry.name === "waste_points") {
    for (const kind of Object.keys(style.colors || {})) {
      if (WASTE_SYMBOLS[kind]) items.push({ html: symbolSvg(WASTE_SYMBOLS[kind], 20), label: WASTE_SYMBOLS[kind].label });
    }
  } else if (entry.name === "businesses") {
    for (const g of SECTION_GROUPS) items.push({ html: symbolSvg({ shape: "circle", color: g.color }, 14), label: g.label });
  } else if (style.fill) { // the catalog's area layers carry a fill colour (layers/map_layers.py)
    items.push({ html: areaSwatch({ color: style.color, fill: style.fill || style.color }), label: title });
  } else {
    items.push({ html: symbolSvg({ shape: "circle", color: style.color }, 12), label: title });
  }
  if (!style.fill) {
    items.push({ html: clusterSwatch(style.color), label: _("Group of nearby points: zoom in") });
  }
  return { name: entry.name, title, layer, items };
}

async function tileOverlay(entry) {
  const en = document.documentElement.lang === "en";
  // The catalog already holds what the TileJSON would say (URL template, zooms): one round trip less
  // per layer, half a second each on a phone's 3G.
  const tj = { tiles: [entry.tiles], minzoom: entry.minzoom, maxzoom: entry.maxzoom };
  const style = entry.style || {};
  const { color, radius = 5 } = style;
  // Only the waste layer draws icons (a catalogue of many layers, most off at first, costs the first view nothing).
  const wasteIcons = {};
  if (entry.name === "waste_points") {
    for (const [kind, sym] of Object.entries(WASTE_SYMBOLS)) wasteIcons[kind] = symbolIcon(sym, 20, `waste-${kind}`, true);
  }
  const pointStyle = (p) => {
    if (p.count) {
      // Clusters sit on a 16 px grid (layers/tiles/mvt.py): at most 9 px round they barely overlap, so the streets
      // and their names show between them (20 px ones covered a dense ward like a carpet).
      return { radius: Math.min(3 + 1.2 * Math.log2(p.count), 9), fill: true, fillColor: color, fillOpacity: 0.5, color: "#fff", weight: 1 };
    }
    if (entry.name === "waste_points" && wasteIcons[p.kind]) return { icon: wasteIcons[p.kind] };
    const fillColor = entry.name === "businesses" ? sectionColor(p.industry_code) : (style.colors || {})[p[style.by]] || color;
    return { radius, fill: true, fillColor, fillOpacity: 0.9, color: "#fff", weight: 1 };
  };
  const areaStyle = { fill: true, fillColor: style.fill || color, fillOpacity: 0.35, color, weight: style.weight || 1 };
  const layer = L.vectorGrid.protobuf(tj.tiles[0], {
    pane: "vectorTiles", className: `vector-tiles tiles-${entry.name}`, rendererFactory: L.svg.tile,
    interactive: true, minZoom: tj.minzoom, maxNativeZoom: tj.maxzoom,
    // VectorGrid passes (properties, zoom), not the geometry: the catalog's area layers carry a fill colour.
    vectorTileLayerStyles: { [entry.name]: (p) => (style.fill ? areaStyle : pointStyle(p)) },
  });
  const fields = entry.fields.map((f) => [f.name, en ? f.title_en : f.title,
    Object.fromEntries(Object.entries(f.values || {}).map(([v, [vi, english]]) => [v, en ? english : vi]))]);
  layer.on("click", (e) => {
    const p = e.layer.properties;
    if (p.count) {
      map.setView(e.latlng, Math.min(map.getZoom() + 2, entry.detail_minzoom));
      return;
    }
    L.popup({ className: `tile-popup-${entry.name}` }).setLatLng(e.latlng).setContent(popupOf(p, fields)).openOn(map);
    select(e.latlng);
  });
  layer.tileUrl = tj.tiles[0];
  layer.layerName = entry.name;
  layer.legend = legendOf(entry, en ? entry.title_en : entry.title, layer);
  return [en ? entry.title_en : entry.title, layer, drawnAtFirst(entry)];
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

// Catalogue layers this map draws itself from their GeoJSON (outlines with popups, POIs with their symbols): listed
// twice, as "Khu phố" and "Khu phố, ấp", they read as two different things.
const DRAWN_HERE = new Set(["admin_wards", "admin_khu_pho", "public_facilities"]);
const POI_MINZOOM = 14; // a ward ~2 km across is ~200 px wide here

async function load() {
  // Where the map opens, before any tile is asked for: the basemap's and the layers' tiles come once, for this view
  // (the view first_view.html worked out from the home wards' extent in the page, whose basemap tiles are already
  // on their way). The layers' tiles are asked for as soon as the catalogue answers, not after the outlines.
  const view = await portalEarly.viewReady;
  const tiles = asked.catalog.then((entries) => Promise.all(entries.filter((e) => !DRAWN_HERE.has(e.name)).map(tileOverlay)));
  // The basemap draws first, then the layers on it: on a slow phone VectorGrid's SVG for the first layer's ~15
  // tiles held the main thread half a second while the basemap's first tile, already come, waited to be painted.
  // Its tiles are on their way meanwhile (first_view.js); at most 1.5 s, should the basemap be slow or failing.
  let basemapDrew = Promise.resolve();
  if (view) {
    map.setView(view.center, view.zoom, { animate: false });
    startBasemap();
    const basemap = Object.values(baseLayers)[0];
    if (basemap) basemapDrew = new Promise((drew) => { basemap.once("tileload tileerror", drew); setTimeout(drew, 1500); });
    Promise.all([tiles, basemapDrew])
      .then(([layers]) => layers.filter(([, , atFirst]) => atFirst).forEach(([, layer]) => layer.addTo(map)))
      .catch(() => {});
  }
  const wards = await asked.wards;
  const wardLayer = L.geoJSON(wards, {
    style: (f) => approximateStyle({ color: "#0b5394", weight: 3, fill: false, className: "ward-boundary" }, f),
    onEachFeature: (f, layer) => {
      const div = popupOf(f.properties, [["name", _("Ward")], ["code", _("Code")], ["head_name", _("Chairperson")], ["head_phone", _("Phone")]]);
      if (f.properties.approximate) {  // pieced together from pre-2025 wards, one of them split (load_units_2025)
        const note = document.createElement("div");
        note.className = "approximate-note";
        note.textContent = _("Approximate boundary: pieced together from the wards before the 2025 merger.");
        div.append(note);
      }
      layer.bindPopup(div);
    },
  }).addTo(map);
  if (!view) {
    if (wardLayer.getLayers().length) {
      const { homeBounds } = await import("./home.js");
      map.fitBounds(homeBounds(wardLayer), { animate: false });
    }
    startBasemap();
  }
  const [khuPho, pois, tileLayers] = await Promise.all([asked.khuPho, asked.pois, tiles, basemapDrew]);
  const khuPhoLayer = L.geoJSON(khuPho, {
    style: { color: "#6aa84f", weight: 1.5, dashArray: "4 4", fillOpacity: 0.05, className: "khu-pho-boundary" },
    onEachFeature: (f, layer) => {
      layer.bindTooltip(f.properties.name, { sticky: true });
      layer.bindPopup(popupOf(f.properties, [["name", _("Neighbourhood")], ["head_name", _("Head")], ["head_phone", _("Phone")]]));
    },
  }).addTo(map);
  // Far out, a ward's offices, schools and clinics pile into one heap of 24 px symbols over the businesses' clusters:
  // their own pane shows them from POI_MINZOOM, as the maps people know do. The layer stays on in the switcher.
  const poiPane = map.createPane("pois");
  poiPane.style.zIndex = 600; // with the markers
  const poisFar = () => { poiPane.style.display = map.getZoom() < POI_MINZOOM ? "none" : ""; };
  map.on("zoomend", poisFar);
  poisFar();
  const poiLayer = L.geoJSON(pois, {
    pointToLayer: (f, latlng) => L.marker(latlng, {
      icon: symbolIcon(POI_SYMBOLS[f.properties.kind] || POI_SYMBOLS.office, 24, `poi poi-${f.properties.kind}`),
      title: f.properties.name, keyboard: false, pane: "pois",
    }),
    onEachFeature: (f, layer) => {
      layer.bindPopup(popupOf(f.properties, [["name", _("Name")], ["address", _("Address")], ["phone", _("Phone")]]));
      layer.on("click", () => select(layer.getLatLng()));
    },
  }).addTo(map);

  const overlays = {};
  overlays[_("Ward boundary")] = wardLayer;
  overlays[_("Neighbourhoods (khu phố)")] = khuPhoLayer;
  overlays[_("Public facilities")] = poiLayer;
  for (const entry of tileLayers) {
    const [title, layer, atFirst] = entry;
    overlays[title] = atFirst && !map.hasLayer(layer) ? layer.addTo(map) : layer;
  }
  // On a phone the list folds into Leaflet's layers button: open, it would cover a third of the map.
  L.control.layers(baseLayers, overlays, { collapsed: PHONE }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  const poiItems = Object.values(POI_SYMBOLS).map((sym) => ({ html: symbolSvg(sym, 20), label: sym.label }));
  addLegend(map, [
    { name: "ward", title: _("Ward boundary"), layer: wardLayer, items: [{ html: lineSwatch({ color: "#0b5394" }), label: _("Ward boundary") }] },
    { name: "khu_pho", title: _("Neighbourhoods (khu phố)"), layer: khuPhoLayer, items: [{ html: lineSwatch({ color: "#6aa84f", dash: "4 4", weight: 2 }), label: _("Neighbourhood boundary") }] },
    { name: "pois", title: _("Public facilities"), layer: poiLayer, items: poiItems },
    ...tileLayers.map(([, layer]) => layer.legend),
  ]);
  followChanges(tileLayers);
  el.dataset.loaded = "true";
  // The address box once the map and the basemap's first tiles are drawn (at most 3 s): its module is not in the
  // first view's round trips.
  const basemap = Object.values(baseLayers)[0];
  if (basemap && basemap.isLoading()) await new Promise((drawn) => { basemap.once("load", drawn); setTimeout(drawn, 3000); });
  const { addSearch } = await import("./search.js");
  addSearch(map);
}

// The language switch's loader (base.html loads it on other pages), once the map is drawn or has failed.
const langLoader = () => import("./lang_loader.js");

load().then(langLoader, (err) => {
  startBasemap();
  el.dataset.loaded = "error";
  const box = L.control({ position: "topright" });
  box.onAdd = () => {
    const d = L.DomUtil.create("div", "card error");
    d.textContent = err.message;
    return d;
  };
  box.addTo(map);
  langLoader();
});
