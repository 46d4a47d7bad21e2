// Purchases and their payments: a list by state, and one purchase with
// its quote line by line, the payment, the token, and what staff may do:
// cancel an unpaid one, record a refund for a paid one that has no token
// (never after a token: it cannot be taken back from a meter), send a
// token again.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah, volume, dateTime, token as grouped } from "/lib/format.js";
import { can, mayOpen } from "./roles.js";
import { labelled, input, select, alertLine, showError, busy } from "./form.js";
import { dataTable, pager, csvLink, badge, toolbar } from "./table.js";
import { billingNavItems } from "./billkit.js";

const LIMIT = 25;
export const STATES = ["created", "pending", "create_failed", "paid", "vended",
  "failed", "expired", "cancelled", "review", "refund_due", "refunded"];
const CANCELLABLE = ["created", "pending", "create_failed"];
const REFUNDABLE = ["refund_due", "review", "paid"];

export const unitOf = (p) => (p.unit === "kWh" ? "Wh" : "litre");

export function paymentsNav(active, user) {
  const items = [["purchases", "nav.purchases", true],
    ["reconciliation", "rec.title", can(user, "reconciliation.read")],
    ["settlement", "set.title", can(user, "settlement.read")],
    ...billingNavItems(user)];
  return h("nav", { class: "sub", "aria-label": t("nav.payments") },
    items.filter(([, , ok]) => ok).map(([p, k]) => h("a", { href: "#/" + p,
      "aria-current": p === active ? "page" : undefined }, t(k))));
}

export function lineLabel(l) {
  if (l.what === "block") return t("line.block", { block: l.block });
  return t("line." + String(l.what).replace(/ /g, "_"));
}

export function quoteTable(q, unit) {
  return dataTable({ caption: t("pur.quote"), rows: q.lines || [], columns: [
    { label: t("pur.line"), key: true, cell: lineLabel },
    { label: t("pur.units"), num: true, cell: (l) => l.units !== undefined ?
      volume(l.units, unit) : "" },
    { label: t("pur.price"), num: true, cell: (l) => l.price !== undefined ?
      rupiah(l.price) : l.rate_bp !== undefined ? `${l.rate_bp / 100}%` : "" },
    { label: t("pur.amount"), num: true, cell: (l) => rupiah(l.amount) },
  ] });
}

export async function purchasesView(view, params, ctx) {
  const state = ctx.query.get("state") || "";
  const provider = ctx.query.get("provider") || "";
  const meter = ctx.query.get("meter_id") || "";
  const customer = ctx.query.get("customer_id") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const filters = { state, provider, meter_id: meter, customer_id: customer };
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  for (const [k, v] of Object.entries(filters)) if (v) qs.set(k, v);
  const [list, providers] = await Promise.all([
    api.get(`/api/v1/purchases?${qs}`),
    api.get("/api/v1/payments/providers").catch(() => ({ items: [] }))]);
  const lang = current();

  const stSel = select("state", [["", t("a.all")]].concat(STATES.map((s) =>
    [s, t("state." + s)])), state);
  const provSel = select("provider", [["", t("a.all")]].concat(
    (providers.items || []).map((p) => [p.name, p.label])), provider);
  const filter = h("form", { "aria-label": t("pur.filter"), onsubmit: (ev) => {
    ev.preventDefault();
    ctx.go("purchases", { ...filters, state: stSel.value,
      provider: provSel.value });
  } }, toolbar(
    h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
    h("div", { class: "field narrow" }, labelled(t("pur.provider"), provSel)),
    h("button", { type: "submit" }, t("a.filter")),
    meter || customer ? h("a", { class: "button secondary",
      href: "#/purchases" }, t("pur.all_meters")) : null));

  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.payments")),
      csvLink("/api/v1/purchases", { ...filters, format: "csv" })),
    paymentsNav("purchases", ctx.user),
    meter ? h("p", {}, t("pur.for_meter", { id: meter })) : null,
    filter,
    dataTable({ caption: t("nav.purchases"), rows: list.items, columns: [
      { label: t("pur.order"), key: true, cell: (p) =>
        h("a", { href: `#/purchases/${p.id}` }, p.order_id) },
      { label: t("a.when"), cell: (p) => dateTime(p.created_at, ctx.zone,
        lang) },
      { label: t("a.meter"), cell: (p) => p.meter_number },
      { label: t("pur.provider"), cell: (p) => p.provider },
      { label: t("pur.total"), num: true, cell: (p) => rupiah(p.total) },
      { label: t("a.status"), cell: (p) => badge(p.state) },
      { label: t("pur.token"), cell: (p) => p.token ? t("a.yes") : "–" },
    ] }),
    pager(list, (o) => ctx.go("purchases", { ...filters, offset: o })));
}

