// The citizens' page: signboard name check and radius scan. Public fields only come back.
// Phone first: the map fills the screen and the tools live in a bottom sheet (portal.css, "phones").
// Its first view is what a phone on 3G waits for: every static import is one more request before the map draws,
// so the API wrapper, the symbols and legend and the address search come once the map is drawn (`tools`).
import { addBasemap } from "./basemap.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
// A warning's message in the page's language (dom.js messageOf, not imported: see above).
const messageOf = (w) => (document.documentElement.lang === "en" ? w.message_en || w.message : w.message);
const NAME_LIMIT = 10; // businesses/namecheck.py answers at most this many matches
const SHOWN_INDUSTRIES = 8; // bars before "show all"
const PAGE = 200; // the radius API's largest page (businesses/api/public.py MAX_PAGE)
const PARALLEL = 4; // pages in flight at once: under the browser's six connections, the tiles keep two

// --- the bottom sheet (phones): peek → half → full, and which tool it shows
const sheet = $("sheet");
const STATES = ["peek", "half", "full"];
function setSheet(state) {
  sheet.dataset.state = state;
  $("sheet-handle").setAttribute("aria-expanded", String(state !== "peek"));
  liftBottomControls();
}
// The map's bottom controls (the scale, the credits) stand above the sheet, not under it (portal.css).
function liftBottomControls() {
  const pane = document.getElementById("map");
  if (pane) pane.style.setProperty("--sheet-cover", `${Math.min(sheetCover(), sheet.scrollHeight)}px`);
}
$("sheet-handle").addEventListener("click", () => {
  setSheet(STATES[(STATES.indexOf(sheet.dataset.state) + 1) % STATES.length]);
});
function showTab(name) {
  sheet.dataset.tab = name;
  for (const tab of ["scan", "name"]) $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
  if (sheet.dataset.state === "peek") setSheet("half");
}
$("tab-scan").addEventListener("click", () => showTab("scan"));
$("tab-name").addEventListener("click", () => showTab("name"));
sheet.dataset.tab = "scan";

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
    const { request } = await tools;
    const data = await request(`/api/v1/businesses/name-check?${q}`);
    const list = el("ul", { className: "matches" });
    for (const m of data.matches) {
      // Identical or similar, in words: a similarity of 100 % beside a name that is not the same misled people.
      list.append(el("li", {}, el("b", { textContent: m.signboard }),
        ` — ${m.industry.name} (${m.industry.code}), ${m.address} `,
        el("span", { className: `match-kind ${m.identical ? "same" : "near"}`, textContent: m.identical ? _("identical") : _("similar") })));
    }
    const cut = data.matches.length >= NAME_LIMIT
      ? el("p", { className: "hint shown-of", textContent: `${_("Showing the")} ${data.matches.length} ${_("closest names; there may be more")}` })
      : null;
    box.replaceChildren(
      el("div", { className: `verdict ${data.verdict}`, id: "verdict", textContent: VERDICTS[data.verdict] }),
      el("p", { className: "hint", textContent: `${_("Area checked")}: ${data.area.name}` }),
      ...data.warnings.map((w) => el("p", { className: "error", textContent: messageOf(w) })),
      list,
      ...(cut ? [cut] : []), // replaceChildren would print a null as the text "null"
    );
  } catch (err) {
    box.replaceChildren(el("p", { className: "error", role: "alert", textContent: err.message }));
  }
});

// --- the map
const mapEl = $("map");
liftBottomControls();
window.addEventListener("resize", liftBottomControls);
const map = L.map(mapEl, { zoomControl: true }).setView([10.7745, 106.6835], 16);
window.portalMap = map;
// The wards and where the map opens: businesses.html's head asked for them while the scripts downloaded
// (first_view.html; its basemap tiles for that view are on their way too).
const WARDS = "/api/v1/admin-units/?level=ward";
const portalEarly = window.portalEarly || { data: {} };
const wardsAnswer = portalEarly.data[WARDS] || import("./request.js").then(({ request }) => request(WARDS));
// The basemap comes once the map is where it opens (the home wards), so its tiles are fetched for that view only;
// the page carries the home wards' extent, so that is before the wards' outlines answer.
let basemap = null;
const placed = (portalEarly.viewReady || Promise.resolve(null)).then((view) => {
  if (!view) return false;
  map.setView(view.center, view.zoom, { animate: false });
  basemap = addBasemap(map);
  return true;
});
const wardsLoaded = wardsAnswer.then(async (wards) => {
  const layer = L.geoJSON(wards, { style: { color: "#0b5394", weight: 2, fill: false, className: "ward-boundary" } }).addTo(map);
  if (!(await placed)) {
    if (layer.getLayers().length) {
      const { homeBounds } = await import("./home.js");
      map.fitBounds(homeBounds(layer), { animate: false });
    }
    basemap = addBasemap(map);
  }
  mapEl.dataset.loaded = "true";
  // Once the basemap's first tiles are drawn (at most 3 s): before that, the phone's connections and CPU are theirs.
  if (basemap && basemap.isLoading()) await new Promise((drawn) => { basemap.once("load", drawn); setTimeout(drawn, 3000); });
  return layer;
}, async (err) => {
  if (!(await placed)) addBasemap(map);
  throw err;
});
// What the first view does not need, asked for once it is drawn (or failed).
let legend = null;
const tools = wardsLoaded.catch(() => null).then(async () => {
  const [api, symbols, search] = await Promise.all([import("./request.js"), import("./legend.js"), import("./search.js")]);
  legend = symbols;
  return { request: api.request, addSearch: search.addSearch };
});

