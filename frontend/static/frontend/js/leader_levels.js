// Area levels on the leaders' dashboard: one column per scheme in the table (the ward's level as a coloured
// badge) and the latest changes of level, from the `levels` part of /leader/dashboard/data.

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const english = document.documentElement.lang === "en";

export function levelLabel(scheme, key) {
  const level = scheme.levels.find((l) => l.key === key);
  if (!level) return { text: _("no level"), colour: "#ffffff" };
  return { text: english ? level.label_en : level.label, colour: level.colour };
}

function badge(scheme, key) {
  const span = document.createElement("span");
  span.className = "level-badge";
  const { text, colour } = levelLabel(scheme, key);
  span.textContent = text;
  span.style.background = colour;
  span.dataset.level = key || "";
  return span;
}

// Adds the schemes' columns to the table drawn by leader_dashboard.js (rows carry data-ward).
// Under one group "Level" in the header's top row, each scheme's column by the scheme's name.
export function drawLevelColumns(levels) {
  const groups = document.querySelector("#dash-table thead tr.groups");
  const head = document.querySelector("#dash-table thead tr.columns");
  const foot = document.querySelector("#dash-table tfoot tr");
  if (levels.schemes.length) {
    const group = document.createElement("th");
    group.scope = "colgroup";
    group.colSpan = levels.schemes.length;
    group.className = "group-start";
    group.textContent = _("Level");
    groups.append(group);
  }
  for (const [i, scheme] of levels.schemes.entries()) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = scheme.name;
    th.dataset.scheme = String(scheme.id);
    if (i === 0) th.className = "group-start";
    head.append(th);
    foot.append(document.createElement("td"));
    for (const tr of document.querySelectorAll("#dash-table tbody tr")) {
      const td = document.createElement("td");
      td.dataset.scheme = String(scheme.id);
      const held = scheme.wards[tr.dataset.ward];
      td.append(badge(scheme, held ? held.level : ""));
      tr.append(td);
    }
  }
}

export function drawLevelChanges(levels, wardNames) {
  const list = document.getElementById("dash-level-changes");
  if (!list) return;
  const byId = new Map(levels.schemes.map((s) => [s.id, s]));
  const format = new Intl.DateTimeFormat(english ? "en" : "vi", { dateStyle: "short", timeStyle: "medium" });
  list.replaceChildren(
    ...levels.changes.map((c) => {
      const li = document.createElement("li");
      li.dataset.ward = String(c.ward);
      li.dataset.to = c.to;
      const scheme = byId.get(c.scheme);
      const when = document.createElement("time");
      when.dateTime = c.at;
      when.textContent = format.format(new Date(c.at));
      li.append(when, ` ${wardNames.get(c.ward) ?? c.ward} · ${c.scheme_name}: `);
      if (scheme) li.append(badge(scheme, c.from), " → ", badge(scheme, c.to));
      return li;
    }),
  );
  document.getElementById("dash-level-empty").hidden = levels.changes.length > 0;
}
