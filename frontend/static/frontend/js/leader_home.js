// The leader's home (frontend/leader_home.html, drawn by the server) kept live as the dashboard is: the events
// stream says an officer saved an edit in these wards (live_changes.js), and the figures are read again from the
// dashboard's JSON (/leader/dashboard/data: the same registry, the same withholding, the same wards) into the
// table's cells; a cell that changed is marked for a moment.
import { WITHHELD, showFigure } from "./figure_value.js";
import { followChanges } from "./live_changes.js";

const table = document.getElementById("leader-figures");
let latest = 0; // the newest request wins when answers arrive out of order

function fill(cell, value) {
  const link = cell.querySelector("a");
  const text = showFigure(value);
  if (link.textContent.trim() === text) return;
  link.textContent = text;
  if (value.hidden) link.title = WITHHELD();
  else link.removeAttribute("title");
  cell.classList.remove("changed");
  void cell.offsetWidth; // restart the mark's animation when a cell changes twice in a row
  cell.classList.add("changed");
}

async function reload() {
  const ticket = ++latest;
  const response = await fetch("/leader/dashboard/data?area=ward", {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  // A refused or failed read keeps the figures shown: the next save tries again.
  if (!response.ok || ticket !== latest) return;
  const body = await response.json();
  if (ticket !== latest) return;
  for (const ward of body.wards) {
    const row = table.querySelector(`tbody tr[data-ward="${ward.id}"]`);
    if (!row) continue;
    for (const [key, value] of Object.entries(ward.values)) {
      const cell = row.querySelector(`td[data-figure="${key}"]`);
      if (cell) fill(cell, value);
    }
  }
  table.dataset.loaded = String(ticket);
}

if (table) followChanges(reload, document.getElementById("leader-live"));
