// The 409 panel both map editors share: each field as the officer meant to save it beside the version another
// officer saved first, the differing ones marked; the panel keeps that version for "save mine over theirs".

export const shown = (v) => (v === null || v === undefined ? "" : String(v));

export function showVersions(lines, currentVersion) {
  const rows = document.getElementById("conflict-rows");
  rows.replaceChildren();
  for (const [name, mine, theirs] of lines) {
    const tr = document.createElement("tr");
    if (mine !== theirs) tr.className = "differs";
    for (const text of [name, mine, theirs]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    rows.append(tr);
  }
  const panel = document.getElementById("conflict");
  panel.hidden = false;
  panel.dataset.currentVersion = currentVersion;
}
