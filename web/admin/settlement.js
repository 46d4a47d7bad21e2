// Money checks: reconciliation runs (the server asking each provider
// about open payments, with what it found) and the daily settlement
// report, a day of the utility's calendar per provider, as a table and a
// CSV file for the finance office.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, dateTime, zoneName } from "/lib/format.js";
import { can } from "./roles.js";
import { labelled, input, select } from "./form.js";
import { dataTable, pager, csvLink, badge, toolbar } from "./table.js";
import { paymentsNav } from "./purchases.js";

function runCard(r, ctx) {
  const lang = current();
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  return h("section", { class: "card", dataset: { run: r.id } },
    h("h2", {}, t("rec.run", { id: r.id, when: dateTime(r.started_at,
      ctx.zone, lang) })),
    h("dl", {},
      row(t("rec.trigger"), r.trigger),
      row(t("rec.finished"), r.finished_at ? dateTime(r.finished_at, ctx.zone,
        lang) : t("rec.running")),
      row(t("rec.checked"), String(r.checked)),
      row(t("rec.settled"), String(r.settled)),
      row(t("rec.closed"), String(r.closed)),
      row(t("rec.mismatches"), String(r.mismatches)),
      row(t("rec.errors"), String(r.errors))),
    (r.items || []).length ? dataTable({ caption: t("rec.findings"),
      rows: r.items, columns: [
        { label: t("pur.title"), key: true, cell: (i) =>
          h("a", { href: `#/purchases/${i.purchase_id}` },
            `#${i.purchase_id}`) },
        { label: t("pur.provider"), cell: (i) => i.provider },
        { label: t("rec.ours"), cell: (i) => `${i.our_state || "–"} · ` +
          (i.our_amount !== null ? rupiah(i.our_amount) : "–") },
        { label: t("rec.theirs"), cell: (i) =>
          `${i.provider_state || "–"} · ` +
          (i.provider_amount !== null && i.provider_amount !== undefined ?
            rupiah(i.provider_amount) : "–") },
        { label: t("rec.outcome"), cell: (i) => badge(i.outcome, i.outcome) },
        { label: t("rec.detail"), cell: (i) => i.detail || "" },
      ] }) : h("p", { class: "muted" }, t("rec.no_findings")));
}

export async function reconciliationView(view, params, ctx) {
  const offset = Number(ctx.query.get("offset")) || 0;
  const load = () => api.get(
    `/api/v1/reconciliation/runs?limit=10&offset=${offset}`);
  const list = await load();
  const status = h("p", { role: "status", class: "muted" });
  const runs = h("div", {});
  const draw = (l) => clear(runs, l.items.length ? l.items.map((r) =>
    runCard(r, ctx)) : h("p", { class: "muted" }, t("rec.none")),
  pager(l, (o) => ctx.go("reconciliation", { offset: o })));
  draw(list);

  let timer = null;
  const runNow = h("button", { type: "button" }, t("rec.run_now"));
  runNow.addEventListener("click", async () => {
    runNow.disabled = true;
    const before = list.items.length ? list.items[0].id : 0;
    try {
      await api.post("/api/v1/reconciliation/runs");
      status.textContent = t("rec.queued");
    } catch (e) {
      status.textContent = `${t("a.failed")}: ${e.message}`;
      runNow.disabled = false;
      return;
    }
    // The run is a background job: watch for it to appear and finish.
    let tries = 0;
    timer = setInterval(async () => {
      tries++;
      try {
        const l = await load();
        const top = l.items[0];
        if (top && top.id > before && top.finished_at) {
          clearInterval(timer);
          draw(l);
          status.textContent = t("rec.done", { id: top.id });
          runNow.disabled = false;
        } else if (tries > 30) {
          clearInterval(timer);
          draw(l);
          status.textContent = t("rec.slow");
          runNow.disabled = false;
        }
      } catch { /* try again on the next tick */ }
    }, 1000);
  });
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("rec.title")),
      can(ctx.user, "reconciliation.run") ? runNow : null),
    paymentsNav("reconciliation", ctx.user), status, runs);
  return () => clearInterval(timer);
}

// Today in the utility's zone, as YYYY-MM-DD.
function today(zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric",
    month: "2-digit", day: "2-digit" }).format(new Date());
}

export async function settlementView(view, params, ctx) {
  const day = ctx.query.get("date") || today(ctx.zone);
  const provider = ctx.query.get("provider") || "";
  const qs = new URLSearchParams({ date: day });
  if (provider) qs.set("provider", provider);
  const [r, providers] = await Promise.all([
    api.get(`/api/v1/reports/settlement?${qs}`),
    api.get("/api/v1/payments/providers").catch(() => ({ items: [] }))]);
  const dayIn = input("date", { type: "date", value: day, required: true });
  const provSel = select("provider", [["", t("a.all")]].concat(
    (providers.items || []).map((p) => [p.name, p.label])), provider);
  const stat = (k, v) => h("section", { class: "card stat" }, h("h2", {}, k),
    h("p", { class: "big" }, v));
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("set.title")),
      csvLink("/api/v1/reports/settlement", { date: day, provider,
        format: "csv" }, t("set.csv"))),
    paymentsNav("settlement", ctx.user),
    h("form", { "aria-label": t("set.choose"), onsubmit: (ev) => {
      ev.preventDefault();
      ctx.go("settlement", { date: dayIn.value, provider: provSel.value });
    } }, toolbar(
      h("div", { class: "field narrow" }, labelled(t("set.day"), dayIn)),
      h("div", { class: "field narrow" }, labelled(t("pur.provider"), provSel)),
      h("button", { type: "submit" }, t("a.show")))),
    h("div", { class: "cards" },
      stat(t("set.count"), String(r.count)),
      stat(t("set.paid_total"), rupiah(r.paid_total)),
      stat(t("set.admin_fees"), rupiah(r.admin_fees)),
      stat(t("set.tax_total"), rupiah(r.tax_total))),
    h("h2", {}, t("set.payments", { day })),
    dataTable({ caption: t("set.payments", { day }), rows: r.items,
      empty: t("set.none"), columns: [
        { label: t("pur.order"), key: true, cell: (i) => i.order_id },
        { label: t("pur.provider"), cell: (i) => i.provider },
        { label: t("set.paid_at"), cell: (i) =>
          `${i.paid_at} ${zoneName(ctx.zone)}` },
        { label: t("pur.provider_ref"), cell: (i) => i.provider_ref || "–" },
        { label: t("pur.amount"), num: true, cell: (i) => rupiah(i.amount) },
        { label: t("line.admin_fee"), num: true, cell: (i) =>
          rupiah(i.admin_fee) },
        { label: t("pur.paid_amount"), num: true, cell: (i) =>
          rupiah(i.paid_amount) },
        { label: t("a.status"), cell: (i) => badge(i.state) },
        { label: t("pur.token"), cell: (i) => t(i.token_issued ? "a.yes" :
          "a.no") },
      ] }));
  return null;
}
