// Importing a GIS file into the open layer: the server checks every row (nothing written), the page shows the
// problems and the first rows, then the officer imports all rows or none. A big file is checked and written by
// the worker: the page follows its job with a progress bar.
import { ApiError, csrfToken, request } from "./request.js";

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const $ = (id) => document.getElementById(id);
const vi = () => document.documentElement.lang === "vi";

function say(text, kind = "") {
  const box = $("import-status");
  box.className = kind;
  box.textContent = text;
}

async function upload(url, formData) {
  const response = await fetch(url, {
    method: "POST",
    body: formData,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // a proxy's HTML page (a 413 from nginx): the status says enough
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function follow(url, whileState) {
  const bar = $("import-progress");
  try {
    for (;;) {
      const job = await request(url);
      if (job.state !== whileState) return job;
      bar.hidden = false;
      bar.max = Math.max(job.features, 1);
      bar.value = job.progress;
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  } finally {
    bar.hidden = true;
  }
}

function listProblems(problems) {
  const list = $("import-problems");
  list.replaceChildren();
  for (const p of problems || []) {
    const li = document.createElement("li");
    li.textContent = `${_("Row")} ${p.row}: ${vi() ? p.message : p.message_en || p.message}`;
    list.append(li);
  }
}

function showPreview(job) {
  const table = $("import-preview");
  table.replaceChildren();
  const rows = job.preview || [];
  if (!rows.length) return;
  const columns = Object.values(job.columns || {});
  const head = document.createElement("tr");
  for (const text of [_("Row"), ...columns]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  table.append(head);
  for (const row of rows) {
    const tr = document.createElement("tr");
    if (row.problem) tr.className = "problem";
    for (const text of [row.row, ...columns.map((c) => row.properties[c] ?? "")]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    table.append(tr);
  }
}

// Which field each of the file's columns fills: as the server matched them (by name or title), changeable by the
// officer; "check again" sends the choice with the same file (`mapping`), so the import uses exactly it.
function showMapping(job, fields) {
  const box = $("import-mapping");
  if (!box) return;
  box.replaceChildren();
  const chosen = job.columns || {};
  const columns = [...Object.keys(chosen), ...(job.ignored_columns || [])];
  box.hidden = !columns.length || !fields.length;
  if (box.hidden) return;
  const caption = document.createElement("p");
  caption.className = "hint";
  caption.textContent = _("Columns of the file and the fields they fill:");
  box.append(caption);
  for (const column of columns) {
    const label = document.createElement("label");
    label.textContent = `${column} → `;
    const select = document.createElement("select");
    select.dataset.column = column;
    select.append(new Option(_("— ignore —"), ""));
    for (const [name, title] of fields) select.append(new Option(title, name, false, chosen[column] === name));
    label.append(select);
    box.append(label);
  }
  const again = document.createElement("button");
  again.type = "button";
  again.id = "import-remap";
  again.textContent = _("Check again with these columns");
  again.addEventListener("click", () => $("import-form").requestSubmit());
  box.append(again);
}

function chosenMapping() {
  const mapping = {};
  for (const select of document.querySelectorAll("#import-mapping select")) mapping[select.dataset.column] = select.value;
  return mapping;
}

function showReport(job) {
  const notes = [...(job.notes || [])];
  if (job.ignored_columns?.length) notes.push(`${_("Ignored columns:")} ${job.ignored_columns.join(", ")}`);
  $("import-notes").textContent = notes.join(" · ");
  listProblems(job.problems);
  showPreview(job);
  const ok = job.failed_rows === 0 && job.rows > 0;
  const summary = interpolate(_("%(rows)s rows: %(valid)s ready, %(failed)s with problems."), {
    rows: job.rows, valid: job.valid_rows, failed: job.failed_rows,
  }, true);
  say(ok ? summary : `${summary} ${_("Correct the file and check it again: nothing is imported while a row has a problem.")}`, ok ? "ok" : "error");
  const commit = $("import-commit");
  commit.hidden = !ok;
  commit.textContent = interpolate(_("Import all %s rows"), [job.rows]);
}

// `fields`: [name, title] of the layer's editable fields, for the column mapping.
export function setupImport(layerName, onImported, fields = []) {
  const formEl = $("import-form");
  if (!formEl) return; // not an editor of this layer
  const base = `/api/v1/layers/${layerName}/imports`;
  let job = null;
  // A new file starts from the server's own matching.
  $("import-file").addEventListener("change", () => {
    const box = $("import-mapping");
    if (box) box.replaceChildren();
  });
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(formEl);
    if (document.querySelector("#import-mapping select")) data.append("mapping", JSON.stringify(chosenMapping()));
    $("import-commit").hidden = true;
    listProblems([]);
    $("import-preview").replaceChildren();
    $("import-notes").textContent = "";
    say(_("Checking the file…"));
    try {
      job = await upload(base, data);
      if (job.state === "queued") job = await follow(`${base}/${job.id}`, "queued");
      if (job.state === "failed") throw new ApiError(400, job.error);
      showReport(job);
      showMapping(job, fields);
    } catch (err) {
      say(err instanceof ApiError ? err.message : String(err), "error");
      if (err instanceof ApiError) listProblems(err.body?.details?.problems);
    }
  });
  $("import-commit").addEventListener("click", async () => {
    $("import-commit").hidden = true;
    say(_("Importing…"));
    try {
      let done = await request(`${base}/${job.id}/commit`, { method: "POST" });
      if (done.state === "committing") done = await follow(`${base}/${job.id}`, "committing");
      if (done.state === "failed") throw new ApiError(400, done.error);
      if (done.state !== "committed") {
        showReport(done);
        say(_("Nothing was imported: rows have problems."), "error");
        return;
      }
      say(interpolate(_("%s features imported."), [done.created_ids.length]), "ok");
      formEl.reset();
      onImported(done);
    } catch (err) {
      say(err instanceof ApiError ? err.message : String(err), "error");
      if (err instanceof ApiError) listProblems(err.body?.details?.problems);
    }
  });
}