let center = null;
let circle = null;
let scanId = 0;
const hits = L.featureGroup().addTo(map);
const facilities = L.featureGroup().addTo(map);
const slider = $("radius");
Promise.all([wardsLoaded, tools]).then(([wardLayer]) => {
  const { addLegend, lineSwatch, POI_SYMBOLS, SECTION_GROUPS, symbolSvg } = legend;
  const scanLegend = { name: "scan", title: _("Businesses found"), layer: hits, items: SECTION_GROUPS.map((g) => ({ html: symbolSvg({ shape: "circle", color: g.color }, 14), label: g.label })) };
  const facilityLegend = { name: "facilities", title: _("Offices, schools, clinics"), layer: facilities, items: Object.values(POI_SYMBOLS).map((s) => ({ html: symbolSvg(s, 20), label: s.label })) };
  addLegend(map, [
    { name: "ward", title: _("Ward boundary"), layer: wardLayer, items: [{ html: lineSwatch({ color: "#0b5394" }), label: _("Ward boundary") }] },
    scanLegend,
    facilityLegend,
  ], { position: "topright" }); // bottom right is under the sheet on a phone
});

function hitMarker(b) {
  return L.circleMarker([b.lat, b.lon], {
    radius: 4, weight: 1, color: "#fff", fillColor: legend.sectionColor(b.industry.code), fillOpacity: 0.95, className: "hit",
    bubblingMouseEvents: false, // a tap on a business opens it, it does not start a new scan
  }).bindPopup(() => el("div", {}, el("b", { textContent: b.signboard }),
    el("div", { textContent: `${b.industry.name} (${b.industry.code})` }), el("div", { textContent: b.address }),
    el("div", { className: "hint", textContent: `${Math.round(b.distance_m)} m` })));
}

function industryChart(byIndustry, all) {
  const max = Math.max(1, ...byIndustry.map((c) => c.count));
  const shown = all ? byIndustry : byIndustry.slice(0, SHOWN_INDUSTRIES);
  const bars = el("ul", { className: "bars", id: "industry-chart" });
  for (const c of shown) {
    const bar = el("span", { className: "bar" });
    bar.style.width = `${(100 * c.count) / max}%`;
    bar.style.background = legend.sectionColor(c.section || c.code);
    bars.append(el("li", { title: `${c.code} ${c.name}` }, el("span", { className: "bar-name", textContent: c.name }), bar, el("span", { className: "bar-count", textContent: c.count })));
  }
  const box = el("div", { id: "industry-box" }, bars);
  if (shown.length < byIndustry.length) {
    const more = el("button", { type: "button", className: "link", id: "industry-all", textContent: _("Show all") });
    more.addEventListener("click", () => box.replaceWith(industryChart(byIndustry, true)));
    box.append(el("p", { className: "hint shown-of", id: "industry-shown" },
      `${_("Showing")} ${shown.length} ${_("of")} ${byIndustry.length} ${_("industries")} `, more));
  }
  return box;
}

function facilityList(pois) {
  const { POI_SYMBOLS, symbolIcon, symbolSvg } = legend;
  const all = Object.entries(pois).flatMap(([kind, items]) => items.map((p) => ({ ...p, kind })));
  all.sort((a, b) => a.distance_m - b.distance_m);
  facilities.clearLayers();
  const list = el("ul", { className: "pois", id: "poi-list" });
  for (const p of all) {
    const sym = POI_SYMBOLS[p.kind] || POI_SYMBOLS.office;
    const marker = L.marker([p.lat, p.lon], { icon: symbolIcon(sym, 24, `scan-poi poi-${p.kind}`), title: p.name, keyboard: false })
      .bindPopup(() => el("div", {}, el("b", { textContent: p.name }), el("div", { textContent: sym.label }), el("div", { textContent: p.address || "" })))
      .addTo(facilities);
    const button = el("button", { type: "button", className: "poi-item" });
    button.innerHTML = symbolSvg(sym, 18);
    button.append(el("span", { textContent: `${p.name} — ${sym.label}` }), el("span", { className: "dist", textContent: `${Math.round(p.distance_m)} m` }));
    button.addEventListener("click", () => { map.panTo(marker.getLatLng()); marker.openPopup(); });
    const li = el("li", {}, button);
    li.dataset.kind = p.kind;
    li.dataset.distance = String(p.distance_m);
    list.append(li);
  }
  return list;
}

