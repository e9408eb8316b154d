// What the imagery pages share: the map, an acquisition as a tile layer, labels.
import { addBasemap } from "./basemap.js";
export // Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
export const $ = (id) => document.getElementById(id);

export function baseMap(el) {
  const map = L.map(el, { maxZoom: 22 }).setView([10.7765, 106.6835], 15);
  addBasemap(map);
  window.portalMap = map;
  return map;
}

// Tiles come from /imagery/{id}/tiles/…; past the photograph's own resolution Leaflet enlarges them.
export function acquisitionLayer(acquisition, options = {}) {
  const [west, south, east, north] = acquisition.bounds;
  return L.tileLayer(acquisition.tiles, {
    maxNativeZoom: acquisition.maxzoom,
    maxZoom: 22,
    bounds: L.latLngBounds([south, west], [north, east]),
    attribution: `${acquisition.acquired_on}`,
    ...options,
  });
}

export function label(acquisition) {
  return `${acquisition.acquired_on} — ${acquisition.title || acquisition.source_name}`;
}

export function boundsOf(acquisitions) {
  let all = null;
  for (const a of acquisitions) {
    const [west, south, east, north] = a.bounds;
    const b = L.latLngBounds([south, west], [north, east]);
    all = all ? all.extend(b) : b;
  }
  return all;
}

export function say(text, kind = "") {
  const box = $("status");
  box.className = kind;
  box.textContent = text;
}
