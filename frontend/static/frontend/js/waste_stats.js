// The waste layer's statistics under the editor: points per khu phố and kind (/api/v1/waste/stats).
import { request } from "./request.js";
import { formatNumber } from "./i18n_format.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);

export async function loadStats(layerName) {
  if (layerName !== "waste_points") return;
  const data = await request("/api/v1/waste/stats");
  $("stats-head").innerHTML = "";
  const head = document.createElement("tr");
  for (const text of [_("Khu phố"), ...data.kinds.map((k) => k.label), _("Total")]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  $("stats-head").append(head);
  const body = $("stats-body");
  body.replaceChildren();
  for (const row of data.by_khu_pho) {
    const tr = document.createElement("tr");
    for (const text of [row.khu_pho ?? "—", ...[...data.kinds.map((k) => row[k.kind] ?? 0), row.total].map((n) => formatNumber(n))]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  $("stats").hidden = false;
}
