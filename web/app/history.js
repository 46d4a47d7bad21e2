// Token history: every token issued for the customer's meters, shown
// again on demand, sent again, or printed as a receipt.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah, volume, dateTime, token as grouped } from "/lib/format.js";

export async function historyView(view, params, ctx) {
  const cid = ctx.user.customer_id;
  const list = await api.get(`/api/v1/customers/${cid}/tokens?limit=50`);
  const zone = ctx.user.timezone;
  const shown = h("div", { "aria-live": "polite" });
  const rows = (list.items || []).map((x) => h("tr", {},
    h("td", {}, dateTime(x.issued_at, zone, current())),
    h("td", {}, x.meter_number),
    h("td", { class: "num" }, volume(x.units, "litre"), h("br"),
      h("small", {}, rupiah(x.total))),
    h("td", {},
      h("button", { type: "button", class: "secondary", onclick: () =>
        clear(shown, h("section", { class: "card" },
          h("h2", {}, `${x.meter_number} · ${x.order_id}`),
          (x.key_change_tokens || []).map((k) => h("p", { class: "token" },
            grouped(k))),
          h("p", { class: "token huge", dataset: { token: x.token } },
            grouped(x.token)),
          h("p", {}, t("buy.keypad")))) }, t("history.show")), " ",
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          await api.post(`/api/v1/purchases/${x.purchase_id}/resend`);
          toast(t("history.resent"));
        } catch (e) { toast(e.message, "bad"); }
      } }, t("history.resend")), " ",
      h("a", { href: `/api/v1/purchases/${x.purchase_id}/receipt`,
        target: "_blank" }, t("history.receipt")))));
  clear(view, h("h1", {}, t("history.title")), shown,
    rows.length ? h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("history.date")),
        h("th", { scope: "col" }, t("history.meter")),
        h("th", { scope: "col", class: "num" }, t("history.units")),
        h("th", { scope: "col" }, t("history.token")))),
      h("tbody", {}, rows))) : h("p", {}, t("none")));
}
