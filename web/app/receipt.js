// A bill payment's receipt, laid out for printing (the counter's printer
// or the customer's copy), from GET /api/v1/bills/payments/{id}.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, dateTime } from "/lib/format.js";
import "./strings.js";

const box = document.getElementById("receipt");

async function show() {
  const id = new URLSearchParams(location.search).get("id");
  const p = await api.get(`/api/v1/bills/payments/${encodeURIComponent(id)}`);
  document.title = `${t("bills.receipt")} ${p.reference}`;
  clear(box,
    h("header", {}, h("div", {}, h("h1", {}, p.utility.name),
      h("p", {}, t("bills.receipt"))),
      h("div", {}, h("p", {}, dateTime(p.paid_at, p.utility.timezone,
        current())))),
    h("dl", {},
      h("dt", {}, t("bills.customer")), h("dd", {},
        `${p.customer.number} · ${p.customer.name}`),
      h("dt", {}, t("bills.address")), h("dd", {}, p.customer.address),
      h("dt", {}, t("bills.paid_via")), h("dd", {},
        `${p.partner} · ${p.reference}`)),
    h("table", {}, h("tbody", {},
      (p.invoices || []).map((x) => h("tr", {},
        h("td", {}, `${x.invoice} (${x.period})`),
        h("td", { class: "num" }, rupiah(x.amount)))),
      h("tr", {}, h("th", { scope: "row" }, t("bills.total")),
        h("td", { class: "num total" }, rupiah(p.amount))))),
    p.state === "reversed" ? h("p", { class: "bad" }, t("bills.reversed")) :
      h("p", { class: "paid" }, t("bills.thanks")),
    h("p", { class: "noprint" }, h("button", { type: "button",
      onclick: () => print() }, t("bills.print"))));
}

show().catch((e) => clear(box, h("p", { class: "bad", role: "alert" },
  e.message)));
