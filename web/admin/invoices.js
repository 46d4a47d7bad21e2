// Invoices: the list by month, state and customer (by the number staff
// know them by), and one invoice with its stands, lines, what is paid and
// what is still owed, and the printable copy the customer app prints
// (/app/invoice.html works with a staff session too).
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, dateTime, volume } from "/lib/format.js";
import { can, mayOpen } from "./roles.js";
import { labelled, input, select, showError } from "./form.js";
import { dataTable, pager, csvLink, toolbar, word } from "./table.js";
import { paymentsNav, lineLabel } from "./purchases.js";
import { customersOf, customerId } from "./customers.js";
import { monthName, day, m3, stateBadge } from "./billkit.js";

const LIMIT = 25;
export const INVOICE_STATES = ["open", "partial", "paid", "void"];

export function printLink(id, label) {
  return h("a", { class: "button secondary", target: "_blank",
    rel: "noopener", href: `/app/invoice.html?id=${id}` },
  label || t("inv.print"));
}

// An invoice line in words: the blocks with their m³ and price.
export function invoiceLine(l) {
  if (l.what === "block") return `${lineLabel(l)} (${volume(l.units,
    "litre")} × ${rupiah(l.price)})`;
  if (l.rate_bp !== undefined) return `${word("line.",
    String(l.what).replace(/ /g, "_"))} (${l.rate_bp / 100}%)`;
  return word("line.", String(l.what).replace(/ /g, "_"));
}

export function overdue(inv) {
  return ["open", "partial"].includes(inv.state) && inv.due_date &&
    inv.due_date < new Date().toISOString().slice(0, 10);
}

export async function invoicesView(view, params, ctx) {
  const period = ctx.query.get("period") || "";
  const state = ctx.query.get("state") || "";
  const customer = ctx.query.get("customer") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (period) qs.set("period", period);
  if (state) qs.set("state", state);
  let customerIdValue = "";
  let unknown = false;
  if (customer) {
    customerIdValue = await customerId(customer);
    if (customerIdValue) qs.set("customer_id", customerIdValue);
    else unknown = true;
  }
  const list = unknown ? { items: [], total: 0, limit: LIMIT, offset: 0 } :
    await api.get(`/api/v1/invoices?${qs}`);
  const owners = await customersOf(list.items || []);
  const filters = { period, state, customer };

  const periodIn = input("period", { type: "month", value: period });
  const stSel = select("state", [["", t("a.all")]].concat(INVOICE_STATES
    .map((s) => [s, word("inv.state.", s)])), state);
  const custIn = input("customer", { value: customer, autocomplete: "off" });
  const filter = h("form", { "aria-label": t("inv.filter"), novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      ctx.go("invoices", { period: periodIn.value, state: stSel.value,
        customer: custIn.value.trim() });
    } },
  toolbar(
    h("div", { class: "field narrow" }, labelled(t("rd.period"), periodIn)),
    h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
    h("div", { class: "field narrow" }, labelled(t("cust.number"), custIn)),
    h("button", { type: "submit" }, t("a.filter")),
    period || state || customer ? h("a", { class: "button secondary",
      href: "#/invoices" }, t("inv.all")) : null),
  h("p", { class: "form-alert", role: "alert" }));

  const who = (i) => {
    const c = owners.get(i.customer_id);
    const text = c ? `${c.number} · ${c.name}` : `#${i.customer_id}`;
    return mayOpen(ctx.user, "customers") ? h("a", {
      href: `#/customers/${i.customer_id}` }, text) : text;
  };
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("inv.title")),
      csvLink("/api/v1/invoices", { period, state,
        customer_id: customerIdValue, format: "csv" })),
    paymentsNav("invoices", ctx.user),
    filter,
    dataTable({ caption: t("inv.title"), rows: list.items, empty: t("inv.none"),
      columns: [
        { label: t("inv.number"), key: true, cell: (i) =>
          h("a", { href: `#/invoices/${i.id}` }, i.number) },
        { label: t("rd.period"), cell: (i) => monthName(i.period) },
        { label: t("meter.customer"), cell: who },
        { label: t("a.meter"), cell: (i) => i.meter_numbers },
        { label: t("rd.usage"), num: true, cell: (i) => m3(i.usage) },
        { label: t("inv.total"), num: true, cell: (i) => rupiah(i.total) },
        { label: t("inv.paid"), num: true, cell: (i) => rupiah(i.paid_amount) },
        { label: t("inv.outstanding"), num: true, cell: (i) =>
          rupiah(i.outstanding) },
        { label: t("inv.due"), cell: (i) => overdue(i) ? h("span",
          { class: "bad" }, `${day(i.due_date)} (${t("inv.overdue")})`) :
          day(i.due_date) },
        { label: t("a.status"), cell: (i) => stateBadge("inv", i.state) },
      ] }),
    pager(list, (o) => ctx.go("invoices", { ...filters, offset: o })));
  if (unknown) showError(filter, { field: "customer",
    message: t("meter.no_customer", { number: customer }) });
}

