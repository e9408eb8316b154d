// Officers' statistics page: counts by a grouping as a table and a Chart.js bar chart; exports with the same filters.
import { request } from "./request.js";
import { formatNumber } from "./i18n_format.js";
import { _, $, el } from "./dom.js";

const form = $("stats-form");
const english = document.documentElement.lang === "en";
const CHART_BARS = 30; // the table lists every group; a chart of hundreds of street blocks reads as noise
const number = new Intl.NumberFormat(english ? "en" : "vi");
const CODED = new Set(["industry", "section"]); // groups whose code means something to an officer
let latest = 0; // the newest request wins when answers arrive out of order

// The filter part of the form (everything but the grouping), as the list, stats and export endpoints read it.
function filterParams() {
  const q = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name !== "group_by" && String(value).trim() !== "") q.append(name, String(value).trim());
  }
  return q;
}

function updateExportLinks(q) {
  for (const fmt of ["csv", "xlsx", "geojson"]) {
    const link = $(`export-${fmt}`);
    if (link) link.href = `/api/v1/businesses/export.${fmt}${q.toString() ? `?${q}` : ""}`;
  }
}

// Only the khu phố of the chosen ward are offered.
function syncKhuPho() {
  const ward = $("ward-filter").value;
  const select = $("khu-pho-filter");
  for (const option of select.options) {
    if (option.value) option.hidden = Boolean(ward) && option.dataset.ward !== ward;
  }
  if (select.selectedOptions[0]?.hidden) select.value = "";
}

const chart = new Chart($("stats-chart"), {
  type: "bar",
  data: { labels: [], datasets: [{ label: _("Businesses"), data: [], backgroundColor: "#0b5394" }] },
  options: {
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
  },
});

function render(data, groupLabel) {
  const label = (row) => (english ? row.label_en || row.label : row.label) || String(row.key);
  const body = $("stats-table").tBodies[0];
  body.replaceChildren(
    ...data.rows.map((row) => {
      const tr = el(
        "tr",
        {},
        el("td", { textContent: CODED.has(data.group_by) ? `${row.key} — ${label(row)}` : label(row) }),
        el("td", { className: "num", textContent: number.format(row.count) }),
        el("td", { className: "num", textContent: formatNumber(data.total ? (100 * row.count) / data.total : 0, 1) }),
      );
      tr.dataset.key = row.key ?? "";
      tr.dataset.count = row.count;
      return tr;
    }),
  );
  $("stats-group-head").textContent = groupLabel;
  $("stats-total").textContent = number.format(data.total);

  const shown = data.rows.slice(0, CHART_BARS);
  chart.data.labels = shown.map((row) => (data.group_by === "industry" ? row.key : label(row)));
  chart.data.datasets[0].data = shown.map((row) => row.count);
  chart.update();
  const canvas = $("stats-chart");
  canvas.dataset.groupBy = data.group_by;
  canvas.dataset.bars = String(shown.length);
}

async function load() {
  const q = filterParams();
  updateExportLinks(q);
  const grouping = $("group-by");
  const stats = new URLSearchParams(q);
  stats.set("group_by", grouping.value);
  const error = $("stats-error");
  const mine = ++latest;
  try {
    const data = await request(`/api/v1/businesses/stats?${stats}`);
    if (mine !== latest) return;
    error.hidden = true;
    render(data, grouping.selectedOptions[0].textContent);
  } catch (err) {
    if (mine !== latest) return;
    error.textContent = err.message;
    error.hidden = false;
  }
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  load();
});
form.addEventListener("change", (ev) => {
  if (ev.target.id === "ward-filter") syncKhuPho();
  // A typed industry code waits for the button or Enter; the lists apply at once.
  if (ev.target.id !== "industry-filter") load();
});
syncKhuPho();
load();

// Live figures: when an officer saves a business in this user's wards, the server says so
// (/api/v1/events, PostgreSQL NOTIFY) and the table and chart reload; bursts coalesce into one load.
if (window.EventSource) {
  let timer = null;
  const events = new EventSource("/api/v1/events");
  events.addEventListener("change", (ev) => {
    if (JSON.parse(ev.data).layer !== "businesses") return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      $("stats-chart").dataset.liveUpdates = String(Number($("stats-chart").dataset.liveUpdates || 0) + 1);
      load();
    }, 300);
  });
}
