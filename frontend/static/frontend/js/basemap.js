// The portal's own basemap, one style for every map page: `addBasemap(map)`.
//
// Drawn inside Leaflet by protomaps-leaflet (vendored from npm, `window.protomapsL`) from the portal's vector
// tiles (/tiles/basemap/{z}/{x}/{y}.mvt: water, parks, blocks, buildings, trees, streets with names and widths,
// ward and khu phố boundaries and names), or from a PMTiles file when the server has one (BASEMAP_PMTILES,
// announced by /tiles/basemap.json). When the page's map element has data-basemap-url (BASEMAP_URL), that
// online raster basemap is used instead. Nothing here asks a host other than the portal unless BASEMAP_URL says so.

const TILES = "/tiles/basemap/{z}/{x}/{y}.mvt";
const LAT = 10.77; // HCMC: metres per pixel barely change across a ward
const metresPerPixel = (z) => (156543.03 * Math.cos((LAT * Math.PI) / 180)) / 2 ** z;
const px = (metres, min) => (z, f) => Math.max(min, ((f && f.props.width) || metres) / metresPerPixel(z));

const COLOURS = {
  background: "#f2efe9",
  block: "#ebe5da",
  water: "#a9cfe0",
  park: "#cfe5b4",
  building: "#d9cfc3",
  buildingEdge: "#bfb1a2",
  tree: "#8cbf72",
  casing: "#cfc6b8",
  street: "#ffffff",
  primary: "#fbe3a0",
  ward: "#7d4f9e",
  khuPho: "#9c8fa8",
  text: "#3b3b3b",
  halo: "#ffffff",
};
const FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif";
const isMajor = (f) => ["motorway", "trunk", "primary", "secondary", "tertiary", "main"].includes(f.props.class);

function paintRules(P) {
  return [
    { dataLayer: "blocks", symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.block }) },
    { dataLayer: "water", symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.water }) },
    { dataLayer: "parks", symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.park }) },
    {
      dataLayer: "buildings",
      symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.building, stroke: COLOURS.buildingEdge, width: 0.5 }),
    },
    {
      dataLayer: "trees",
      symbolizer: new P.CircleSymbolizer({ radius: (z) => Math.max(1.5, 3.5 / metresPerPixel(z)), fill: COLOURS.tree, opacity: 0.8 }),
    },
    {
      dataLayer: "streets",
      symbolizer: new P.LineSymbolizer({
        color: COLOURS.casing, width: (z, f) => px(6, 1.5)(z, f) + 2, lineCap: "round", lineJoin: "round",
      }),
    },
    {
      dataLayer: "streets",
      symbolizer: new P.LineSymbolizer({
        color: (z, f) => (isMajor(f) ? COLOURS.primary : COLOURS.street),
        width: px(6, 1),
        lineCap: "round",
        lineJoin: "round",
      }),
    },
    {
      dataLayer: "boundaries",
      filter: (z, f) => f.props.level === "khu_pho",
      symbolizer: new P.LineSymbolizer({ color: COLOURS.khuPho, width: 1, dash: [3, 3], dashWidth: 1, dashColor: COLOURS.khuPho }),
    },
    {
      dataLayer: "boundaries",
      filter: (z, f) => f.props.level === "ward",
      symbolizer: new P.LineSymbolizer({ color: COLOURS.ward, width: 2.5, opacity: 0.7, dash: [8, 4], dashWidth: 2.5, dashColor: COLOURS.ward }),
    },
  ];
}

// Wraps a label symbolizer to note each text it draws on `drawn` (a Map text → count): the browser tests read
// it to check street names are on the canvas, which a canvas cannot tell them.
function recording(symbolizer, drawn) {
  return {
    place(layout, geom, feature) {
      const placed = symbolizer.place(layout, geom, feature);
      if (!placed) return placed;
      const text = feature.props.name;
      return placed.map((p) => ({
        ...p,
        draw: (ctx, extra) => {
          drawn.set(text, (drawn.get(text) || 0) + 1);
          p.draw(ctx, extra);
        },
      }));
    },
  };
}

