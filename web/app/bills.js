// Postpaid bills: each month's invoice with what is still owed, the
// payments made, and a printable invoice.  Bills are paid at the utility's
// counter or a partner bank or outlet with the customer number.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, volume, dateTime } from "/lib/format.js";

export async function billsView(view, params, ctx) {
  const [inv, pays, me] = await Promise.all([
    api.get("/api/v1/invoices?limit=24"),
    api.get("/api/v1/bills/payments?limit=12"),
    api.get(`/api/v1/customers/${ctx.user.customer_id}`)]);
  const items = inv.items || [];
  const owed = items.reduce((n, x) => n + x.outstanding, 0);
  const zone = ctx.user.timezone;
  clear(view, h("h1", {}, t("bills.title")),
    h("section", { class: "card" },
      h("p", {}, t("bills.owed"), " ", h("strong", { class: "big",
        dataset: { owed: String(owed) } }, rupiah(owed))),
      owed > 0 ? h("p", {}, t("bills.where", { number: me.number })) :
        h("p", { class: "ok" }, t("bills.none_owed"))),
    items.length ? h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {},
        ["bills.period", "bills.meter", "bills.usage", "bills.total",
          "bills.due", "bills.state", ""].map((k) =>
          h("th", { scope: "col" }, k ? t(k) : "")))),
      h("tbody", {}, items.map((x) => h("tr", {},
        h("td", {}, x.period), h("td", {}, x.meter_number),
        h("td", {}, volume(x.usage, "litre")),
        h("td", { class: "num" }, rupiah(x.total)),
        h("td", {}, x.due_date),
        h("td", { dataset: { state: x.state } }, t("bills.state." + x.state),
          x.outstanding > 0 && x.outstanding < x.total ?
            ` (${rupiah(x.outstanding)})` : ""),
        h("td", {}, h("a", { href: `/app/invoice.html?id=${x.id}`,
          target: "_blank" }, t("bills.print")))))))) :
      h("p", {}, t("none")),
    h("h2", {}, t("bills.payments")),
    (pays.items || []).length ? h("ul", {}, pays.items.map((p) => h("li", {},
      `${dateTime(p.paid_at, zone, current())} · ${rupiah(p.amount)} · ` +
      `${p.partner} ${p.reference}` + (p.state === "reversed" ?
        ` · ${t("bills.reversed")}` : "")))) : h("p", {}, t("none")));
}
