// The first view of a citizen's map: see frontend/templates/frontend/first_view.html.
// A module has no document.currentScript: its tag carries the fitting's padding (px) as data-padding.
const SELF = document.querySelector("script[data-padding]");
const early = (window.portalEarly = window.portalEarly || { data: {}, tiles: {} });
const WARDS = "/api/v1/admin-units/?level=ward";
export const PHONE = window.matchMedia("(max-width: 640px)").matches; // dom.js's, here without an import

// The page's translations, when it carries them (frontend/templatetags/first_view.py, `{% js_catalog %}`) rather
// than loading /jsi18n/: the globals Django's script defines, installed before the page's other modules are
// evaluated (map.js imports this module first). No eval under the Content-Security-Policy: the plural rule is
// read for the portal's languages (vi: "0", en: "(n != 1)").
function installCatalog({ catalog = {}, formats = {}, plural = null }) {
  const django = (window.django ||= {});
  const rule = String(plural ?? "").replace(/[\s()]/g, "");
  django.pluralidx = /^\d+$/.test(rule) ? () => Number(rule) : (n) => (Number(n) === 1 ? 0 : 1);
  django.catalog = { ...(django.catalog || {}), ...catalog };
  django.gettext = (msgid) => {
    const value = django.catalog[msgid];
    return value === undefined ? msgid : typeof value === "string" ? value : value[0];
  };
  django.ngettext = (singular, pluralText, count) => {
    const value = django.catalog[singular];
    if (value === undefined) return Number(count) === 1 ? singular : pluralText;
    return Array.isArray(value) ? value[django.pluralidx(count)] : value;
  };
  django.gettext_noop = (msgid) => msgid;
  django.pgettext = (context, msgid) => {
    const value = django.gettext(`${context}\x04${msgid}`);
    return value.includes("\x04") ? msgid : value;
  };
  django.npgettext = (context, singular, pluralText, count) => {
    const value = django.ngettext(`${context}\x04${singular}`, `${context}\x04${pluralText}`, count);
    return value.includes("\x04") ? django.ngettext(singular, pluralText, count) : value;
  };
  django.interpolate = (fmt, obj, named) => (named
    ? fmt.replace(/%\(\w+\)s/g, (match) => String(obj[match.slice(2, -2)]))
    : fmt.replace(/%s/g, () => String(obj.shift())));
  django.formats = formats;
  django.get_format = (type) => (formats[type] === undefined ? type : formats[type]);
  for (const name of ["pluralidx", "gettext", "ngettext", "gettext_noop", "pgettext", "npgettext", "interpolate", "get_format"]) {
    window[name] = django[name];
  }
  django.jsi18n_initialized = true;
}
const carriedCatalog = document.getElementById("js-catalog");
if (carriedCatalog && !window.django?.jsi18n_initialized) installCatalog(JSON.parse(carriedCatalog.textContent));

// Layers of the tile catalog left off at first: dense (every house number) or far away (the forest
// commune); a citizen switches them on in the layer list.
// On a phone the waste points too: over the businesses at a ward's zoom they hid the streets beneath.
export const OFF_AT_FIRST = new Set(["house_numbers", "forest_plots", ...(PHONE ? ["waste_points"] : [])]);
/** Whether a layer of the catalog (/tiles/) is drawn when the map opens (the others wait in the layer list). */
export const drawnAtFirst = (entry) => entry.on_at_first !== false && !OFF_AT_FIRST.has(entry.name);

// The answers the page carries itself (frontend/templatetags/first_view.py: {url: JSON}), and those it left to
// `<link rel="preload" as="fetch">` (asked for with the stylesheets; fetched here so the page's module takes them).
const json = (url) => fetch(url, { credentials: "same-origin" }).then(
  async (response) => {
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const said = data && (document.documentElement.lang === "en" ? data.message_en : data.message); // dom.js messageOf
    throw Object.assign(new Error(said || (data && (data.message || data.message_en)) || `HTTP ${response.status}`),
      { status: response.status, body: data });
  });
const carried = JSON.parse(document.getElementById("first-data")?.textContent || "{}");
for (const [url, data] of Object.entries(carried)) early.data[url] ||= Promise.resolve(data);
for (const link of document.querySelectorAll("link[rel=preload][as=fetch]")) {
  const url = link.getAttribute("href");
  if (early.data[url]) continue;
  early.data[url] = json(url);
  early.data[url].catch(() => {}); // the page reports a failure, once
}
// The map's size comes from the portal's stylesheet (Leaflet's own sizes nothing): only it is waited for.
const stylesheets = [...document.querySelectorAll('link[rel=stylesheet][href*="/frontend/css/"]')].map((link) => link.sheet
  ? null : new Promise((done) => { link.addEventListener("load", done); link.addEventListener("error", done); }));