// Every business of the circle on the map: page 1 answers the counts at once, the other pages follow
// (a few at a time) and are drawn as they come; the status says how many of the total are drawn.
async function drawAll(first, q, mine) {
  const total = first.total;
  let drawn = 0;
  const status = $("scan-drawn");
  const draw = (results) => {
    if (mine !== scanId) return;
    for (const b of results) hitMarker(b).addTo(hits);
    drawn += results.length;
    status.textContent = drawn < total ? `${_("Drawing")} ${drawn} ${_("of")} ${total} ${_("on the map…")}` : `${_("All")} ${total} ${_("drawn on the map")}`;
    mapEl.dataset.drawn = String(drawn);
  };
  const { request } = await tools;
  hits.clearLayers();
  draw(first.results);
  const pages = [];
  for (let p = 2; p <= first.pages; p++) pages.push(p);
  const worker = async () => {
    while (pages.length && mine === scanId) {
      const p = pages.shift();
      const data = await request(`/api/v1/businesses/radius?${q}&page=${p}`);
      draw(data.results);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, pages.length) }, worker));
  if (mine === scanId) mapEl.dataset.scan = "drawn";
}

// How much of the map the sheet may cover on a phone, open as it is: its max-height animates (portal.css), so its
// offsetHeight lags, and the scan's answer fills it later.
function sheetCover() {
  if (window.innerWidth > 640) return 0;
  const height = document.getElementById("map").clientHeight;
  return { peek: 100, half: 0.45 * height, full: 0.88 * height }[sheet.dataset.state] || 0;
}

// The whole circle is brought into view, above the sheet on a phone: what is counted is what is seen (a tap at
// a street's zoom, a searched house at 19 or a wider radius would leave most of it off the screen).
async function scan() {
  if (!center) return;
  const mine = ++scanId;
  const r = Number(slider.value);
  if (circle) circle.setLatLng(center).setRadius(r);
  else circle = L.circle(center, { radius: r, color: "#cc0000", weight: 2, fillOpacity: 0.06, className: "scan-circle", interactive: false }).addTo(map);
  showTab("scan"); // first: it may open the sheet, which the circle must clear
  const below = sheetCover();
  const size = map.getSize();
  const seen = L.latLngBounds(map.containerPointToLatLng([0, 0]), map.containerPointToLatLng([size.x, size.y - below]));
  if (!seen.contains(circle.getBounds())) {
    map.fitBounds(circle.getBounds(), { paddingTopLeft: [10, 10], paddingBottomRight: [10, below + 10], animate: false });
  }
  const q = new URLSearchParams({ lat: center.lat.toFixed(6), lon: center.lng.toFixed(6), radius_m: r, page_size: PAGE });
  const box = $("scan-result");
  mapEl.dataset.scan = "asking";
  // The counts come first in a tiny answer (one business); the first full page is asked for at once
  // beside it, and the rest of the list follows it onto the map.
  const head = new URLSearchParams(q);
  head.set("page_size", "1");
  const { request } = await tools; // loaded with the first view: no wait by the time a person taps
  if (mine !== scanId) return;
  const counts = request(`/api/v1/businesses/radius?${head}`); // asked first: a one-worker server answers in turn
  const firstPage = request(`/api/v1/businesses/radius?${q}`);
  firstPage.catch(() => {}); // reported below, once
  try {
    const data = await counts;
    if (mine !== scanId) return; // a newer scan is on its way
    box.replaceChildren(
      el("p", {}, el("b", { id: "scan-total", textContent: String(data.total) }), ` ${_("active businesses within")} ${r} m`),
      el("p", { className: "hint", id: "scan-drawn" }),
      industryChart(data.by_industry, false),
      el("h3", { textContent: _("Offices, schools, clinics") }),
      facilityList(data.pois),
    );
    mapEl.dataset.scan = "answered";
    liftBottomControls(); // the answer filled the sheet
    await drawAll(await firstPage, q, mine);
  } catch (err) {
    if (mine === scanId) box.replaceChildren(el("p", { className: "error", role: "alert", textContent: err.message }));
  }
}

map.on("click", (ev) => { center = ev.latlng; scan(); });
slider.addEventListener("input", () => { $("radius-value").value = slider.value; if (circle) circle.setRadius(Number(slider.value)); });
slider.addEventListener("change", () => scan());
// The search flies to the place, then the scan there frames its circle. The search's popup of what is at the
// house is left out here: the sheet lists what is around it, and the popup, panned into view, pushed the circle
// under the sheet.
tools.then(({ addSearch }) => addSearch(map, {
  popup: false,
  onPlace: (place) => {
    center = L.latLng(place.lat, place.lon);
    let started = false;
    const go = () => { if (!started) { started = true; scan(); } };
    map.once("moveend", go);
    setTimeout(go, 1500); // a flight to where the map already is may end without a move
  },
}));
