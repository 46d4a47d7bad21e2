// One invoice, laid out for printing (the customer's copy or the
// counter's), from GET /api/v1/invoices/{id}.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, volume } from "/lib/format.js";
import "./strings.js";

const box = document.getElementById("invoice");

function lineLabel(l) {
  if (l.what === "block") return `${t("line.block", { block: l.block })} ` +
    `(${volume(l.units, "litre")} × ${rupiah(l.price)})`;
  return t("line." + l.what.replace(/ /g, "_"));
}

// One meter's part of the bill: its stands and usage, then its charges.
function meterSection(m, many) {
  return h("tbody", { class: "meter", dataset: { meter: m.meter_number } },
    h("tr", {}, h("th", { scope: "rowgroup", colspan: "2" },
      `${t("bills.meter")} ${m.meter_number} · ${m.tariff} · ` +
      `${t("bills.stand")} ${(m.reading_from / 1000).toFixed(0)} → ` +
      `${(m.reading_to / 1000).toFixed(0)} · ` + volume(m.usage, "litre"))),
    m.lines.map((l) => h("tr", {}, h("td", {}, lineLabel(l)),
      h("td", { class: "num" }, rupiah(l.amount)))),
    many ? h("tr", {}, h("td", {}, t("bills.subtotal")),
      h("td", { class: "num" }, rupiah(m.total))) : null);
}

async function show() {
  const id = new URLSearchParams(location.search).get("id");
  const x = await api.get(`/api/v1/invoices/${encodeURIComponent(id)}`);
  document.title = `${t("bills.invoice")} ${x.number}`;
  clear(box,
    h("header", {}, h("div", {}, h("h1", {}, x.utility.name),
      h("p", {}, t("bills.invoice"), " ", h("strong", {}, x.number))),
      h("div", {}, h("p", {}, `${t("bills.period")}: ${x.period}`),
        h("p", {}, `${t("bills.due")}: ${x.due_date}`))),
    h("dl", {},
      h("dt", {}, t("bills.customer")), h("dd", {},
        `${x.customer.number} · ${x.customer.name}`),
      h("dt", {}, t("bills.address")), h("dd", {}, x.customer.address),
      h("dt", {}, t("bills.usage")), h("dd", {}, volume(x.usage, "litre"))),
    h("table", {}, (x.meters || []).map((m) =>
      meterSection(m, x.meters.length > 1)), h("tbody", {},
      x.lines.map((l) => h("tr", {}, h("td", {}, lineLabel(l)),
        h("td", { class: "num" }, rupiah(l.amount)))),
      h("tr", {}, h("th", { scope: "row" }, t("bills.total")),
        h("td", { class: "num total" }, rupiah(x.total))),
      x.arrears > 0 ? h("tr", {}, h("td", {}, t("bills.arrears")),
        h("td", { class: "num" }, rupiah(x.arrears))) : null)),
    x.outstanding === 0 ? h("p", { class: "paid" }, t("bills.state.paid")) :
      h("p", {}, `${t("bills.owed")} ${rupiah(x.outstanding)}`),
    h("p", { class: "noprint" }, h("button", { type: "button",
      onclick: () => print() }, t("bills.print"))));
}

show().catch((e) => clear(box, h("p", { class: "bad", role: "alert" },
  e.message)));
