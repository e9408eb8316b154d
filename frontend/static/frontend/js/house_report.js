// Officers' and leaders' page of a ward's house-number problems (/api/v1/house-numbers/report): the count of
// each kind, the listed numbers, and a click puts one on the map (/api/v1/house-numbers/{id}/).
import { ApiError, request } from "./request.js";
import { formatNumber } from "./i18n_format.js";
import { addBasemap } from "./basemap.js";
import { addSearch } from "./search.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
const mapEl = $("map");
const map = L.map(mapEl, { maxZoom: 21 }).setView([10.7745, 106.6835], 15);
window.portalReportMap = map;
addBasemap(map);
addSearch(map);
const marks = L.featureGroup().addTo(map);
let outline = null;

const KINDS = [
  ["duplicates", _("Two numbers on one spot")],
  ["unparseable", _("Not a house number")],
  ["outside_ward", _("Outside the ward")],
  ["far_from_street", _("Far from their street")],
  ["out_of_sequence", _("Out of order along the street")],
];

function say(text, kind = "") {
  $("report-status").className = kind;
  $("report-status").textContent = text;
}

async function show(ids) {
  marks.clearLayers();
  for (const id of ids) {
    const house = await request(`/api/v1/house-numbers/${id}/`);
    const [lon, lat] = house.geometry.coordinates;
    L.circleMarker([lat, lon], { radius: 8, color: "#a61c00", className: "report-mark" })
      .bindTooltip(house.properties.address, { permanent: ids.length === 1 })
      .addTo(marks);
  }
  map.fitBounds(marks.getBounds(), { maxZoom: 19, animate: false });
}

function label(kind, item) {
  if (kind === "duplicates") return `${item.numbers.join(" · ")} (${formatNumber(item.distance_m)} m)`;
  const far = kind === "far_from_street" ? ` (${formatNumber(item.distance_m)} m)` : "";
  return `${item.number}, ${item.street}${far}`;
}

function render(report) {
  const summary = $("report-summary");
  summary.replaceChildren();
  const sections = $("report-sections");
  sections.replaceChildren();
  for (const [kind, title] of KINDS) {
    const part = report[kind];
    const tr = document.createElement("tr");
    tr.dataset.kind = kind;
    for (const text of [title, formatNumber(part.count)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    summary.append(tr);
    if (!part.items.length) continue;
    const h = document.createElement("h3");
    h.textContent = `${title} (${formatNumber(part.count)})`;
    const list = document.createElement("ol");
    list.className = "report-list";
    list.id = `report-${kind}`;
    for (const item of part.items) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label(kind, item);
      button.addEventListener("click", () => show(item.ids || [item.id]).catch((e) => say(e.message, "error")));
      li.append(button);
      list.append(li);
    }
    sections.append(h, list);
  }
}

async function load() {
  const ward = $("report-ward").value;
  say(_("Checking the ward's house numbers…"));
  try {
    const [report, wards] = await Promise.all([
      request(`/api/v1/house-numbers/report?ward=${ward}`),
      request("/api/v1/admin-units/?level=ward"),
    ]);
    render(report);
    say(interpolate(_("%(ward)s: %(n)s house numbers checked."), { ward: report.ward_name, n: formatNumber(report.house_numbers) }, true), "ok");
    if (outline) outline.remove();
    outline = L.geoJSON(wards.features.filter((f) => String(f.id) === ward), { style: { color: "#0b5394", weight: 2, fill: false } }).addTo(map);
    if (outline.getLayers().length) map.fitBounds(outline.getBounds(), { animate: false });
  } catch (err) {
    say(err instanceof ApiError ? err.message : String(err), "error");
  }
  mapEl.dataset.loaded = "true";
}

$("report-ward").addEventListener("change", load);
load();
