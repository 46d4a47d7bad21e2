// Postpaid bills: each month's invoice with what is still owed, the
// payments made, and a printable invoice.  Bills are paid online through
// the utility's payment providers, or at its counter, a partner bank or
// an outlet with the customer number.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah, volume, dateTime } from "/lib/format.js";

// Pay everything owed online: the provider's page in its own tab, then
// the bills refresh until the provider's notification has paid them.
function payBox(owed, providers, rerender) {
  const online = (providers.items || []).filter((p) => !p.counter);
  if (owed === 0 || online.length === 0) return null;
  const sel = h("select", { "aria-label": t("buy.provider") },
    online.map((p) => h("option", { value: p.name }, p.label)));
  const btn = h("button", { type: "button", onclick: async () => {
    btn.disabled = true;
    try {
      const o = await api.post("/api/v1/bills/orders", { provider: sel.value },
        { "Idempotency-Key": api.idempotencyKey() });
      if (o.payment && o.payment.redirect_url)
        window.open(o.payment.redirect_url, "_blank", "noopener");
      toast(t("buy.waiting"));
      const poll = setInterval(async () => {
        const s = await api.get(`/api/v1/bills/orders/${o.order_id}`)
          .catch(() => null);
        if (s && s.state !== "pending" && s.state !== "created") {
          clearInterval(poll);
          rerender();
        }
      }, 2000);
    } catch (e) {
      toast(e.message, "bad");
      btn.disabled = false;
    }
  } }, t("bills.pay_now"));
  return h("div", { class: "row" }, sel, btn);
}

export async function billsView(view, params, ctx) {
  const [inv, pays, me, providers] = await Promise.all([
    api.get("/api/v1/invoices?limit=24"),
    api.get("/api/v1/bills/payments?limit=12"),
    api.get(`/api/v1/customers/${ctx.user.customer_id}`),
    api.get("/api/v1/payments/providers")]);
  const items = inv.items || [];
  const owed = items.reduce((n, x) => n + x.outstanding, 0);
  const zone = ctx.user.timezone;
  clear(view, h("h1", {}, t("bills.title")),
    h("section", { class: "card" },
      h("p", {}, t("bills.owed"), " ", h("strong", { class: "big",
        dataset: { owed: String(owed) } }, rupiah(owed))),
      payBox(owed, providers, () => billsView(view, params, ctx)),
      owed > 0 ? h("p", {}, t("bills.where", { number: me.number })) :
        h("p", { class: "ok" }, t("bills.none_owed"))),
    items.length ? h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {},
        ["bills.period", "bills.meter", "bills.usage", "bills.total",
          "bills.due", "bills.state", ""].map((k) =>
          h("th", { scope: "col" }, k ? t(k) : "")))),
      h("tbody", {}, items.map((x) => h("tr", {},
        h("td", {}, x.period), h("td", {}, x.meter_numbers),
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
        ` · ${t("bills.reversed")}` : "") + " · ",
      h("a", { href: `/app/receipt.html?id=${p.payment_id}`,
        target: "_blank" }, t("bills.receipt"))))) :
      h("p", {}, t("none")));
}
