// The parcel tool: corners typed or pasted from a survey document → the polygon on the imagery, its area,
// perimeter and edge lengths (measured by the server in VN-2000), then saved as a parcel and exported.
import { ApiError, request } from "./request.js";
import { $, _, acquisitionLayer, baseMap, boundsOf, label, say } from "./imagery_common.js";
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
let last = null; // the corners of the shape on the map, as sent

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

function draw(shape) {
  if (shapeLayer) map.removeLayer(shapeLayer);
  shapeLayer = L.featureGroup().addTo(map);
  L.geoJSON(shape.geometry, { style: { color: "#ff0000", weight: 2, fillOpacity: 0.1 }, className: "parcel-shape" })
    .addTo(shapeLayer);
  for (const c of shape.corners) {
    L.circleMarker([c.lat, c.lon], { radius: 3, color: "#ff0000" })
      .bindTooltip(c.label, { permanent: true, direction: "top", className: "corner-label" })
      .addTo(shapeLayer);
  }
  map.fitBounds(shapeLayer.getBounds(), { maxZoom: 20, padding: [40, 40] });
  $("area").textContent = `${shape.area_m2.toFixed(1)} m²`;
  $("perimeter").textContent = `${shape.perimeter_m.toFixed(2)} m`;
  $("measure-crs").textContent = `${_("Measured in")} ${shape.measure_crs} (EPSG:${shape.measure_srid})`;
  $("edges").replaceChildren(
    ...shape.edges.map((e) => {
      const tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td>";
      tr.cells[0].textContent = `${e.from} → ${e.to}`;
      tr.cells[1].textContent = e.length_m.toFixed(2);
      return tr;
    }),
  );
  $("result").hidden = false;
}

$("srid").addEventListener("change", fillOrders);
$("background").addEventListener("change", showBackground);

$("corners-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  say("");
  try {
    last = body();
    draw(await request("/api/v1/parcels/preview", { method: "POST", body: last }));
    $("exports").hidden = true;
  } catch (err) {
    last = null;
    say(err instanceof ApiError ? err.message : String(err), "error");
  }
});

$("save-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!last) return;
  const form = e.target;
  const fields = Object.fromEntries(new FormData(form).entries());
  try {
    const saved = await request("/api/v1/parcels/", { method: "POST", body: { ...last, ...fields } });
    say(`${_("Saved")}: ${_("parcel")} ${saved.properties.parcel_no}, ${_("sheet")} ${saved.properties.sheet_no}`, "ok");
    $("export-geojson").href = `/api/v1/parcels/${saved.id}/export.geojson`;
    $("export-csv").href = `/api/v1/parcels/${saved.id}/export.csv`;
    $("exports").hidden = false;
    mapEl.dataset.saved = saved.id;
  } catch (err) {
    say(err instanceof ApiError ? err.message : String(err), "error");
  }
});

fillOrders();
loadAcquisitions().catch((err) => say(err.message, "error"));
