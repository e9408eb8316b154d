// Address search on a map: suggestions while one types (/api/v1/geocode/suggest: accents optional, deep
// alleys, old ward names after a comma), Enter takes the geocoder's best place (/api/v1/geocode); a chosen
// place flies the map to the house, rings it and opens a popup of what is there (the house number, the
// businesses and public facilities within a few metres, public fields only, from the radius scan).
import { request } from "./request.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const WAIT_MS = 180; // between keystrokes: one request per pause, not per letter
const HERE_M = 25; // "at this spot": the house's plot and its neighbours' shopfronts

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function whatIsHere(place) {
  const box = el("div", { className: "search-popup" });
  box.append(el("b", { className: "search-popup-number", textContent: place.number || place.street || place.address }));
  box.append(el("div", { className: "hint", textContent: place.address }));
  const q = new URLSearchParams({ lat: place.lat.toFixed(6), lon: place.lon.toFixed(6), radius_m: HERE_M, page_size: 10 });
  try {
    const data = await request(`/api/v1/businesses/radius?${q}`);
    const list = el("ul", { className: "search-here" });
    for (const b of data.results) list.append(el("li", { textContent: `${b.signboard} — ${b.industry.name}` }));
    for (const items of Object.values(data.pois)) for (const p of items) list.append(el("li", { textContent: p.name }));
    if (!list.children.length) list.append(el("li", { className: "hint", textContent: _("No business or public facility here") }));
    if (data.total > data.results.length) {
      list.append(el("li", { className: "hint", textContent: `${_("showing")} ${data.results.length} ${_("of")} ${data.total}` }));
    }
    box.append(list);
  } catch (err) {
    box.append(el("p", { className: "error", textContent: err.message }));
  }
  return box;
}

/** An address box on the map; `onPlace(place)` is told of each place chosen (the businesses page scans there);
 * `popup: false` leaves out the popup of what is at the place. */
export function addSearch(map, { position = "topleft", onPlace = null, popup = true } = {}) {
  const control = L.control({ position });
  let ring = null;
  let timer = null;
  let results = [];
  let resultsFor = ""; // the text the suggestions shown were asked for
  let active = -1;
  let asked = 0;

  control.onAdd = () => {
    const form = L.DomUtil.create("form", "leaflet-control map-search");
    form.setAttribute("role", "search");
    const input = el("input", {
      type: "search", id: "address-search", autocomplete: "off", spellcheck: false,
      placeholder: _("Search an address: number and street"),
    });
    input.setAttribute("aria-label", _("Search an address"));
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", "search-suggestions");
    input.setAttribute("aria-expanded", "false");
    const list = el("ul", { id: "search-suggestions", className: "search-suggestions" });
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", _("Suggestions"));
    const status = el("div", { className: "search-status", id: "search-status" });
    status.setAttribute("aria-live", "polite");
    form.append(input, list, status);
    L.DomEvent.disableClickPropagation(form);
    L.DomEvent.disableScrollPropagation(form);

    const show = (items) => {
      results = items;
      active = -1;
      list.replaceChildren(...items.map((r, i) => {
        const li = el("li", { id: `search-option-${i}`, className: `search-option level-${r.level}` },
          el("span", { textContent: r.address }));
        li.setAttribute("role", "option");
        li.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the focus in the box
        // Stopped here: choosing removes the option, and Leaflet, no longer finding the search box above a
        // detached target, would take the click for a tap on the map (a scan there, on the businesses page).
        li.addEventListener("click", (ev) => { ev.stopPropagation(); choose(r); });
        return li;
      }));
      input.setAttribute("aria-expanded", String(items.length > 0));
    };
    const highlight = (i) => {
      active = i;
      [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
      input.setAttribute("aria-activedescendant", i >= 0 ? `search-option-${i}` : "");
    };
    // `typed`: the number the person asked for, when the geocoder placed a neighbour of it instead (it gives the
    // nearest number on the same side of the street): said, so nobody takes 248 for the 104 they typed.
    const choose = async (place, typed = null) => {
      show([]);
      input.value = place.address;
      status.textContent = "";
      if (typed && place.number !== typed && place.level !== "house") {
        status.textContent = place.number
          ? `${_("No number")} ${typed} ${_("on this street: the nearest is")} ${place.number}`
          : `${_("No number")} ${typed} ${_("on this street: shown is the street")}`;
      }
      const zoom = place.level === "house" || place.level === "alley" ? 19 : place.level === "street" ? 17 : 15;
      const at = L.latLng(place.lat, place.lon);
      map.flyTo(at, Math.min(zoom, map.getMaxZoom() || zoom), { duration: 0.8 });
      if (ring) ring.remove();
      ring = L.circleMarker(at, { radius: 16, color: "#f59e0b", weight: 4, fill: false, className: "search-hit", interactive: false }).addTo(map);
      map.once("moveend", async () => {
        if (popup) {
          const content = await whatIsHere(place);
          L.popup({ className: "search-result-popup", offset: [0, -8] }).setLatLng(at).setContent(content).openOn(map);
        }
        map.getContainer().dataset.searchResult = place.address;
      });
      if (onPlace) onPlace(place);
    };
    const ask = async (url, mine) => {
      try {
        const data = await request(url);
        return mine === asked ? data : null;
      } catch (err) {
        if (mine === asked) status.textContent = err.message;
        return null;
      }
    };

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      timer = setTimeout(async () => {
        const mine = ++asked;
        const found = await ask(`/api/v1/geocode/suggest?${new URLSearchParams({ q, limit: 8 })}`, mine);
        if (found) {
          show(found.results);
          resultsFor = q;
          status.textContent = found.results.length ? "" : _("No address like this");
        }
      }, WAIT_MS);
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown" && results.length) { ev.preventDefault(); highlight((active + 1) % results.length); }
      else if (ev.key === "ArrowUp" && results.length) { ev.preventDefault(); highlight((active - 1 + results.length) % results.length); }
      else if (ev.key === "Escape") show([]);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearTimeout(timer);
      if (active >= 0 && results[active]) { choose(results[active]); return; }
      const q = input.value.trim();
      if (!q) return;
      // Suggestions for this very text: the first is the best place (a street alone, which the geocoder, wanting a
      // number or a ward, refuses, is among them).
      if (results.length && resultsFor === q) { choose(results[0]); return; }
      const mine = ++asked;
      const found = await ask(`/api/v1/geocode?${new URLSearchParams({ q, limit: 1 })}`, mine);
      const best = found && found.results[0];
      if (best && best.lat !== null) choose(best, found.parsed && found.parsed.house ? found.parsed.house.toUpperCase() : null);
      else if (found) status.textContent = _("No address like this");
    });
    input.addEventListener("blur", () => setTimeout(() => show([]), 150));
    return form;
  };
  control.addTo(map);
  // First in its corner, above the zoom buttons: on a phone it is the widest thing up there.
  const box = control.getContainer();
  box.parentNode.prepend(box);
  return control;
}
