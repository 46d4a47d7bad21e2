// The billing report (billed against collected for a month, in all, per
// tariff group and per customer group) and the field team's lists:
// meters to disconnect (unpaid for so many days past due) and blocked
// meters to reconnect (nothing overdue any more).  Both as tables and
// CSV files; the office can block or unblock a meter from the lists.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah } from "/lib/format.js";
import { can, mayOpen } from "./roles.js";
import { labelled, input, alertLine, showError, busy } from "./form.js";
import { dataTable, csvLink, toolbar, badge } from "./table.js";
import { paymentsNav } from "./purchases.js";
import { metersNav, thisMonth, monthName, m3, day } from "./billkit.js";

function stat(key, value, text, detail) {
  return h("section", { class: "card stat", dataset: { stat: key, value } },
    h("h2", {}, t("br." + key)), h("p", { class: "big" }, text),
    detail ? h("small", {}, detail) : null);
}

function rate(billed, collected) {
  return billed > 0 ? `${Math.round((collected / billed) * 1000) / 10}%` : "–";
}

function groupTable(caption, rows) {
  return dataTable({ caption, rows, empty: t("br.none"), columns: [
    { label: t("br.group"), key: true, cell: (r) => r.group === "-" ?
      t("br.no_group") : r.group },
    { label: t("br.invoices"), num: true, cell: (r) => String(r.invoices) },
    { label: t("rd.usage"), num: true, cell: (r) => m3(r.usage) },
    { label: t("br.billed"), num: true, cell: (r) => rupiah(r.billed) },
    { label: t("br.collected"), num: true, cell: (r) => rupiah(r.collected) },
    { label: t("br.outstanding"), num: true, cell: (r) =>
      rupiah(r.outstanding) },
    { label: t("br.rate"), num: true, cell: (r) => rate(r.billed,
      r.collected) },
  ] });
}

export async function billingReportView(view, params, ctx) {
  const period = ctx.query.get("period") || thisMonth(ctx.zone);
  const periodIn = input("period", { type: "month", required: true,
    value: period });
  const form = h("form", { "aria-label": t("br.choose"), novalidate: true },
    toolbar(h("div", { class: "field narrow" }, labelled(t("rd.period"),
      periodIn)), h("button", { type: "submit" }, t("a.show"))),
    alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!/^\d{4}-\d{2}$/.test(periodIn.value)) return showError(form,
      { field: "period", message: t("rd.period_hint") });
    ctx.go("billing/report", { period: periodIn.value });
  });
  const r = await api.get(`/api/v1/reports/billing?period=${
    encodeURIComponent(period)}`);
  const items = r.items || [];
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("br.title")),
      csvLink("/api/v1/reports/billing", { period, format: "csv" })),
    paymentsNav("billing/report", ctx.user),
    form,
    h("h2", {}, monthName(r.period)),
    h("div", { class: "cards", dataset: { report: r.period } },
      stat("billed", r.billed, rupiah(r.billed), t("br.invoices_n",
        { n: r.invoices })),
      stat("collected", r.collected, rupiah(r.collected),
        t("br.rate_text", { rate: rate(r.billed, r.collected) })),
      stat("outstanding", r.outstanding, rupiah(r.outstanding)),
      stat("usage", r.usage, m3(r.usage))),
    h("section", { class: "card" }, h("h2", {}, t("br.by_tariff")),
      groupTable(t("br.by_tariff"), items.filter((i) => i.by === "tariff"))),
    h("section", { class: "card" }, h("h2", {}, t("br.by_group")),
      groupTable(t("br.by_group"), items.filter((i) =>
        i.by === "customer_group"))),
    can(ctx.user, "invoices.read") ? h("p", {}, h("a", {
      href: `#/invoices?period=${r.period}` }, t("br.see_invoices"))) : null,
    can(ctx.user, "field.lists") ? h("p", {}, h("a", { href: "#/field" },
      t("fl.title"))) : null);
}

