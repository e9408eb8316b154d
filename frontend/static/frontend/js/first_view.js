// The first view of a citizen's map: see frontend/templates/frontend/first_view.html.
// A module has no document.currentScript: its tag carries the fitting's padding (px) as data-padding.
const SELF = document.querySelector("script[data-padding]");
const early = (window.portalEarly = { data: {}, tiles: {} });
const WARDS = "/api/v1/admin-units/?level=ward";
const json = (url) => fetch(url, { credentials: "same-origin" }).then(
  async (response) => {
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    throw Object.assign(new Error((data && (data.message || data.message_en)) || `HTTP ${response.status}`),
      { status: response.status, body: data });
  });
for (const link of document.querySelectorAll("link[rel=preload][as=fetch]")) {
  const url = link.getAttribute("href");
  early.data[url] = json(url);
  early.data[url].catch(() => {}); // the page reports a failure, once
}
const stylesheets = [...document.querySelectorAll("link[rel=stylesheet]")].map((link) => link.sheet
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
early.viewReady = Promise.all([early.data[WARDS], ...stylesheets]).then(([wards]) => {
  const el = document.getElementById("map");
  const codes = JSON.parse(document.body.dataset.homeWards || "[]");
  const features = (wards && wards.features) || [];
  const home = features.filter((f) => codes.includes(f.properties.code));
  let w = 180, s = 90, e = -180, n = -90;
  const extend = (c) => (typeof c[0] === "number"
    ? ([w, s, e, n] = [Math.min(w, c[0]), Math.min(s, c[1]), Math.max(e, c[0]), Math.max(n, c[1])])
    : c.forEach(extend));
  for (const f of home.length ? home : features) if (f.geometry) extend(f.geometry.coordinates);
  if (!el || w > e || !el.clientWidth || !el.clientHeight) return null;
  // Leaflet 1.9's getBoundsZoom (zoomSnap 1) and fitBounds' centre, for symmetric padding.
  const pad = 2 * Number(SELF?.dataset.padding || 0);
  const [x0, y0] = project([w, n], 0), [x1, y1] = project([e, s], 0);
  let zoom = Math.log2(Math.min((el.clientWidth - pad) / (x1 - x0), (el.clientHeight - pad) / (y1 - y0)));
  // A phone rounds instead: a ward a little wider than its screen opens one zoom closer, edges cropped, where the
  // streets and their names are drawn (one zoom out it was a blob of clusters).
  const phone = window.matchMedia("(max-width: 640px)").matches;
  zoom = Math.max(0, (phone ? Math.round : Math.floor)(Math.round(zoom * 100) / 100));
  const [a, b] = project([w, n], zoom), [c, d] = project([e, s], zoom);
  const [lon, lat] = unproject([(a + c) / 2, (b + d) / 2], zoom);
  early.view = { center: [lat, lon], zoom };
  if (el.dataset.basemapUrl) return early.view; // an online raster basemap: nothing of ours to fetch
  // The data tiles protomaps-leaflet asks for at that view (basemap.js: display zoom z from data zoom z - 1,
  // at most 16), as Leaflet's GridLayer covers the map: the centre pixel ± half the map's size.
  const dataZoom = Math.min(zoom - 1, 16), k = 2 ** (zoom - dataZoom);
  const [px, py] = project([lon, lat], zoom).map(Math.floor);
  const tx0 = Math.floor((px - el.clientWidth / 2) / 256), tx1 = Math.ceil((px + el.clientWidth / 2) / 256) - 1;
  const ty0 = Math.floor((py - el.clientHeight / 2) / 256), ty1 = Math.ceil((py + el.clientHeight / 2) / 256) - 1;
  const keys = new Set();
  for (let x = tx0; x <= tx1; x++) for (let y = ty0; y <= ty1; y++) keys.add(`${Math.floor(x / k)}/${Math.floor(y / k)}`);
  // The centre's tile first: the first one drawn is where the person looks.
  const [cx, cy] = [Math.floor(px / 256 / k), Math.floor(py / 256 / k)];
  const order = [...keys].map((key) => key.split("/").map(Number))
    .sort((p, q) => Math.hypot(p[0] - cx, p[1] - cy) - Math.hypot(q[0] - cx, q[1] - cy));
  for (const [x, y] of order) {
    const url = `/tiles/basemap/${dataZoom}/${x}/${y}.mvt`;
    early.tiles[url] = fetch(url).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))));
    early.tiles[url].catch(() => {});
  }
  return early.view;
}).catch(() => null);
