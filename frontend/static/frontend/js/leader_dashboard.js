// The leaders' dashboard: one JSON of figures (frontend/leader.py via /leader/dashboard/data) drawn three ways —
// a choropleth of the wards or of their khu phố with quantile or natural-breaks classes and a legend, a Chart.js bar
// chart, a table that sorts — and exported as shown. The choropleth's shapes are the portal's own vector tiles of the
// admin units (the registry layers admin_wards / admin_khu_pho, /tiles/), coloured per feature here by its id.
// Live: /api/v1/events says an officer saved an edit, and the figures reload (live_changes.js, bursts coalesce); the
// tiles are not fetched again, their shapes are restyled. A figure's link on the leader's home opens the page on
// that figure and ward (?ward=&figure=&area=).

import "./basemap.js"; // for Leaflet's own words in the page's language
import { WITHHELD, showFigure as show } from "./figure_value.js";
import { followChanges } from "./live_changes.js";
import { drawHistory, snapshotNow } from "./leader_history.js";
import { downloadPng } from "./leader_png.js";
import { drawLevelChanges, drawLevelColumns } from "./leader_levels.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
const english = document.documentElement.lang === "en";
const number = new Intl.NumberFormat(english ? "en" : "vi"); // the legend's bounds
// Five sequential classes (ColorBrewer OrRd), light to dark; a ward without the figure is grey.
const COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
const NO_DATA = "#cccccc";

// `history`: the figure and ward the chart over time was last asked for.
const state = { data: null, byId: new Map(), indicator: null, sort: "name", descending: false, latest: 0, drawn: "", history: "" };
const map = L.map("dash-map", { zoomSnap: 0.25, attributionControl: false });
let areas = null; // the VectorGrid of the shown areas' tiles
let chart = null;

const legend = L.control({ position: "bottomright" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "dash-legend");
  div.id = "dash-legend";
  return div;
};
legend.addTo(map);

function classOf(value, breaks) {
  if (value === null || value === undefined) return -1;
  const i = breaks.findIndex((b) => value <= b);
  return i < 0 ? breaks.length - 1 : i;
}

export function colourOf(value, breaks) {
  const k = classOf(value, breaks);
  if (k < 0) return NO_DATA;
  // Spread the classes over the ramp when there are fewer than five.
  const step = breaks.length > 1 ? (COLOURS.length - 1) / (breaks.length - 1) : 0;
  return COLOURS[Math.round(k * step)];
}

function ordered() {
  const { data, sort, descending } = state;
  const rows = [...data.wards];
  const key = (w) => (sort === "name" ? w.name : w.values[sort]?.count ?? -1);
  rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === "string" ? x.localeCompare(y, english ? "en" : "vi") : x - y;
    return descending ? -c : c;
  });
  return rows;
}

function label(key) {
  return state.data.columns.find((c) => c.key === key)?.label ?? key;
}

// The map colours wards by the indicator's classes, or by their level in a scheme the leader chose.
function levelScheme() {
  const id = $("dash-map-by").value;
  return id ? state.data.levels.schemes.find((s) => String(s.id) === id) ?? null : null;
}

function fillOf(ward, breaks) {
  const scheme = levelScheme();
  if (scheme) {
    const key = scheme.wards[ward?.id]?.level;
    return scheme.levels.find((l) => l.key === key)?.colour ?? NO_DATA;
  }
  return colourOf(ward?.values[state.indicator]?.count ?? null, breaks);
}

function legendRow(colour, text) {
  const row = document.createElement("div");
  row.className = "dash-legend-class";
  const swatch = document.createElement("i");
  swatch.style.background = colour;
  row.append(swatch, text);
  return row;
}

function drawLegend(breaks) {
  const div = $("dash-legend");
  div.replaceChildren();
  const title = document.createElement("strong");
  const scheme = levelScheme();
  title.textContent = scheme ? `${_("Level")}: ${scheme.name}` : label(state.indicator);
  div.append(title);
  if (scheme) {
    for (const level of scheme.levels) div.append(legendRow(level.colour, english ? level.label_en : level.label));
    return;
  }
  let low = null;
  breaks.forEach((high) => {
    const from = low === null ? Math.min(...state.data.wards.map((w) => w.values[state.indicator]?.count ?? high)) : low + 1;
    const row = legendRow(colourOf(high, breaks), from >= high ? number.format(high) : `${number.format(from)} – ${number.format(high)}`);
    row.dataset.upTo = String(high);
    div.append(row);
    low = high;
  });
  if (!breaks.length) div.append(document.createTextNode(` — ${_("no figures")}`));
}

