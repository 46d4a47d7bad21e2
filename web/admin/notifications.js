// The notification log: every notice queued for a customer (tokens, low
// balance, tamper, …), the channel it went by and what became of it, so
// staff can answer "I never got my token SMS".
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { labelled, input, select, alertLine, showError } from "./form.js";
import { dataTable, pager, csvLink, badge, toolbar, word } from "./table.js";
import { customersOf, customerId } from "./customers.js";

const LIMIT = 25;
const STATES = ["queued", "sending", "sent", "delivered", "failed", "unknown"];
const CHANNELS = ["sms", "push", "webhook", "ble"];

export async function notificationsView(view, params, ctx) {
  const state = ctx.query.get("state") || "";
  const channel = ctx.query.get("channel") || "";
  const customer = ctx.query.get("customer_id") || "";
  const number = ctx.query.get("customer") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const filters = { state, channel, customer_id: customer, customer: number };
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (state) qs.set("state", state);
  if (channel) qs.set("channel", channel);
  if (customer) qs.set("customer_id", customer);
  const list = await api.get(`/api/v1/notifications?${qs}`);
  const owners = await customersOf(list.items);
  const lang = current();

  const stSel = select("state", [["", t("a.all")]].concat(STATES.map((s) =>
    [s, t("state." + s)])), state);
  const chSel = select("channel", [["", t("a.all")]].concat(CHANNELS.map((c) =>
    [c, t("chan." + c)])), channel);
  const custIn = input("customer_id", { value: number, autocomplete: "off" });
  const form = h("form", { "aria-label": t("ntf.filter"), novalidate: true },
    toolbar(
      h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
      h("div", { class: "field narrow" }, labelled(t("ntf.channel"), chSel)),
      h("div", { class: "field narrow" }, labelled(t("ntf.customer"), custIn)),
      h("button", { type: "submit" }, t("a.filter"))),
    alertLine());
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const n = custIn.value.trim();
    let id = "";
    // Staff know customers by number; the log is filtered by id.
    if (n) {
      try {
        const found = await customerId(n);
        if (!found) return showError(form, { field: "customer_id",
          message: t("meter.no_customer", { number: n }) });
        id = String(found);
      } catch (e) { return showError(form, e); }
    }
    ctx.go("notifications", { state: stSel.value, channel: chSel.value,
      customer_id: id, customer: n });
  });

  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.notifications")),
      csvLink("/api/v1/notifications", { state, channel,
        customer_id: customer, format: "csv" })),
    form,
    dataTable({ caption: t("nav.notifications"), rows: list.items, columns: [
      { label: t("a.when"), key: true, cell: (n) => dateTime(n.created_at,
        ctx.zone, lang) },
      { label: t("ntf.customer"), cell: (n) => {
        if (!n.customer_id) return "–";
        const c = owners.get(n.customer_id);
        return h("a", { href: `#/customers/${n.customer_id}` },
          c ? `${c.number} · ${c.name}` : `#${n.customer_id}`);
      } },
      { label: t("ntf.kind"), cell: (n) => word("kind.", n.kind) },
      { label: t("ntf.channel"), cell: (n) => word("chan.", n.channel) },
      { label: t("ntf.recipient"), cell: (n) => n.recipient },
      { label: t("ntf.subject"), cell: (n) => n.subject || "–" },
      { label: t("a.status"), cell: (n) => [badge(n.state),
        n.last_error ? h("small", { class: "bad" }, " " + n.last_error) :
          null] },
      { label: t("ntf.attempts"), num: true, cell: (n) => String(n.attempts) },
      { label: t("ntf.delivered"), cell: (n) => n.delivered_at ?
        dateTime(n.delivered_at, ctx.zone, lang) : n.sent_at ?
          `${t("state.sent")} ${dateTime(n.sent_at, ctx.zone, lang)}` : "–" },
    ] }),
    pager(list, (o) => ctx.go("notifications", { ...filters, offset: o })));
  return null;
}