// An invoice's lines: a section per meter (its stands, usage and
// charges), then the customer's own lines (a late penalty).
export function linesTable(x) {
  const meters = x.meters || [];
  const line = (l) => h("tr", {}, h("th", { scope: "row" }, invoiceLine(l)),
    h("td", { class: "num" }, rupiah(l.amount)));
  return h("div", { class: "scroll" }, h("table", { class: "lines" },
    h("caption", { class: "sr-only" }, t("inv.lines")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("pur.line")),
      h("th", { scope: "col", class: "num" }, t("pur.amount")))),
    meters.map((m) => h("tbody", { dataset: { meter: m.meter_number } },
      h("tr", {}, h("th", { scope: "rowgroup", colspan: "2" },
        `${t("a.meter")} ${m.meter_number} · ${m.tariff} · ` +
        `${t("inv.stands")} ${m3(m.reading_from)} → ${m3(m.reading_to)} · ` +
        `${t("rd.usage")} ${m3(m.usage)}`)),
      (m.lines || []).map(line),
      meters.length > 1 ? h("tr", {}, h("th", { scope: "row" },
        t("inv.subtotal")), h("td", { class: "num" }, rupiah(m.total))) :
        null)),
    h("tbody", {}, (x.lines || []).map(line)),
    h("tfoot", {},
      h("tr", {}, h("th", { scope: "row" }, t("inv.total")),
        h("td", { class: "num total" }, rupiah(x.total))),
      x.arrears > 0 ? h("tr", {}, h("th", { scope: "row" }, t("inv.arrears")),
        h("td", { class: "num" }, rupiah(x.arrears))) : null)));
}

export async function invoiceView(view, [id], ctx) {
  const x = await api.get(`/api/v1/invoices/${id}`);
  if (!x) throw new Error(t("a.not_found"));
  const lang = current();
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  const c = x.customer || {};
  clear(view,
    h("p", {}, h("a", { href: "#/invoices" }, "← " + t("inv.title"))),
    h("div", { class: "head" },
      h("h1", {}, `${t("inv.one")} ${x.number}`),
      stateBadge("inv", x.state),
      h("div", { class: "actions" }, printLink(x.id),
        can(ctx.user, "bills.pay") && x.outstanding > 0 ? h("a", {
          class: "button", href: `#/counter/bills?customer=${
            encodeURIComponent(c.number || "")}` }, t("inv.take_payment")) :
          null)),
    paymentsNav("", ctx.user),
    h("div", { class: "cards fit" },
      h("section", { class: "card" }, h("h2", {}, t("inv.details")),
        h("dl", {},
          row(t("meter.customer"), mayOpen(ctx.user, "customers") ?
            h("a", { href: `#/customers/${x.customer_id}` },
              `${c.number} · ${c.name}`) : `${c.number} · ${c.name}`),
          row(t("cust.address"), c.address || "–"),
          row(t("a.meter"), (x.meters || []).map((m, n) => [n ? ", " : "",
            mayOpen(ctx.user, "meters") ? h("a", {
              href: `#/meters/${m.meter_id}` }, m.meter_number) :
              m.meter_number])),
          row(t("rd.period"), monthName(x.period)),
          row(t("rd.usage"), m3(x.usage)),
          row(t("inv.due"), overdue(x) ? h("span", { class: "bad" },
            `${day(x.due_date)} (${t("inv.overdue")})`) : day(x.due_date)),
          row(t("inv.issued"), dateTime(x.issued_at, ctx.zone, lang)),
          x.version > 1 ? row(t("inv.version"), t("inv.version_text", {
            n: x.version, when: dateTime(x.updated_at, ctx.zone, lang) })) :
            null)),
      h("section", { class: "card" }, h("h2", {}, t("inv.money")),
        h("dl", {},
          row(t("inv.total"), rupiah(x.total)),
          x.penalty > 0 ? row(t("line.late_penalty"), rupiah(x.penalty)) : null,
          row(t("inv.paid"), rupiah(x.paid_amount)),
          row(t("inv.outstanding"), h("strong", { dataset: {
            outstanding: x.outstanding } }, rupiah(x.outstanding))),
          x.arrears > 0 ? row(t("inv.arrears"), rupiah(x.arrears)) : null))),
    h("section", { class: "card" }, h("h2", {}, t("inv.lines")),
      linesTable(x)));
  return null;
}