function refundForm(p, after) {
  const reason = input("reason", { required: true, minlength: "3",
    maxlength: "300" });
  const reference = input("reference", { maxlength: "128" });
  const save = h("button", { type: "submit", class: "danger" },
    t("pur.refund"));
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("pur.refund_title")),
    h("p", { class: "muted" }, t("pur.refund_hint")),
    h("div", { class: "form-grid" }, labelled(t("pur.reason"), reason),
      labelled(t("pur.reference"), reference, t("pur.reference_hint"))),
    save, alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const body = { reason: reason.value.trim() };
      if (reference.value.trim()) body.reference = reference.value.trim();
      try {
        await api.post(`/api/v1/purchases/${p.id}/refund`, body);
        toast(t("pur.refunded"));
        after();
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

function actionButton(label, cls, fn) {
  const b = h("button", { type: "button", class: cls }, label);
  b.addEventListener("click", () => busy(b, async () => {
    try { await fn(); } catch (e) {
      toast(`${t("a.failed")}: ${e.message}`, "bad");
    }
  }));
  return b;
}

export function tokenCard(p, zone) {
  return h("section", { class: "card token-box", "aria-live": "polite" },
    h("h2", {}, t("pur.token")),
    (p.key_change_tokens || []).length ? [
      h("p", {}, t("pur.key_change")),
      p.key_change_tokens.map((k) => h("p", { class: "token" }, grouped(k)))] :
      null,
    h("p", { class: "token giant", dataset: { token: p.token } },
      grouped(p.token)),
    h("p", { class: "muted" }, t("pur.issued", { when: dateTime(
      p.token_issued_at, zone, current()) })));
}

export async function purchaseView(view, [id], ctx) {
  const p = await api.get(`/api/v1/purchases/${id}`);
  if (!p) throw new Error(t("a.not_found"));
  // The purchase names its customer by id; staff know them by number.
  const who = p.customer_id ? await api.get(`/api/v1/customers/${
    p.customer_id}`).catch(() => null) : null;
  const lang = current(), zone = ctx.zone, unit = unitOf(p);
  const pay = p.payment || {};
  const reload = () => ctx.go(`purchases/${id}`);
  const row = (k, v) => v === null || v === undefined || v === "" ? null :
    [h("dt", {}, k), h("dd", {}, v)];
  const actions = [];
  if (CANCELLABLE.includes(p.state) && can(ctx.user, "purchases.cancel"))
    actions.push(actionButton(t("pur.cancel"), "danger", async () => {
      await api.post(`/api/v1/purchases/${p.id}/cancel`);
      toast(t("pur.cancelled"));
      reload();
    }));
  if (p.token && can(ctx.user, "purchases.resend"))
    actions.push(actionButton(t("pur.resend"), "secondary", async () => {
      await api.post(`/api/v1/purchases/${p.id}/resend`, {});
      toast(t("pur.resent"));
    }));
  if (p.token || p.paid_at)
    actions.push(h("a", { class: "button secondary", target: "_blank",
      rel: "noopener", href: `/api/v1/purchases/${p.id}/receipt` },
    t("pur.receipt")));
  clear(view,
    h("div", { class: "head" }, h("h1", {}, `${t("pur.title")} ${p.order_id}`),
      badge(p.state)),
    paymentsNav("", ctx.user),
    actions.length ? h("div", { class: "actions" }, actions) : null,
    p.token ? tokenCard(p, zone) : null,
    h("div", { class: "cards fit" },
      h("section", { class: "card" }, h("h2", {}, t("pur.details")),
        h("dl", {},
          row(t("a.meter"), mayOpen(ctx.user, "meters") ? h("a", {
            href: `#/meters/${p.meter_id}` }, p.meter_number) : p.meter_number),
          row(t("meter.customer"), p.customer_id ? (mayOpen(ctx.user,
            "customers") ? h("a", { href: `#/customers/${p.customer_id}` },
            who ? `${who.number} · ${who.name}` : `#${p.customer_id}`) :
            who ? `${who.number} · ${who.name}` : `#${p.customer_id}`) : null),
          row(t("pur.created"), dateTime(p.created_at, zone, lang)),
          row(t("pur.created_by"), p.created_by),
          row(t("pur.amount"), rupiah(p.amount)),
          row(t("line.admin_fee"), rupiah(p.admin_fee)),
          row(t("pur.tax_incl"), rupiah(p.tax)),
          row(t("pur.total"), rupiah(p.total)),
          row(t("pur.units"), volume(p.units, unit)),
          row(t("pur.failure"), p.failure))),
      h("section", { class: "card" }, h("h2", {}, t("pur.payment")),
        h("dl", {},
          row(t("pur.provider"), p.provider),
          row(t("pur.action"), pay.action),
          row(t("pur.provider_ref"), pay.provider_ref),
          row(t("pur.instruction"), pay.instruction),
          row(t("pur.pay_page"), pay.redirect_url ? h("a", {
            href: pay.redirect_url, rel: "noopener noreferrer",
            target: "_blank" }, t("pur.open_page")) : null),
          row(t("pur.expires"), pay.expires_at ?
            dateTime(pay.expires_at, zone, lang) : null),
          row(t("pur.paid_at"), p.paid_at ? dateTime(p.paid_at, zone, lang) :
            t("pur.unpaid")),
          row(t("pur.paid_amount"), p.paid_amount !== null &&
            p.paid_amount !== undefined ? rupiah(p.paid_amount) : null),
          p.refund ? row(t("pur.refund_title"), `${t("state." +
            (p.refund.state === "done" ? "refunded" : "refund_due"))} · ` +
            `${rupiah(p.refund.amount)} · ${p.refund.reason}` +
            (p.refund.reference ? ` · ${p.refund.reference}` : "")) : null))),
    p.quote ? h("section", { class: "card" }, h("h2", {}, t("pur.quote")),
      quoteTable(p.quote, unit)) : null,
    REFUNDABLE.includes(p.state) && !p.token &&
      can(ctx.user, "purchases.refund") ? refundForm(p, reload) : null);
  return null;
}