function labelRules(P, drawn) {
  const text = { fill: COLOURS.text, stroke: COLOURS.halo, width: 3, fontFamily: FONT };
  return [
    {
      dataLayer: "labels",
      filter: (z, f) => f.props.level === "ward",
      symbolizer: recording(
        new P.CenteredTextSymbolizer({ ...text, fill: COLOURS.ward, fontSize: 16, fontWeight: 700, labelProps: ["name"] }),
        drawn,
      ),
    },
    {
      dataLayer: "streets",
      minzoom: 14,
      symbolizer: recording(
        new P.LineLabelSymbolizer({
          ...text,
          fontSize: (z, f) => (f && isMajor(f) ? 13 : 12),
          fontWeight: (z, f) => (f && isMajor(f) ? 600 : 400),
          labelProps: ["name"],
          repeatDistance: 300,
          maxLabelChars: 60,
        }),
        drawn,
      ),
    },
    {
      dataLayer: "labels",
      minzoom: 15,
      filter: (z, f) => f.props.level === "khu_pho",
      symbolizer: recording(
        new P.CenteredTextSymbolizer({ ...text, fill: COLOURS.khuPho, fontSize: 12, fontStyle: "italic", labelProps: ["name"] }),
        drawn,
      ),
    },
    {
      dataLayer: "water",
      minzoom: 15,
      symbolizer: recording(new P.CenteredTextSymbolizer({ ...text, fill: "#3f7ea0", fontSize: 12, fontStyle: "italic" }), drawn),
    },
    {
      dataLayer: "parks",
      minzoom: 16,
      symbolizer: recording(new P.CenteredTextSymbolizer({ ...text, fill: "#4d7a33", fontSize: 11 }), drawn),
    },
  ];
}

// The portal's tiles as protomaps-leaflet's source (an object with getZxy, as a PMTiles archive has): a tile the
// page's head already asked for (first_view.html, `portalEarly.tiles`) is taken from there, once; the others are
// fetched as protomaps-leaflet's own ZXY source would (an empty 204 tile is no data).
function portalTiles(template) {
  const early = (window.portalEarly && window.portalEarly.tiles) || {};
  return {
    async getZxy(z, x, y, signal) {
      const url = template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
      const asked = early[url];
      delete early[url];
      const data = await (asked || fetch(url, { signal }).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`)))));
      return data.byteLength ? { data } : undefined;
    },
  };
}

function vectorLayer(P, url, drawn) {
  return P.leafletLayer({
    url: url === TILES ? portalTiles(url) : url,
    maxDataZoom: 16, // deeper zooms reuse z16 data: the tiles hold every building from there
    paintRules: paintRules(P),
    labelRules: labelRules(P, drawn),
    backgroundColor: COLOURS.background,
    attribution: "",
    zIndex: 0,
    maxZoom: 22,
  });
}

// Leaflet's own words, its zoom buttons' and layer button's titles (read aloud, shown on hover), in the page's
// language. Here, not in a module of their own, because every map page imports this one before making its map
// (the leaders' dashboard for these alone), and a citizen's first view counts its requests.
// Looked up at each call: on the home map the catalogue is installed after this module runs (first_view.js).
const say = (s) => (window.gettext ? window.gettext(s) : s);
const titled = (node, words) => {
  if (node) {
    node.title = words;
    node.setAttribute("aria-label", words);
  }
};

/** The zoom buttons of this map, titled again (a map made before the catalogue came). */
export function titleZoom(map) {
  if (!map.zoomControl) return;
  titled(map.zoomControl._zoomInButton, say("Zoom in"));
  titled(map.zoomControl._zoomOutButton, say("Zoom out"));
}

// After Leaflet's own init hook has made the zoom control (hooks run in the order they were added).
L.Map.addInitHook(function titleOwnZoom() { titleZoom(this); });
const layersLayout = L.Control.Layers.prototype._initLayout; // Leaflet 1.9: where it writes "Layers"
L.Control.Layers.prototype._initLayout = function initLayout() {
  layersLayout.call(this);
  titled(this._layersLink, say("Layers"));
};

/** Adds the basemap under `map`'s other layers and returns it (null when protomaps-leaflet is not loaded). */
export function addBasemap(map) {
  const el = map.getContainer();
  titleZoom(map);
  if (el.dataset.basemapUrl) {
    return L.tileLayer(el.dataset.basemapUrl, {
      attribution: el.dataset.basemapAttribution, maxZoom: 21, maxNativeZoom: 19, zIndex: 0,
    }).addTo(map);
  }
  const P = window.protomapsL;
  if (!P) return null;
  const drawn = new Map();
  let layer = vectorLayer(P, TILES, drawn).addTo(map);
  layer.drawnLabels = drawn;
  map.basemap = layer;
  // A city-wide PMTiles file, when the server has one, replaces the ward's own tiles. Asked once the first tiles
  // are drawn (or after 2 s): on a phone's 3G, asked at once, it held one of the browser's six connections while
  // the first view's tiles queued behind it.
  let probed = false;
  const probe = () => {
    if (probed) return;
    probed = true;
    fetch("/tiles/basemap.json")
      .then((r) => (r.ok ? r.json() : null))
      .then((doc) => {
        if (!doc || doc.format !== "pmtiles" || !doc.tiles || !doc.tiles[0]) return;
        map.removeLayer(layer);
        layer = vectorLayer(P, doc.tiles[0], drawn).addTo(map);
        layer.drawnLabels = drawn;
        map.basemap = layer;
      })
      .catch(() => {});
  };
  layer.once("load", probe);
  setTimeout(probe, 2000);
  return layer;
}
