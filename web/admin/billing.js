// "Penagihan": bill a month.  A run is always previewed first (the
// server computes everything and writes nothing): how many invoices it
// would create, change, leave alone or could not change because they are
// already (partly) paid, which meters it skips and why, and the total.
// Only then the button to issue the invoices appears, for that month and
// that preview.  Runs can be repeated: nothing is billed twice.  Below,
// the runs so far.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah, dateTime } from "/lib/format.js";
import { can } from "./roles.js";
import { labelled, input, alertLine, showError, clearErrors, busy }
  from "./form.js";
import { dataTable, word } from "./table.js";
import { paymentsNav } from "./purchases.js";
import { thisMonth, monthName } from "./billkit.js";

const LIMIT = 20;
const COUNTS = ["created", "changed", "unchanged", "locked", "skipped"];

function counts(rep) {
  return h("div", { class: "cards run-counts" },
    COUNTS.map((k) => h("section", { class: "card stat", dataset: { count: k,
      value: rep[k] } },
    h("h3", {}, t("run." + k)), h("p", { class: "big" }, String(rep[k] ?? 0)),
    h("small", {}, t(`run.${k}_hint`)))),
    h("section", { class: "card stat", dataset: { count: "billed_total",
      value: rep.billed_total } },
    h("h3", {}, t("run.billed_total")),
    h("p", { class: "big" }, rupiah(rep.billed_total)),
    h("small", {}, t("run.meters", { n: rep.meters ?? 0 }),
      rep.customers != null ? ` · ${t("run.customers",
        { n: rep.customers })}` : "")));
}

// The report of one run: counts, then the changes and the skips.
function report(rep) {
  const changes = rep.changes || [], skips = rep.skips || [];
  return [counts(rep),
    changes.length ? h("section", { class: "card" },
      h("h3", {}, t("run.changes")),
      dataTable({ caption: t("run.changes"), rows: changes, columns: [
        { label: t("meter.customer"), key: true, cell: (c) => c.customer },
        { label: t("inv.number"), cell: (c) => c.invoice ? h("a", {
          href: `#/invoices/${c.invoice}` }, `#${c.invoice}`) : "–" },
        { label: t("run.was"), num: true, cell: (c) => rupiah(c.was) },
        { label: t("run.now"), num: true, cell: (c) => rupiah(c.now) },
        { label: t("a.status"), cell: (c) => c.locked ?
          h("span", { class: "bad" }, t("run.locked_row")) :
          t("run.will_change") },
      ] })) : null,
    skips.length ? h("section", { class: "card" },
      h("h3", {}, t("run.skips")),
      dataTable({ caption: t("run.skips"), rows: skips, columns: [
        { label: t("a.meter"), key: true, cell: (s) => s.meter },
        { label: t("run.reason"), cell: (s) => word("skip.", s.reason) },
      ] })) : null];
}

function runsTable(items, ctx) {
  const lang = current();
  return dataTable({ caption: t("run.list"), rows: items, columns: [
    { label: "#", key: true, cell: (r) => String(r.id) },
    { label: t("rd.period"), cell: (r) => monthName(r.period) },
    { label: t("run.kind"), cell: (r) => h("span", { class: "badge " +
      (r.preview ? "s-run-preview" : "s-run-issued"),
    dataset: { state: r.preview ? "preview" : "issued" } },
    t(r.preview ? "run.preview_word" : "run.issued_word")) },
    { label: t("run.by"), cell: (r) => r.actor },
    { label: t("a.when"), cell: (r) => dateTime(r.started_at, ctx.zone, lang) },
    ...COUNTS.map((k) => ({ label: t("run." + k), num: true,
      cell: (r) => String((r.report || {})[k] ?? "–") })),
    { label: t("run.billed_total"), num: true, cell: (r) =>
      r.report ? rupiah(r.report.billed_total) : "–" },
  ] });
}

