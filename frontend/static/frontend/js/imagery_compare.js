// Imagery across the years: two acquisitions with a swipe (leaflet-compare) and an opacity slider, or side by side
// on two locked maps (imagery_side.js); a click on a spot or a parcel shows the same place cut out of every
// acquisition, oldest first.
import { ApiError, request } from "./request.js";
import { dateInput, dateValue, formatDate } from "./i18n_format.js";
import { $, _, acquisitionLayer, baseMap, boundsOf, label, say } from "./imagery_common.js";
import { twinMap } from "./imagery_side.js";
import { addSearch } from "./search.js";

const mapEl = $("map");
const map = baseMap(mapEl);
// An address found flies there; a click on the map then opens that spot's time strip.
addSearch(map);
const PARCEL_MIN_ZOOM = 15;
let acquisitions = [];
let left = null;
let right = null;
let swipe = null;
let mode = "swipe";
let twin = null; // the side-by-side map, made the first time it is shown
const parcelLayers = [];

function parcelsOn(target) {
  const layer = L.geoJSON(null, {
    style: { color: "#ffd966", weight: 2, fillOpacity: 0.05 },
    onEachFeature: (feature, shape) => {
      shape.on("click", (e) => {
        L.DomEvent.stopPropagation(e);
        showStrip({ parcel: feature.id }, `${_("Parcel")} ${feature.properties.parcel_no}, ${_("sheet")} ${feature.properties.sheet_no}`);
      });
    },
  }).addTo(target);
  parcelLayers.push(layer);
}
parcelsOn(map);

function fillSelect(select, chosen) {
  select.replaceChildren(...acquisitions.map((a) => new Option(label(a), a.id, false, a.id === chosen)));
}

function byId(id) {
  return acquisitions.find((a) => a.id === Number(id));
}

// leaflet-compare keeps the layers it was made with: a new pair means a new control. Side by side, the right-hand
// photograph is on the second map, whole (the opacity slider is for the swipe's overlay).
function showPair() {
  if (swipe) swipe.remove();
  swipe = null;
  if (left) left.remove();
  if (right) right.remove();
  const a = byId($("left").value);
  const b = byId($("right").value);
  left = acquisitionLayer(a, { className: "acq-left" }).addTo(map);
  if (mode === "side") {
    right = acquisitionLayer(b, { className: "acq-right" }).addTo(twin.map);
    twin.label(tagText(a), tagText(b));
  } else {
    right = acquisitionLayer(b, { className: "acq-right", opacity: Number($("opacity").value) }).addTo(map);
    swipe = L.control.compare(left, right).addTo(map);
    // Dragging the divider must not count as a click on the map (which opens the time strip).
    L.DomEvent.disableClickPropagation(swipe._container);
  }
  mapEl.dataset.left = a.id;
  mapEl.dataset.right = b.id;
}

function tagText(acquisition) {
  return `${formatDate(acquisition.acquired_on)}${acquisition.title ? ` · ${acquisition.title}` : ""}`;
}

// The same two epochs and the same view in either mode: only the maps' layout and the right photograph's map change.
function setMode(next) {
  mode = next;
  const side = next === "side";
  $("maps").dataset.mode = next;
  $("map-right").hidden = !side;
  $("hint-swipe").hidden = side;
  $("hint-side").hidden = !side;
  $("opacity-row").hidden = side;
  map.invalidateSize({ animate: false }); // keeps the centre: the map is half (or all) as wide as it was
  if (side && !twin) {
    twin = twinMap(map, $("map-right"));
    window.portalMapRight = twin.map;
    twin.map.on("click", openStripAt);
    parcelsOn(twin.map);
  } else if (side) {
    twin.relink();
  } else if (twin) {
    twin.unlink();
  }
  if (acquisitions.length) showPair();
}

async function loadAcquisitions() {
  const data = await request("/api/v1/imagery/acquisitions/");
  acquisitions = data.results;
  if (!acquisitions.length) {
    $("empty").hidden = false;
    mapEl.dataset.ready = "true";
    return;
  }
  fillSelect($("left"), acquisitions[0].id);
  fillSelect($("right"), acquisitions[acquisitions.length - 1].id);
  map.fitBounds(boundsOf(acquisitions), { animate: false });
  showPair();
  mapEl.dataset.ready = "true";
}

async function loadParcels() {
  if (map.getZoom() < PARCEL_MIN_ZOOM) return;
  const data = await request(`/api/v1/parcels/?bbox=${map.getBounds().toBBoxString()}`);
  for (const layer of parcelLayers) {
    layer.clearLayers();
    layer.addData(data);
  }
}

// --- "when was it built?"
const THUMB = 150;

function mercator([lon, lat]) {
  const p = L.CRS.EPSG3857.project(L.latLng(lat, lon));
  return [p.x, p.y];
}

