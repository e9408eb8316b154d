// The 409 panel both map editors share: each field as the officer meant to save it beside the version another
// officer saved first, the differing ones marked; the panel keeps that version for "save mine over theirs".
// The editors hand in labels and values in words (a field's label, a choice's name, dd/mm/yyyy, "moved 12 m").
import { formatNumber } from "./i18n_format.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => obj[k]));

export const shown = (v) => (v === null || v === undefined ? "" : String(v));

/** How far a point went from where the officer read it, in words: "not moved", "moved 12 m". */
export function movedText(from, to) {
  if (!from || !to) return "";
  const metres = L.latLng(from[1], from[0]).distanceTo(L.latLng(to[1], to[0]));
  if (metres < 0.5) return _("not moved");
  return interpolate(_("moved %(metres)s m"), { metres: formatNumber(metres < 10 ? metres : Math.round(metres), metres < 10 ? 1 : 0) }, true);
}

export function showVersions(lines, currentVersion) {
  const rows = document.getElementById("conflict-rows");
  rows.replaceChildren();
  for (const [name, mine, theirs] of lines) {
    const tr = document.createElement("tr");
    if (mine !== theirs) tr.className = "differs";
    const label = name.charAt(0).toUpperCase() + name.slice(1); // "vị trí" of the history, heading a row
    for (const text of [label, mine, theirs]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    rows.append(tr);
  }
  const panel = document.getElementById("conflict");
  panel.hidden = false;
  panel.dataset.currentVersion = currentVersion;
  // Below a long form it opened out of sight: bring it up and put the reader on its heading.
  const heading = panel.querySelector("h3");
  heading.tabIndex = -1;
  panel.scrollIntoView({ block: "start" });
  heading.focus({ preventScroll: true });
}
