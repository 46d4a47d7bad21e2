// CSV import of customers or meters: check the file first (dry run),
// then import it, all or nothing.  The server answers a file with errors
// with 422 and a report listing them by spreadsheet row (the header is
// row 1); that report is the point of a dry run, so it is shown as a table.
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { labelled } from "./form.js";
import { dataTable } from "./table.js";

// lib/api.js turns a 422 into an ApiError without its body, and the body
// is the report.  Until ApiError keeps it (see /work/admin-needs.md) the
// import is sent here with the same session CSRF token api.js stores.
async function send(kind, file, dryRun) {
  const res = await fetch(`/api/v1/${kind}/import?dry_run=${dryRun}`, {
    method: "POST", credentials: "same-origin", body: file,
    headers: { "Content-Type": "text/csv; charset=utf-8",
      Accept: "application/json",
      "X-CSRF-Token": sessionStorage.getItem("hs.csrf") || "" } });
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  return { status: res.status, body: body || {} };
}

function report(r, dryRun) {
  const b = r.body;
  if (r.status === 200 && b.ok) {
    return h("p", { class: "ok" }, dryRun ?
      t("imp.dry_ok", { rows: b.rows, valid: b.valid }) :
      t("imp.done", { n: b.imported }));
  }
  const err = b.error || {};
  if (!Array.isArray(b.errors))
    return h("p", { class: "bad" }, `${t("a.failed")}: ${err.message ||
      "HTTP " + r.status}`);
  return h("div", {},
    h("p", { class: "bad" }, t("imp.errors", { n: b.error_count,
      rows: b.rows })),
    b.errors_truncated ? h("p", { class: "muted" },
      t("imp.truncated", { n: b.errors.length })) : null,
    dataTable({ caption: t("imp.report"), rows: b.errors, columns: [
      { label: t("imp.row"), key: true, num: true, cell: (e) => String(e.row) },
      { label: t("imp.column"), cell: (e) => e.column || "–" },
      { label: t("imp.message"), cell: (e) => e.message },
    ] }));
}

// kind: "customers" or "meters"; onImported() after a real import.
export function importPanel(kind, columns, onImported) {
  const file = h("input", { type: "file", name: "file",
    accept: ".csv,text/csv" });
  const out = h("div", { "aria-live": "polite", class: "import-report" });
  const check = h("button", { type: "button", class: "secondary" },
    t("imp.check"));
  const commit = h("button", { type: "button", disabled: true },
    t("imp.commit"));
  let checked = null;

  const run = async (dryRun) => {
    const f = file.files[0];
    if (!f) {
      clear(out, h("p", { class: "bad" }, t("imp.choose")));
      return;
    }
    check.disabled = commit.disabled = true;
    clear(out, h("p", {}, t("loading")));
    try {
      const r = await send(kind, f, dryRun);
      clear(out, report(r, dryRun));
      const ok = r.status === 200 && r.body.ok;
      checked = dryRun && ok ? f : null;
      if (!dryRun && ok) onImported && onImported();
    } catch (e) {
      clear(out, h("p", { class: "bad" }, `${t("a.failed")}: ${e.message}`));
      checked = null;
    }
    check.disabled = false;
    commit.disabled = !checked;
  };
  check.addEventListener("click", () => run(true));
  commit.addEventListener("click", () => run(false));
  file.addEventListener("change", () => {
    checked = null;
    commit.disabled = true;
    clear(out);
  });
  return h("section", { class: "card", "aria-labelledby": `imp-${kind}` },
    h("h2", { id: `imp-${kind}` }, t("imp.title")),
    h("p", { class: "muted" }, t("imp.help", { columns })),
    labelled(t("imp.file"), file),
    h("div", { class: "actions" }, check, commit),
    out);
}