// The parcel's outline drawn over a thumbnail: both span the strip's bbox in Web Mercator.
function outline(bbox, ring, height) {
  const [x0, y0] = mercator([bbox[0], bbox[3]]);
  const [x1, y1] = mercator([bbox[2], bbox[1]]);
  const points = ring.map((c) => {
    const [x, y] = mercator(c);
    return `${((x - x0) / (x1 - x0)) * THUMB},${((y0 - y) / (y0 - y1)) * height}`;
  });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${THUMB} ${height}`);
  svg.style.height = `${height}px`;
  const poly = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
  poly.setAttribute("points", points.join(" "));
  poly.setAttribute("fill", "none");
  poly.setAttribute("stroke", "#ffd966");
  poly.setAttribute("stroke-width", "2");
  svg.append(poly);
  return svg;
}

async function showStrip(params, title) {
  const query = new URLSearchParams(params).toString();
  $("strip").hidden = false;
  $("strip-title").textContent = title;
  $("strip-items").replaceChildren();
  try {
    const data = await request(`/api/v1/imagery/strip?${query}`);
    const [west, south, east, north] = data.bbox;
    const [x0, y0] = mercator([west, north]);
    const [x1, y1] = mercator([east, south]);
    const height = Math.round(THUMB * ((y0 - y1) / (x1 - x0)));
    if (!data.items.length) {
      $("strip-items").textContent = _("No photograph covers this place.");
    }
    for (const item of data.items) {
      const figure = document.createElement("figure");
      figure.className = "strip-item";
      figure.dataset.date = item.acquired_on;
      const img = new Image(THUMB, height);
      img.style.height = `${height}px`;
      img.style.objectFit = "fill";
      img.alt = item.acquired_on;
      img.src = item.thumbnail;
      const caption = document.createElement("figcaption");
      caption.textContent = `${formatDate(item.acquired_on)}${item.title ? ` · ${item.title}` : ""}`;
      figure.append(img);
      if (data.parcel) figure.append(outline(data.bbox, data.parcel.geometry.coordinates[0], height));
      figure.append(caption);
      $("strip-items").append(figure);
    }
    $("strip").dataset.loaded = "true";
  } catch (err) {
    $("strip-items").textContent = err instanceof ApiError ? err.message : String(err);
  }
}

function openStripAt(e) {
  const { lat, lng } = e.latlng;
  showStrip({ lon: lng.toFixed(7), lat: lat.toFixed(7) }, `${lat.toFixed(6)}, ${lng.toFixed(6)}`);
}

map.on("click", openStripAt);
$("strip-close").addEventListener("click", () => {
  $("strip").hidden = true;
});
$("left").addEventListener("change", showPair);
$("right").addEventListener("change", showPair);
$("opacity").addEventListener("input", () => mode === "swipe" && right && right.setOpacity(Number($("opacity").value)));
for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => radio.checked && setMode(radio.value));
}
map.on("moveend", () => loadParcels().catch(() => {}));

// --- upload with progress: the bytes (XHR upload events), then the conversion (the job row)
function csrfToken() {
  const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

function uploadFile(form) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/imagery/acquisitions/");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        $("job-progress").value = Math.round((e.loaded / e.total) * 100);
        say(`${_("Uploading")} ${Math.round((e.loaded / e.total) * 100)}%`);
      }
    };
    xhr.onload = () => {
      const body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      if (xhr.status === 202) resolve(body);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new Error(_("The upload was interrupted.")));
    const body = new FormData(form);
    body.set("acquired_on", dateValue(form.elements.acquired_on)); // typed dd/mm/yyyy, sent as an ISO date
    xhr.send(body);
  });
}

async function follow(job) {
  const bar = $("job-progress");
  for (;;) {
    bar.value = job.progress;
    say(`${_("Converting")} ${job.source_name}: ${job.progress}%`);
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((r) => setTimeout(r, 1000));
    job = await request(`/api/v1/imagery/jobs/${job.id}/`);
  }
}

async function loadJobs() {
  const data = await request("/api/v1/imagery/jobs/");
  $("jobs").replaceChildren(
    ...data.results.slice(0, 8).map((job) => {
      const li = document.createElement("li");
      li.className = job.status;
      const why = job.status === "failed" ? ` — ${document.documentElement.lang === "en" ? job.message_en : job.message}` : "";
      const state = { done: _("done"), failed: _("failed"), queued: _("queued"), running: _("running") }[job.status] || job.status;
      li.textContent = `${job.source_name} (${formatDate(job.acquired_on)}): ${state} ${job.progress}%${why}`;
      return li;
    }),
  );
}

if ($("upload-form")) dateInput($("upload-form").elements.acquired_on);
$("upload-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  $("job-progress").hidden = false;
  try {
    const job = await follow(await uploadFile(form));
    if (job.status === "done") {
      say(_("The photograph is ready."), "ok");
      form.reset();
      await loadAcquisitions();
    } else {
      say(document.documentElement.lang === "en" ? job.message_en : job.message, "error");
    }
  } catch (err) {
    say(err instanceof ApiError ? err.message : String(err), "error");
  }
  loadJobs().catch(() => {});
});

// A page come back to (the browser's back button) may have its radio buttons restored to side by side.
const chosenMode = document.querySelector("input[name=mode]:checked");
if (chosenMode && chosenMode.value !== mode) setMode(chosenMode.value);
loadAcquisitions().catch((err) => say(err.message, "error"));
loadJobs().catch(() => {});