function styleOf(id) {
  const area = state.byId.get(id);
  // A unit of the tiles that is not shown (a neighbour, a ward before the 2025 merger): no shape at all
  // (VectorGrid draws nothing for an empty list of styles).
  if (!area) return [];
  return { weight: 1, color: "#444", opacity: 1, fill: true, fillColor: fillOf(area, state.breaks), fillOpacity: 0.75 };
}

// What the page and its tests read off each drawn shape: its area, class, level and colour, and its name on hover.
function mark(id, path) {
  if (!path) return;
  const area = state.byId.get(id);
  const value = area?.values[state.indicator]?.count ?? null;
  const level = levelScheme()?.wards[id]?.level ?? "";
  path.dataset.area = String(id);
  path.dataset.class = String(classOf(value, state.breaks));
  path.dataset.level = level;
  path.dataset.fill = path.getAttribute("fill") ?? "";
  let title = path.querySelector("title");
  if (!title) {
    title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    path.append(title);
  }
  const where = area && state.data.area_level === "khu_pho" ? ` (${area.ward_name})` : "";
  title.textContent = `${area?.name ?? ""}${where}: ${show(area?.values[state.indicator])}${level ? ` · ${level}` : ""}`;
}

// VectorGrid 1.3.0 keeps each tile's features by id (`getFeatureId`) in `_vectorTiles[key]._features`; its own
// setFeatureStyle would store a style per id and outlive the figures, so the shapes are restyled from `state`.
function restyleTile(tile, update) {
  if (!tile) return;
  for (const [key, { feature }] of Object.entries(tile._features)) {
    const id = Number(key);
    const style = styleOf(id);
    if (update && !Array.isArray(style)) feature.updateStyle(tile, L.extend({}, L.Path.prototype.options, style));
    mark(id, feature._path);
  }
}

function drawMap(breaks) {
  const { tiles, bounds } = state.data;
  const shown = `${tiles.url}|${state.data.wards.map((w) => w.id).join()}`;
  if (shown !== state.drawn) {
    // Other areas: a new layer, so that tiles drawn without them (or with others) are not kept.
    if (areas) map.removeLayer(areas);
    areas = L.vectorGrid.protobuf(tiles.url, {
      rendererFactory: L.svg.tile,
      interactive: true,
      maxNativeZoom: 22,
      getFeatureId: (f) => f.properties.id,
      vectorTileLayerStyles: { [tiles.layer]: (p) => styleOf(p.id) },
    });
    const layer = areas;
    layer.on("tileload", (e) => restyleTile(layer._vectorTiles[layer._tileCoordsToKey(e.coords)], false));
    layer.on("click", (e) => {
      const title = e.layer?._path?.querySelector("title")?.textContent;
      if (title) L.popup().setLatLng(e.latlng).setContent(document.createTextNode(title)).openOn(map);
    });
    if (bounds) map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], { padding: [10, 10] });
    // A district's khu phố seen from further out than their layer's first zoom would be empty tiles.
    if (map.getZoom() < tiles.minzoom) map.setZoom(tiles.minzoom);
    layer.addTo(map);
    state.drawn = shown;
  } else {
    for (const tile of Object.values(areas._vectorTiles)) restyleTile(tile, true);
  }
  document.getElementById("dash-map").dataset.areaLevel = state.data.area_level;
  drawLegend(breaks);
}

function fillMapBy() {
  const select = $("dash-map-by");
  const chosen = select.value;
  const first = select.options[0];
  select.replaceChildren(first);
  for (const s of state.data.levels.schemes) select.append(new Option(`${_("Level")}: ${s.name}`, String(s.id)));
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}

