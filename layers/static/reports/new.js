// The citizen's report page: tap the map where the problem is, pick its kind, describe it, add up to three photos.
// Before sending, open reports of the same kind within 50 m are offered: the citizen may follow one instead.
import { addBasemap } from "/static/frontend/js/basemap.js";
import { _, $, el, messageOf } from "/static/frontend/js/dom.js";

const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [, ""])[1];
async function send(url, init = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...init,
    headers: { Accept: "application/json", "X-CSRFToken": decodeURIComponent(csrf()), ...(init.headers || {}) },
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(messageOf(data) || `HTTP ${response.status}`);
  return data;
}

const map = L.map("map", { zoomControl: true }).setView([10.7745, 106.6835], 15);
window.portalMap = map;
addBasemap(map);
let marker = null;

fetch("/api/v1/admin-units/?level=ward", { credentials: "same-origin" })
  .then((r) => r.json())
  .then((wards) => {
    const codes = JSON.parse(document.body.dataset.homeWards || "[]");
    const all = (wards.features || []).filter((f) => f.geometry);
    const home = all.filter((f) => codes.includes(f.properties.code));
    const shown = home.length ? home : all;
    if (!shown.length) return;
    const layer = L.geoJSON(shown, { style: { color: "#7d4f9e", weight: 2, fill: false }, interactive: false }).addTo(map);
    map.fitBounds(layer.getBounds(), { animate: false });
    map.getContainer().dataset.ready = "1";
  })
  .catch(() => {});

function place(latlng) {
  $("lat").value = latlng.lat.toFixed(7);
  $("lon").value = latlng.lng.toFixed(7);
  if (marker) marker.setLatLng(latlng);
  else marker = L.marker(latlng).addTo(map);
  $("where").textContent = `${latlng.lat.toFixed(5)}, ${latlng.lng.toFixed(5)}`;
  checkNearby();
}
map.on("click", (ev) => place(ev.latlng));
// Refused, unavailable, or a page served over plain http (browsers give no location there): said, with the way on.
const noLocation = () => {
  $("where").textContent = _("your location is not available here: tap the map where the problem is");
};
$("locate").addEventListener("click", () => {
  if (!navigator.geolocation) { noLocation(); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    const here = L.latLng(pos.coords.latitude, pos.coords.longitude);
    map.setView(here, 18);
    place(here);
  }, noLocation, { timeout: 10000 });
});
$("kind").addEventListener("change", checkNearby);

async function checkNearby() {
  const box = $("nearby");
  const kind = $("kind").value, lat = $("lat").value, lon = $("lon").value;
  if (!kind || !lat) return box.replaceChildren();
  try {
    const data = await send(`/api/v1/reports/nearby?${new URLSearchParams({ kind, lat, lon })}`);
    if (!data.reports.length) return box.replaceChildren();
    const list = el("ul");
    for (const r of data.reports) {
      const button = el("button", { type: "button", className: "follow", textContent: _("Follow this one instead") });
      button.addEventListener("click", () => followOne(r.code, button));
      list.append(el("li", {}, el("b", { textContent: r.kind_label }),
        ` — ${r.status_label}, ${Math.round(r.distance_m)} m, ${new Date(r.created_at).toLocaleDateString()} `,
        el("a", { href: r.url, textContent: r.code }), " ", button));
    }
    box.replaceChildren(el("div", { className: "nearby", id: "nearby-list" },
      el("p", { textContent: _("Already reported nearby (within 50 m). Is it the same problem?") }), list));
  } catch (err) {
    box.replaceChildren(el("p", { className: "error", textContent: err.message }));
  }
}

async function followOne(code, button) {
  button.disabled = true;
  try {
    const r = await send(`/api/v1/reports/${code}/follow`, { method: "POST" });
    showDone(r, _("You now follow this report."));
  } catch (err) {
    button.disabled = false;
    $("form-error").textContent = err.message;
  }
}

function showDone(r, title) {
  $("report-form").hidden = true;
  $("done").replaceChildren(el("div", { className: "filed", id: "filed" },
    el("p", { textContent: title }),
    el("p", {}, _("Tracking code"), ": ", el("span", { className: "code", id: "filed-code", textContent: r.code })),
    el("img", { src: r.qr, alt: `QR ${r.code}` }),
    el("p", { className: "filed-actions" },
      el("a", { id: "filed-link", href: r.url, textContent: _("Open the report's page") }),
      el("a", { href: `${r.url}print/`, textContent: _("Print the tracking sheet") }),
      el("a", { href: r.qr, download: `phan-anh-${r.code}.png`, textContent: _("Save the QR code") }))));
}

$("report-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("form-error").textContent = "";
  if (!$("lat").value) {
    $("form-error").textContent = _("Tap the map where the problem is.");
    return;
  }
  const files = $("photos").files;
  if (files.length > 3) {
    $("form-error").textContent = _("At most three photos.");
    return;
  }
  const button = $("send");
  button.disabled = true;
  try {
    const r = await send("/api/v1/reports/", { method: "POST", body: new FormData($("report-form")) });
    showDone(r, _("Thank you: your report was sent to the ward."));
  } catch (err) {
    $("form-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
});
