// The parcel tool: corners typed or pasted from a survey document → the polygon on the imagery, its area,
// perimeter and edge lengths (measured by the server in VN-2000), then saved as a parcel and exported.
// Only the parcel measured from the corners as they stand can be saved: a refused, pending or outdated preview
// leaves no earlier polygon, measures or save button on the page (an officer would save the wrong parcel).
import { ApiError, request } from "./request.js";
import { $, _, acquisitionLayer, baseMap, boundsOf, label, say } from "./imagery_common.js";
import { formatNumber } from "./i18n_format.js";
import { addSearch } from "./search.js";

const mapEl = $("map");
const map = baseMap(mapEl);
addSearch(map);
const ORDERS = {
  projected: [
    ["xy", _("X (northing), Y (easting) — as in VN-2000 documents")],
    ["en", _("Easting, northing")],
  ],
  geographic: [
    ["latlon", _("Latitude, longitude")],
    ["lonlat", _("Longitude, latitude")],
  ],
};
let acquisitions = [];
let background = null;
let shapeLayer = null;
let previewed = null; // {sent, shape}: the parcel on the map and the corners it was measured from; null: none
let asked = 0; // bumped by each preview and each edit: an answer for corners no longer in the form is dropped

function fillOrders() {
  const kind = $("srid").value === "4326" ? "geographic" : "projected";
  $("order").replaceChildren(...ORDERS[kind].map(([value, text]) => new Option(text, value)));
}

function showBackground() {
  if (background) map.removeLayer(background);
  const a = acquisitions.find((x) => x.id === Number($("background").value));
  if (a) background = acquisitionLayer(a).addTo(map);
}

async function loadAcquisitions() {
  acquisitions = (await request("/api/v1/imagery/acquisitions/")).results;
  const newest = acquisitions[acquisitions.length - 1];
  $("background").replaceChildren(...acquisitions.map((a) => new Option(label(a), a.id, false, a === newest)));
  if (acquisitions.length) {
    map.fitBounds(boundsOf(acquisitions), { animate: false });
    showBackground();
  }
  mapEl.dataset.ready = "true";
}

function body() {
  return { corners: $("corners").value, srid: Number($("srid").value), order: $("order").value };
}

const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => obj[k]));
const sameCorners = (a, b) => a.corners === b.corners && a.srid === b.srid && a.order === b.order;

function allowSave(on) {
  if ($("save")) $("save").disabled = !on;
}

/** Nothing of an earlier preview stays: no polygon, measures, edges, export links or save. */
function clearPreview() {
  previewed = null;
  allowSave(false);
  if (shapeLayer) map.removeLayer(shapeLayer);
  shapeLayer = null;
  for (const id of ["area", "perimeter", "measure-crs", "ward"]) $(id).textContent = "";
  $("edges").replaceChildren();
  $("exports").hidden = true;
  $("result").hidden = true;
}

// The measuring plane in the page's language, as the coordinate system list names it.
function crsName(shape) {
  const option = [...$("srid").options].find((o) => Number(o.value) === shape.measure_srid);
  return option ? option.text : `${shape.measure_crs} (EPSG:${shape.measure_srid})`;
}

function draw(shape) {
  shapeLayer = L.featureGroup().addTo(map);
  L.geoJSON(shape.geometry, { style: { color: "#ff0000", weight: 2, fillOpacity: 0.1 }, className: "parcel-shape" })
    .addTo(shapeLayer);
  for (const c of shape.corners) {
    L.circleMarker([c.lat, c.lon], { radius: 3, color: "#ff0000" })
      .bindTooltip(c.label, { permanent: true, direction: "top", className: "corner-label" })
      .addTo(shapeLayer);
  }
  map.fitBounds(shapeLayer.getBounds(), { maxZoom: 20, padding: [40, 40] });
  $("area").textContent = `${formatNumber(shape.area_m2, 1)} m²`;
  $("perimeter").textContent = `${formatNumber(shape.perimeter_m, 2)} m`;
  $("measure-crs").textContent = `${_("Measured in")} ${crsName(shape)}`;
  $("ward").textContent = shape.ward ? `${_("Lies in")} ${shape.ward.name}` : "";
  $("edges").replaceChildren(
    ...shape.edges.map((e) => {
      const tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td>";
      tr.cells[0].textContent = `${e.from} → ${e.to}`;
      tr.cells[1].textContent = formatNumber(e.length_m, 2);
      return tr;
    }),
  );
  $("result").hidden = false;
}

// Shown where it lands (that is how a wrong zone is seen), but saved only in a ward this officer keeps.
function saveProblem(shape) {
  if (!shape.ward) {
    return _("This place is in no ward of the portal: check the coordinate system (zone) and the column order.");
  }
  if ($("save") && !shape.ward.editable) {
    return interpolate(_("You may not save parcels in %(ward)s."), { ward: shape.ward.name }, true);
  }
  return "";
}

function failure(err) {
  return err instanceof ApiError ? err.message : _("The server could not be reached: try again.");
}

$("srid").addEventListener("change", fillOrders);
$("background").addEventListener("change", showBackground);

// Corners changed after a preview: the drawing no longer matches them.
function cornersChanged() {
  asked += 1;
  if (!previewed) return;
  clearPreview();
  say(_("The corners have changed: press “Show on the map” again before saving."));
}
for (const id of ["corners", "srid", "order"]) $(id).addEventListener("input", cornersChanged);

$("corners-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearPreview();
  say(_("Measuring…"));
  const mine = ++asked;
  const sent = body();
  try {
    const shape = await request("/api/v1/parcels/preview", { method: "POST", body: sent });
    if (mine !== asked) return;
    draw(shape);
    const problem = saveProblem(shape);
    say(problem, problem ? "error" : "");
    if (!problem) {
      previewed = { sent, shape };
      allowSave(true);
    }
  } catch (err) {
    if (mine === asked) say(failure(err), "error");
  }
});

$("save-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  // The button is off whenever this holds; a submit by other means is refused all the same.
  if (!previewed || !sameCorners(previewed.sent, body())) {
    clearPreview();
    say(_("Press “Show on the map” first: only the parcel drawn from the corners as typed can be saved."), "error");
    return;
  }
  const { sent } = previewed;
  const fields = Object.fromEntries(new FormData(e.target).entries());
  allowSave(false); // one click, one parcel
  try {
    const saved = await request("/api/v1/parcels/", { method: "POST", body: { ...sent, ...fields } });
    say(`${_("Saved")}: ${_("parcel")} ${saved.properties.parcel_no}, ${_("sheet")} ${saved.properties.sheet_no}`, "ok");
    $("export-geojson").href = `/api/v1/parcels/${saved.id}/export.geojson`;
    $("export-csv").href = `/api/v1/parcels/${saved.id}/export.csv`;
    $("exports").hidden = false;
    mapEl.dataset.saved = saved.id;
  } catch (err) {
    say(failure(err), "error");
  } finally {
    allowSave(previewed !== null && previewed.sent === sent);
  }
});

fillOrders();
loadAcquisitions().catch((err) => say(err.message, "error"));