// Where Leaflet puts a lon/lat at zoom z (EPSG:3857, 256 px tiles), and where a point goes back to.
const R = 6378137, MAX_LAT = 85.0511287798;
const project = ([lon, lat], z) => {
  const s = 256 * 2 ** z, sin = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
  return [s * (0.5 + lon / 360), s * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI))];
};
const unproject = ([x, y], z) => {
  const s = 256 * 2 ** z;
  return [(x / s - 0.5) * 360, (2 * Math.atan(Math.exp((0.5 - y / s) * 2 * Math.PI)) - Math.PI / 2) * 180 / Math.PI];
};
// The home wards' extent, written into the page by the server (frontend/context.py): no wait for the wards' JSON.
const HOME = JSON.parse(document.body.dataset.homeBounds || "null");
early.viewReady = Promise.all([HOME ? null : early.data[WARDS], ...stylesheets]).then(async ([wards]) => {
  const el = document.getElementById("map");
  let w = 180, s = 90, e = -180, n = -90;
  if (HOME) [w, s, e, n] = HOME;
  else {
    const codes = JSON.parse(document.body.dataset.homeWards || "[]");
    const features = (wards && wards.features) || [];
    const home = features.filter((f) => codes.includes(f.properties.code));
    const extend = (c) => (typeof c[0] === "number"
      ? ([w, s, e, n] = [Math.min(w, c[0]), Math.min(s, c[1]), Math.max(e, c[0]), Math.max(n, c[1])])
      : c.forEach(extend));
    for (const f of home.length ? home : features) if (f.geometry) extend(f.geometry.coordinates);
  }
  if (!el || w > e || !el.clientWidth || !el.clientHeight) return null;
  // Leaflet 1.9's getBoundsZoom (zoomSnap 1) and fitBounds' centre, for symmetric padding.
  const pad = 2 * Number(SELF?.dataset.padding || 0);
  const [x0, y0] = project([w, n], 0), [x1, y1] = project([e, s], 0);
  let zoom = Math.log2(Math.min((el.clientWidth - pad) / (x1 - x0), (el.clientHeight - pad) / (y1 - y0)));
  // A phone rounds instead: a ward a little wider than its screen opens one zoom closer, edges cropped, where the
  // streets and their names are drawn (one zoom out it was a blob of clusters).
  zoom = Math.max(0, (PHONE ? Math.round : Math.floor)(Math.round(zoom * 100) / 100));
  const [a, b] = project([w, n], zoom), [c, d] = project([e, s], zoom);
  const [lon, lat] = unproject([(a + c) / 2, (b + d) / 2], zoom);
  early.view = { center: [lat, lon], zoom };
  // The tiles of that view, asked for now, the centre's first (where the person looks): over six connections they
  // come beside the scripts rather than a round trip after them.
  const [px, py] = project([lon, lat], zoom).map(Math.floor);
  const wanted = [];
  // Leaflet's GridLayer covers the map: the centre pixel ± half the map's size, in tiles of `tileZoom` (k display
  // tiles a side each).
  const cover = (tileZoom, template, kind) => {
    const k = 2 ** (zoom - tileZoom);
    const tx0 = Math.floor((px - el.clientWidth / 2) / 256), tx1 = Math.ceil((px + el.clientWidth / 2) / 256) - 1;
    const ty0 = Math.floor((py - el.clientHeight / 2) / 256), ty1 = Math.ceil((py + el.clientHeight / 2) / 256) - 1;
    const keys = new Set();
    for (let x = tx0; x <= tx1; x++) for (let y = ty0; y <= ty1; y++) keys.add(`${Math.floor(x / k)}/${Math.floor(y / k)}`);
    for (const key of keys) {
      const [x, y] = key.split("/").map(Number);
      const far = Math.hypot((x + 0.5) * 256 * k - px, (y + 0.5) * 256 * k - py);
      wanted.push({ far, kind, url: template.replace("{z}", tileZoom).replace("{x}", x).replace("{y}", y) });
    }
  };
  // The portal's basemap (basemap.js: protomaps-leaflet draws display zoom z from data zoom z - 1, at most 16);
  // none when the page uses an online raster basemap.
  if (!el.dataset.basemapUrl) cover(Math.min(zoom - 1, 16), "/tiles/basemap/{z}/{x}/{y}.mvt", "basemap");
  // The catalog's layers drawn at first (map.js, VectorGrid: tiles of the map's zoom within the layer's zooms).
  const catalog = await (early.data["/tiles/"] || Promise.resolve([])).catch(() => []);
  for (const entry of catalog) {
    if (!drawnAtFirst(entry) || zoom < entry.minzoom) continue;
    cover(Math.min(zoom, entry.maxzoom), entry.tiles, "layer");
  }
  // The basemap's first (map.js draws the layers once the basemap has drawn a tile), each centre first.
  wanted.sort((a, b) => (a.kind === b.kind ? a.far - b.far : a.kind === "basemap" ? -1 : 1));
  for (const { url, kind } of wanted) {
    const asked = fetch(url);
    // basemap.js takes the bytes; map.js hands VectorGrid the answer itself.
    early.tiles[url] = kind === "basemap"
      ? asked.then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))))
      : asked;
    early.tiles[url].catch(() => {});
  }
  return early.view;
}).catch(() => null);