// Block (disconnect) or unblock (reconnect) a meter from a list row.
function statusButton(row, status, after) {
  const label = t(status === "blocked" ? "fl.disconnect" : "fl.reconnect");
  const b = h("button", { type: "button", class: status === "blocked" ?
    "danger small" : "secondary small", "aria-label": `${label} ${row.meter}` },
  label);
  b.addEventListener("click", () => busy(b, async () => {
    try {
      await api.patch(`/api/v1/meters/${row.meter_id}`, { status });
      toast(t("meter.status_set", { number: row.meter,
        status: t("state." + status) }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  }));
  return b;
}

export async function fieldView(view, params, ctx) {
  const raw = ctx.query.get("days");
  const days = raw !== null && /^\d{1,4}$/.test(raw) ? Number(raw) : 30;
  const [off, on] = await Promise.all([
    api.get(`/api/v1/billing/disconnections?days=${days}`),
    api.get("/api/v1/billing/reconnections")]);
  const write = can(ctx.user, "meters.write");
  const reload = () => ctx.go("field", { days });
  const meterLink = (x) => mayOpen(ctx.user, "meters") ? h("a", {
    href: `#/meters/${x.meter_id}` }, x.meter) : x.meter;

  const daysIn = input("days", { type: "number", min: "0", max: "3650",
    value: String(days), inputmode: "numeric" });
  const form = h("form", { "aria-label": t("fl.choose"), novalidate: true },
    toolbar(h("div", { class: "field narrow" }, labelled(t("fl.days"), daysIn,
      t("fl.days_hint"))), h("button", { type: "submit" }, t("a.show"))),
    alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = Number(daysIn.value);
    if (daysIn.value === "" || !Number.isInteger(d) || d < 0 || d > 3650)
      return showError(form, { field: "days", message: t("fl.days_hint") });
    ctx.go("field", { days: d });
  });

  const nav = mayOpen(ctx.user, "payments") && can(ctx.user, "invoices.read") ?
    paymentsNav("field", ctx.user) : metersNav("field", ctx.user);
  clear(view,
    h("h1", {}, t("fl.title")), nav,
    h("section", { class: "card", "aria-labelledby": "fl-off" },
      h("div", { class: "head" }, h("h2", { id: "fl-off" },
        t("fl.disconnections", { days })),
      csvLink("/api/v1/billing/disconnections", { days, format: "csv" })),
      h("p", { class: "muted" }, t("fl.disconnections_hint")),
      form,
      dataTable({ caption: t("fl.disconnections", { days }), rows: off.items,
        empty: t("fl.none_off"), columns: [
          { label: t("a.meter"), key: true, cell: meterLink },
          { label: t("meter.customer"), cell: (x) => `${x.customer_no} · ${
            x.customer}` },
          { label: t("meter.address"), cell: (x) => x.address || "–" },
          { label: t("inv.outstanding"), num: true, cell: (x) =>
            rupiah(x.outstanding) },
          { label: t("fl.oldest_due"), cell: (x) => day(x.oldest_due) },
          { label: t("fl.days_overdue"), num: true, cell: (x) =>
            String(x.days_overdue) },
          { label: t("a.status"), cell: (x) => badge(x.status) },
          write ? { label: t("a.actions"), cell: (x) =>
            statusButton(x, "blocked", reload) } : null,
        ].filter(Boolean) })),
    h("section", { class: "card", "aria-labelledby": "fl-on" },
      h("div", { class: "head" }, h("h2", { id: "fl-on" },
        t("fl.reconnections")),
      csvLink("/api/v1/billing/reconnections", { format: "csv" })),
      h("p", { class: "muted" }, t("fl.reconnections_hint")),
      dataTable({ caption: t("fl.reconnections"), rows: on.items,
        empty: t("fl.none_on"), columns: [
          { label: t("a.meter"), key: true, cell: meterLink },
          { label: t("meter.customer"), cell: (x) => `${x.customer_no} · ${
            x.customer}` },
          { label: t("meter.address"), cell: (x) => x.address || "–" },
          { label: t("inv.outstanding"), num: true, cell: (x) =>
            rupiah(x.outstanding) },
          write ? { label: t("a.actions"), cell: (x) =>
            statusButton(x, "active", reload) } : null,
        ].filter(Boolean) })));
  return null;
}