export async function billingView(view, params, ctx) {
  const offset = Number(ctx.query.get("offset")) || 0;
  const runs = await api.get(`/api/v1/billing/runs?limit=${LIMIT}` +
    `&offset=${offset}`);
  const items = runs.items || [];
  const mayRun = can(ctx.user, "billing.run");

  const periodIn = input("period", { type: "month", required: true,
    value: ctx.query.get("period") || thisMonth(ctx.zone) });
  const dueIn = input("due_days", { type: "number", min: "1", max: "90",
    value: "20", inputmode: "numeric" });
  const previewBtn = h("button", { type: "submit" }, t("run.preview"));
  const result = h("div", { "aria-live": "polite", class: "run-result" });
  const form = h("form", { class: "card", novalidate: true,
    "aria-label": t("run.form") },
  h("h2", {}, t("run.new")),
  h("p", { class: "muted" }, t("run.intro")),
  h("div", { class: "toolbar" },
    h("div", { class: "field narrow" }, labelled(t("rd.period"), periodIn,
      t("run.period_hint"))),
    h("div", { class: "field narrow" }, labelled(t("run.due_days"), dueIn,
      t("run.due_hint"))),
    previewBtn),
  alertLine());

  let previewed = null;		// the period and due days of the preview
  const body = (preview) => {
    const b = { period: periodIn.value, preview };
    const d = Number(dueIn.value);
    if (dueIn.value !== "" && d !== 20) b.due_days = d;
    return b;
  };
  // A different month or due date needs a new preview.
  const invalidate = () => {
    if (previewed) {
      previewed = null;
      clear(result, h("p", { class: "muted" }, t("run.preview_again")));
    }
  };
  periodIn.addEventListener("input", invalidate);
  dueIn.addEventListener("input", invalidate);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(previewBtn, async () => {
      clearErrors(form);
      if (!/^\d{4}-\d{2}$/.test(periodIn.value)) return showError(form,
        { field: "period", message: t("rd.period_hint") });
      try {
        const b = body(true);
        const rep = await api.post("/api/v1/billing/runs", b);
        previewed = JSON.stringify(body(false));
        const commit = h("button", { type: "button", class: "commit" },
          t("run.commit", { period: monthName(rep.period) }));
        commit.addEventListener("click", () => busy(commit, async () => {
          const now = body(false);
          if (JSON.stringify(now) !== previewed) return invalidate();
          try {
            const done = await api.post("/api/v1/billing/runs", now);
            toast(t("run.issued", { period: monthName(done.period),
              n: done.created + done.changed }));
            showIssued(done);
          } catch (e) { showError(form, e); }
        }));
        clear(result, h("section", { class: "card preview",
          dataset: { preview: rep.period } },
        h("h2", {}, t("run.preview_of", { period: monthName(rep.period) })),
        h("p", { role: "status" }, t("run.preview_note")),
        report(rep),
        h("div", { class: "actions" }, commit,
          h("span", { class: "muted" }, t("run.commit_hint")))));
        commit.focus();
      } catch (e) { showError(form, e); }
    });
  });

  function showIssued(rep) {
    previewed = null;
    clear(result, h("section", { class: "card issued",
      dataset: { issued: rep.period } },
    h("h2", {}, t("run.issued_of", { period: monthName(rep.period),
      run: rep.run })),
    report(rep),
    h("p", {}, h("a", { class: "button secondary",
      href: `#/invoices?period=${rep.period}` }, t("run.see_invoices")))));
    // The list of runs gains this one.
    api.get(`/api/v1/billing/runs?limit=${LIMIT}`).then((r) =>
      clear(runsBox, runsTable(r.items || [], ctx))).catch(() => {});
    result.querySelector("h2").setAttribute("tabindex", "-1");
    result.querySelector("h2").focus();
  }

  const runsBox = h("div", {}, runsTable(items, ctx));
  // The list has no total: "older" while a page is full.
  const pages = items.length === LIMIT || offset > 0 ? h("nav", {
    class: "pager", "aria-label": t("a.pages") },
  h("button", { type: "button", class: "secondary", disabled: offset <= 0,
    onclick: () => ctx.go("billing", { offset: Math.max(0, offset - LIMIT) }) },
  t("aud.newest")),
  h("button", { type: "button", class: "secondary",
    disabled: items.length < LIMIT,
    onclick: () => ctx.go("billing", { offset: offset + LIMIT }) },
  t("aud.older"))) : null;

  clear(view, h("h1", {}, t("run.title")), paymentsNav("billing", ctx.user),
    mayRun ? [form, result] : h("p", { class: "muted" }, t("run.admin_only")),
    h("section", {}, h("h2", {}, t("run.list")), runsBox, pages));
  if (mayRun) periodIn.dataset.autofocus = "";
}
