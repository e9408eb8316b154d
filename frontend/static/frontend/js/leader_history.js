// The chosen figure over time on the leaders' dashboard: a Chart.js line per ward (and the wards' total) from the
// snapshots (/leader/dashboard/history), and a button that takes a snapshot now (the worker does it).
import { ApiError, request } from "./request.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const english = document.documentElement.lang === "en";
const when = new Intl.DateTimeFormat(english ? "en" : "vi", { dateStyle: "short", timeStyle: "short" });
const LINES = ["#0b5394", "#e34a33", "#2ca25f", "#756bb1", "#fd8d3c", "#636363", "#c51b8a", "#1c9099"];
let chart = null;
let latest = 0;

export async function drawHistory(figure, ward, names) {
  const ticket = ++latest;
  const q = new URLSearchParams({ figure });
  if (ward) q.set("ward", ward);
  const note = document.getElementById("dash-history-note");
  let body;
  try {
    body = await request(`/leader/dashboard/history?${q}`);
  } catch (err) {
    if (ticket !== latest) return null;
    note.textContent = err instanceof ApiError && err.body ? (english ? err.body.message_en : err.body.message) : String(err);
    note.hidden = false;
    if (chart) chart.data.datasets = [];
    chart?.update();
    return null;
  }
  if (ticket !== latest) return null;
  const labels = body.times.map((t) => when.format(new Date(t)));
  const datasets = Object.entries(body.wards).map(([id, values], i) => ({
    label: names.get(Number(id)) ?? id,
    data: values,
    borderColor: LINES[i % LINES.length],
    backgroundColor: LINES[i % LINES.length],
    spanGaps: true,
    tension: 0.1,
  }));
  if (datasets.length > 1) {
    datasets.push({ label: _("All the wards shown"), data: body.district, borderColor: "#000", borderDash: [6, 3] });
  }
  note.hidden = body.times.length > 0;
  note.textContent = _("No snapshot yet: the figures are kept every 6 hours, or now with the button.");
  const canvas = document.getElementById("dash-history");
  canvas.dataset.points = String(body.times.length);
  canvas.dataset.values = JSON.stringify(body.district);
  if (!chart) {
    chart = new Chart(canvas, {
      type: "line",
      data: { labels, datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update();
  }
  return body;
}

// Queue a snapshot, then redraw until it shows (the worker takes a second or two).
export async function snapshotNow(redraw) {
  const button = document.getElementById("dash-snapshot");
  button.disabled = true;
  try {
    const before = Number(document.getElementById("dash-history").dataset.points || 0);
    await request("/leader/dashboard/snapshots", { method: "POST" });
    for (let i = 0; i < 20; i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      const body = await redraw();
      if (body && body.times.length > before) break;
    }
  } finally {
    button.disabled = false;
  }
}
