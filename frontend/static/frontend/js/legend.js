// Map symbols and the legend: one shape and colour per kind, the same on the map and in the legend.
// Shapes are SVG paths (not emoji: a closed network's phones may lack the fonts), big enough to tell
// apart at phone size; a white outline keeps them readable over any basemap.

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);

// 24 × 24 paths, centred on (12, 12).
const SHAPES = {
  circle: "M12 4a8 8 0 1 0 0.01 0Z",
  square: "M4 4h16v16H4Z",
  triangle: "M12 2.5 22 20.5H2Z",
  diamond: "M12 1.5 22.5 12 12 22.5 1.5 12Z",
  hexagon: "M12 2 21 7v10l-9 5-9-5V7Z",
  star: "M12 1.8l3 6.6 7.2.7-5.4 4.9 1.6 7.1L12 17.4l-6.4 3.7 1.6-7.1-5.4-4.9 7.2-.7Z",
  cross: "M8.5 2.5h7v6h6v7h-6v6h-7v-6h-6v-7h6Z",
  shield: "M12 2 21 5.5v6c0 5.2-3.9 9.2-9 10.5C6.9 20.7 3 16.7 3 11.5v-6Z",
};

// What each kind looks like. Waste and facility kinds are the models' choices (layers/models.py).
export const WASTE_SYMBOLS = {
  bin: { shape: "circle", color: "#15803d", label: _("Public bin") },
  toilet: { shape: "square", color: "#0369a1", label: _("Public toilet") },
  transfer_station: { shape: "hexagon", color: "#7c3aed", label: _("Waste transfer station") },
  dump_hotspot: { shape: "triangle", color: "#dc2626", label: _("Dumping hot spot") },
  source_owner: { shape: "diamond", color: "#92400e", label: _("Waste source owner") },
};

export const POI_SYMBOLS = {
  office: { shape: "star", color: "#b91c1c", label: _("Government office") },
  school: { shape: "square", color: "#d97706", label: _("School") },
  health: { shape: "cross", color: "#15803d", label: _("Health facility") },
  market: { shape: "diamond", color: "#7e22ce", label: _("Market") },
  police: { shape: "shield", color: "#1d4ed8", label: _("Police") },
};

// Businesses by VSIC section, grouped into the families a citizen tells apart. VSIC 2018 keeps
// ISIC's divisions, so the section follows from the code's first two digits.
export const SECTION_GROUPS = [
  { sections: "G", color: "#b45309", label: _("Trade and repair") },
  { sections: "I", color: "#db2777", label: _("Food and lodging") },
  { sections: "C", color: "#4b5563", label: _("Manufacturing") },
  { sections: "PQ", color: "#0891b2", label: _("Education and health") },
  { sections: "HJ", color: "#2563eb", label: _("Transport and information") },
  { sections: "KLMN", color: "#65a30d", label: _("Finance, property, professional services") },
  { sections: "RSTU", color: "#9333ea", label: _("Other services") },
  { sections: "ABDEFO", color: "#78716c", label: _("Other industries") },
];
const DIVISION_SECTION = [
  [3, "A"], [9, "B"], [33, "C"], [35, "D"], [39, "E"], [43, "F"], [47, "G"], [53, "H"], [56, "I"], [63, "J"],
  [66, "K"], [68, "L"], [75, "M"], [82, "N"], [84, "O"], [85, "P"], [88, "Q"], [93, "R"], [96, "S"], [98, "T"], [99, "U"],
];

export function sectionOf(code) {
  const division = Number(String(code || "").slice(0, 2));
  if (!division) return null;
  return (DIVISION_SECTION.find(([upTo]) => division <= upTo) || [0, null])[1];
}

export function sectionColor(code) {
  const section = /^[A-U]$/.test(code || "") ? code : sectionOf(code);
  return (SECTION_GROUPS.find((g) => section && g.sections.includes(section)) || SECTION_GROUPS.at(-1)).color;
}

/** An inline SVG of a symbol; `cls` goes on its path (tests and CSS find the features by it). */
export function symbolSvg({ shape, color }, size = 22, cls = "") {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="${size}" height="${size}" aria-hidden="true">`
    + `<path class="${cls}" d="${SHAPES[shape] || SHAPES.circle}" fill="${color}" stroke="#fff" stroke-width="2" stroke-linejoin="round"/></svg>`;
}

/** A Leaflet icon of a symbol: a DivIcon for markers, or (`image`) an SVG data URL for VectorGrid's points. */
export function symbolIcon(symbol, size = 22, cls = "", image = false) {
  if (image) {
    const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(symbolSvg(symbol, size))}`;
    return L.icon({ iconUrl: url, iconSize: [size, size], className: cls });
  }
  return L.divIcon({ html: symbolSvg(symbol, size, cls), className: "symbol-icon", iconSize: [size, size] });
}