function drawChart(rows) {
  const labels = rows.map((w) => w.name);
  const values = rows.map((w) => w.values[state.indicator]?.count ?? 0);
  if (!chart) {
    chart = new Chart($("dash-chart"), {
      type: "bar",
      data: { labels, datasets: [{ label: label(state.indicator), data: values, backgroundColor: "#0b5394" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: true } } },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets[0].data = values;
    chart.data.datasets[0].label = label(state.indicator);
    chart.update();
  }
  $("dash-chart").dataset.values = JSON.stringify(values);
}

// A sortable column's header: its short name, the full one its tooltip (as on the leader's home).
function headerCell(key, { label, short = null, className = "" }) {
  const th = document.createElement("th");
  th.scope = "col";
  th.className = className;
  if (key !== "name") th.dataset.figure = key;
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.sort = key;
  if (short) {
    const abbr = document.createElement("abbr");
    abbr.title = label;
    abbr.textContent = short;
    button.append(abbr);
  } else button.textContent = label;
  th.setAttribute("aria-sort", state.sort === key ? (state.descending ? "descending" : "ascending") : "none");
  button.addEventListener("click", () => {
    state.descending = state.sort === key ? !state.descending : key !== "name";
    state.sort = key;
    render();
  });
  th.append(button);
  return th;
}

// The header's top row: each group of figures under its name (frontend/leader.py `groups`), over the corner cell.
function groupCells(groups) {
  const corner = document.createElement("td");
  corner.className = "ward";
  return [corner, ...groups.map((g) => {
    const th = document.createElement("th");
    th.scope = "colgroup";
    th.colSpan = g.span;
    th.className = "group-start";
    th.textContent = g.label;
    return th;
  })];
}

function numberCell(key, starts) {
  const td = document.createElement("td");
  td.className = starts.has(key) ? "num group-start" : "num";
  td.dataset.figure = key;
  return td;
}

function drawTable(rows) {
  const { columns, district, groups } = state.data;
  const starts = new Set(groups.map((g) => g.first)); // a rule between groups
  const byKhuPho = state.data.area_level === "khu_pho";
  document.querySelector("#dash-table thead tr.groups").replaceChildren(...groupCells(groups));
  document.querySelector("#dash-table thead tr.columns").replaceChildren(
    headerCell("name", { label: byKhuPho ? _("Khu phố") : _("Ward"), className: "ward" }),
    ...columns.map((c) => headerCell(c.key, { ...c, className: starts.has(c.key) ? "num group-start" : "num" })),
  );
  const body = document.querySelector("#dash-table tbody");
  body.replaceChildren(
    ...rows.map((w) => {
      const tr = document.createElement("tr");
      tr.dataset.ward = String(w.id);
      if (String(w.ward) === $("dash-ward").value) tr.className = "chosen";
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = byKhuPho ? `${w.name} (${w.ward_name})` : w.name;
      tr.append(th);
      for (const c of columns) {
        const td = numberCell(c.key, starts);
        const a = document.createElement("a");
        a.href = w.links[c.key];
        a.textContent = show(w.values[c.key]);
        if (w.values[c.key]?.hidden) a.title = WITHHELD();
        td.append(a);
        tr.append(td);
      }
      return tr;
    }),
  );
  const foot = document.querySelector("#dash-table tfoot tr");
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = _("All the wards shown");
  foot.replaceChildren(
    th,
    ...columns.map((c) => {
      const td = numberCell(c.key, starts);
      td.textContent = show(district[c.key]);
      return td;
    }),
  );
}

function updateExports() {
  const q = new URLSearchParams();
  if ($("dash-ward").value) q.set("ward", $("dash-ward").value);
  q.set("area", $("dash-area").value);
  q.set("sort", state.sort);
  q.set("dir", state.descending ? "desc" : "asc");
  $("export-csv").href = `/leader/dashboard/export.csv?${q}`;
  $("export-xlsx").href = `/leader/dashboard/export.xlsx?${q}`;
}

function render() {
  const rows = ordered();
  // Quantiles or natural breaks (Jenks), worked out by the server (frontend/breaks.py) for every figure.
  const breaks = state.data.breaks[state.indicator]?.[$("dash-breaks").value] ?? [];
  state.breaks = breaks;
  state.byId = new Map(state.data.wards.map((w) => [w.id, w]));
  fillMapBy();
  drawMap(breaks);
  drawChart(rows);
  drawTable(rows);
  drawLevelColumns(state.data.levels);
  drawLevelChanges(state.data.levels, new Map(state.data.wards.map((w) => [w.id, w.name])));
  updateExports();
}

// What a link asked for (?ward=&area=&figure=), where the page offers it.
const asked = new URLSearchParams(window.location.search);
function pick(select, value) {
  if (value && [...select.options].some((o) => o.value === value)) select.value = value;
}
pick($("dash-ward"), asked.get("ward"));
pick($("dash-area"), asked.get("area"));

// The figures counted per area of the level shown (a khu phố has fewer): the choice is kept where it still is one.
function fillIndicators() {
  const select = $("dash-indicator");
  const keys = state.data.columns.map((c) => c.key).join();
  if (select.dataset.keys === keys) return;
  const chosen = select.value || asked.get("figure");
  select.replaceChildren(...state.data.columns.map((c) => new Option(c.label, c.key)));
  if (state.data.columns.some((c) => c.key === chosen)) select.value = chosen;
  select.dataset.keys = keys;
  state.indicator = select.value;
}

async function load() {
  const ticket = ++state.latest; // the newest request wins when answers arrive out of order
  const q = new URLSearchParams({ area: $("dash-area").value });
  if ($("dash-ward").value) q.set("ward", $("dash-ward").value);
  const response = await fetch(`/leader/dashboard/data?${q}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  const body = await response.json();
  if (ticket !== state.latest) return;
  if (!response.ok) {
    $("dash-error").textContent = english ? body.message_en : body.message;
    $("dash-error").hidden = false;
    return;
  }
  $("dash-error").hidden = true;
  state.data = body;
  fillIndicators();
  render();
  // The chart over time is asked for here, once the figures (and so the figure chosen) are known: the first load,
  // another ward, or a level of areas without the figure chosen before. A live reload changes neither.
  if (state.history !== historyKey()) redrawHistory();
  document.body.dataset.dashboardLoaded = String(state.latest);
}

$("dash-ward").addEventListener("change", load);
$("dash-area").addEventListener("change", load);
// The history is per ward whatever the map shows (snapshots keep wards): their names from the wards' list.
const names = () => new Map([...$("dash-ward").options].filter((o) => o.value).map((o) => [Number(o.value), o.textContent]));
const historyKey = () => `${state.indicator}|${$("dash-ward").value}`;
function redrawHistory() {
  if (!state.indicator) return Promise.resolve(null); // no figure yet (its list comes with the first figures)
  state.history = historyKey();
  return drawHistory(state.indicator, $("dash-ward").value, names());
}
$("dash-indicator").addEventListener("change", () => {
  state.indicator = $("dash-indicator").value;
  render();
  redrawHistory();
});
$("dash-snapshot").addEventListener("click", () => snapshotNow(redrawHistory));
$("dash-breaks").addEventListener("change", () => state.data && render());
$("dash-map-by").addEventListener("change", () => state.data && render());
// The PNG draws the shapes shown from the same admin units as GeoJSON, through the portal's OGC API (a canvas
// cannot read them back from the SVG tiles), every page of the shown areas' box.
async function shownShapes() {
  const { bounds, tiles } = state.data;
  const features = [];
  if (!bounds) return { type: "FeatureCollection", features };
  let url = `/ogc/collections/${tiles.layer}/items?bbox=${bounds.join(",")}&limit=1000`;
  while (url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    const doc = await response.json();
    features.push(...(doc.features ?? []).filter((f) => state.byId.has(f.id)));
    url = response.ok ? doc.links?.find((l) => l.rel === "next")?.href ?? null : null;
  }
  return { type: "FeatureCollection", features };
}

$("export-png").addEventListener("click", async () => {
  const outlines = await shownShapes();
  downloadPng({
    outlines,
    title: $("dash-legend").querySelector("strong").textContent,
    colour: (id) => fillOf(state.byId.get(id), state.breaks),
    legend: [...document.querySelectorAll("#dash-legend .dash-legend-class")].map((row) => ({
      colour: row.querySelector("i").style.background,
      text: row.textContent,
    })),
  });
});
load();

// Live: an officer's save anywhere in these wards reaches the page through the event stream; reload the figures.
followChanges(load, $("dash-live"));