export function lineSwatch({ color, dash = "", weight = 3 }) {
  return `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M2 12h20" stroke="${color}" stroke-width="${weight}" stroke-dasharray="${dash}" fill="none"/></svg>`;
}

// A boundary pieced together from the wards before 2025 (load_units_2025 --boundaries: a predecessor was split, so
// where the line runs is a guess): dashed on the map and in the legend, so nobody reads it as the official line.
export const APPROXIMATE_DASH = "8 6";

/** The style of an area that is approximate: its base style, dashed. */
export function approximateStyle(base, feature) {
  return feature?.properties?.approximate ? { ...base, dashArray: APPROXIMATE_DASH } : base;
}

// The legend's line for it, only while a layer of the entry draws an approximate feature.
function approximateItem(layer) {
  let color = null;
  layer.eachLayer?.((part) => {
    if (!color && part.feature?.properties?.approximate) color = part.options?.color || "#0b5394";
  });
  if (!color) return null;
  return { html: lineSwatch({ color, dash: APPROXIMATE_DASH }), label: _("Approximate boundary"), cls: "legend-approximate" };
}

export function areaSwatch({ color, fill }) {
  return `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><rect x="3" y="5" width="18" height="14" fill="${fill}" fill-opacity=".5" stroke="${color}" stroke-width="2"/></svg>`;
}

export function clusterSwatch(color) {
  return `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><circle cx="12" cy="12" r="9" fill="${color}" fill-opacity=".55" stroke="#fff" stroke-width="1"/></svg>`;
}

/**
 * A legend of the layers on the map: entries are {layer, title, items: [{html, label}]}; an entry shows
 * while its layer is on the map, and the legend follows the layer switcher. Collapsed behind a button on
 * phones (CSS), open on wider screens.
 */
export function addLegend(map, entries, { position = "bottomright" } = {}) {
  const control = L.control({ position });
  let body;
  const render = () => {
    body.replaceChildren();
    for (const entry of entries) {
      if (!map.hasLayer(entry.layer)) continue;
      const section = document.createElement("section");
      section.className = "legend-layer";
      section.dataset.layer = entry.name || entry.title;
      // A layer whose first symbol is named as the layer is (a boundary, an area layer): that line names the
      // section, and a heading above it would say the same words twice.
      const h = entry.items[0]?.label === entry.title ? null : document.createElement("h3");
      if (h) h.textContent = entry.title;
      else section.classList.add("legend-untitled");
      const list = document.createElement("ul");
      const approximate = approximateItem(entry.layer);
      for (const item of approximate ? [...entry.items, approximate] : entry.items) {
        const li = document.createElement("li");
        if (item.cls) li.className = item.cls;
        li.innerHTML = item.html; // our own SVG strings, never user data
        const label = document.createElement("span");
        label.textContent = item.label;
        li.append(label);
        list.append(li);
      }
      section.append(...(h ? [h, list] : [list]));
      body.append(section);
    }
  };
  control.onAdd = () => {
    const box = L.DomUtil.create("div", "leaflet-control legend");
    box.id = "legend";
    const toggle = L.DomUtil.create("button", "legend-toggle", box);
    toggle.type = "button";
    toggle.textContent = _("Legend");
    toggle.setAttribute("aria-expanded", String(window.innerWidth > 640));
    box.classList.toggle("open", window.innerWidth > 640);
    const show = (open) => {
      box.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    toggle.addEventListener("click", () => show(!box.classList.contains("open")));
    // On a phone the open legend covers half the map: a tap on the map folds it, as a sheet would.
    map.on("click", () => { if (window.innerWidth <= 640) show(false); });
    body = L.DomUtil.create("div", "legend-body", box);
    body.tabIndex = 0; // it scrolls on small screens: reachable by keyboard (axe: scrollable-region-focusable)
    body.setAttribute("aria-label", _("Legend"));
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    render();
    return box;
  };
  control.addTo(map);
  // The switcher's events, not layeradd: a scan adds thousands of markers, each a layeradd.
  map.on("overlayadd overlayremove", () => body && render());
  control.refresh = () => body && render();
  return control;
}
