// The cashier's counter (loket): find the meter by the number printed on
// it, take an amount, show what it buys, take the cash, and hand over the
// token in large digits with a printable receipt.  The cash provider
// records the payment at once; the token follows from the vend job, so
// the screen waits for it.  One Idempotency-Key per quoted sale: pressing
// the button again after a network error cannot sell twice.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah } from "/lib/format.js";
import { labelled, input, alertLine, showError, clearErrors, busy }
  from "./form.js";
import { quoteTable, tokenCard } from "./purchases.js";
import { counterNav } from "./billkit.js";

const PRESETS = [20000, 50000, 100000, 200000];
const WAIT_MS = 60000;

async function findMeter(number) {
  const r = await api.get("/api/v1/meters?limit=10&q=" +
    encodeURIComponent(number));
  return (r.items || []).find((m) => m.number === number) || null;
}

function meterCard(m, c) {
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  return h("section", { class: "card", dataset: { meter: m.number } },
    h("h2", {}, `${t("a.meter")} ${m.number}`),
    h("dl", {},
      row(t("meter.customer"), c ? `${c.number} · ${c.name}` : "–"),
      row(t("meter.address"), m.install_address || (c && c.address) || "–"),
      row(t("meter.service"), t("svc." + m.service_type)),
      row(t("meter.tariff"), m.tariff || "–")));
}

// Poll until the token is issued or the purchase ends without one.
async function waitForToken(id, stopped) {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const p = await api.get(`/api/v1/purchases/${id}`);
    if (p.token || ["failed", "review", "refund_due", "cancelled", "expired",
      "refunded"].includes(p.state) || Date.now() > until || stopped())
      return p;
    await new Promise((r) => setTimeout(r, 800));
  }
}

export async function counterView(view, params, ctx) {
  const providers = await api.get("/api/v1/payments/providers");
  const cash = (providers.items || []).find((p) => p.counter);
  let stopped = false;
  if (!cash) {
    clear(view, h("h1", {}, t("nav.counter")), counterNav("counter", ctx.user),
      h("p", { class: "bad", role: "alert" }, t("ctr.no_provider")));
    return null;
  }
  const number = input("number", { inputmode: "numeric", required: true,
    autocomplete: "off", pattern: "[0-9]{11}([0-9]{2})?" });
  const amount = input("amount", { type: "number", min: "1000", step: "500",
    inputmode: "numeric", required: true, value: "50000" });
  const meterBox = h("div", { "aria-live": "polite" });
  const quoteBox = h("div", { "aria-live": "polite" });
  const result = h("div", { "aria-live": "assertive" });
  // Shown only with a quote on screen: what the button sells is always
  // the total above it.
  const sell = h("button", { type: "button", class: "hidden", disabled: true },
    t("ctr.take_cash"));
  const quoteBtn = h("button", { type: "submit", class: "secondary" },
    t("ctr.quote"));
  let meter = null, quoted = null, key = null;

  const findForm = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("ctr.find")),
    h("div", { class: "toolbar" }, labelled(t("meter.number"), number,
      t("ctr.number_hint")), h("button", { type: "submit" }, t("search"))),
    alertLine());
  findForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(findForm.querySelector("button[type=submit]"), async () => {
      meter = quoted = null;
      sell.disabled = true;
      sell.classList.add("hidden");
      clear(meterBox); clear(quoteBox); clear(result);
      const n = number.value.trim();
      try {
        const m = await findMeter(n);
        if (!m) return showError(findForm, { field: "number",
          message: t("ctr.not_found", { number: n }) });
        if (m.status !== "active") return showError(findForm,
          { field: "number", message: t("ctr.not_active",
            { status: t("state." + m.status) }) });
        clearErrors(findForm);
        const c = m.customer_id ? await api.get(`/api/v1/customers/${
          m.customer_id}`).catch(() => null) : null;
        meter = m;
        clear(meterBox, meterCard(m, c));
        amount.focus();
        await requote();
      } catch (e) { showError(findForm, e); }
    });
  });

  const sellForm = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("ctr.amount")),
    h("div", { class: "toolbar" }, labelled(t("ctr.amount_label"), amount,
      t("ctr.amount_hint")), quoteBtn),
    h("div", { class: "actions", role: "group",
      "aria-label": t("ctr.presets") },
      PRESETS.map((v) => h("button", { type: "button", class: "secondary small",
        onclick: () => { amount.value = v; requote(); } }, rupiah(v)))),
    quoteBox, sell, alertLine());

  async function requote() {
    quoted = null;
    sell.disabled = true;
    sell.classList.add("hidden");
    clearErrors(sellForm);
    if (!meter) return showError(sellForm, { field: "number",
      message: t("ctr.find_first") });
    const a = parseInt(amount.value, 10);
    if (!(a > 0)) return showError(sellForm, { field: "amount",
      message: t("ctr.amount_hint") });
    try {
      quoted = await api.get(`/api/v1/meters/${meter.id}/quote?amount=${a}`);
      key = api.idempotencyKey();
      clear(quoteBox, quoteTable(quoted, quoted.unit === "kWh" ? "Wh" :
        "litre"), h("p", { class: "big", dataset: { total: quoted.total } },
        `${t("pur.total")}: ${rupiah(quoted.total)}`));
      sell.textContent = t("ctr.take_cash_amount",
        { amount: rupiah(quoted.total) });
      sell.disabled = false;
      sell.classList.remove("hidden");
    } catch (e) {
      clear(quoteBox);
      showError(sellForm, e);
    }
  }
  sellForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    requote();
  });

  sell.addEventListener("click", () => busy(sell, async () => {
    if (!quoted) return;
    try {
      const p = await api.post("/api/v1/purchases", { meter_id: meter.id,
        amount: quoted.amount, provider: cash.name },
      { "Idempotency-Key": key });
      clear(result, h("p", { role: "status" }, t("ctr.waiting")));
      const done = await waitForToken(p.id, () => stopped);
      showResult(done);
    } catch (e) { showError(sellForm, e); }
  }));

  function showResult(p) {
    quoted = null;
    sell.disabled = true;
    sell.classList.add("hidden");
    clear(quoteBox);
    const receipt = h("a", { class: "button", target: "_blank", rel: "noopener",
      href: `/api/v1/purchases/${p.id}/receipt` }, t("ctr.receipt"));
    const again = h("button", { type: "button", class: "secondary",
      onclick: () => {
        meter = null;
        number.value = "";
        clear(meterBox); clear(quoteBox); clear(result);
        number.focus();
      } }, t("ctr.next"));
    clear(result, p.token ? [h("p", { class: "ok", role: "status" },
      t("ctr.sold", { amount: rupiah(p.total), number: p.meter_number })),
    tokenCard(p, ctx.zone)] : h("p", { class: "bad", role: "alert" },
      t("ctr.no_token", { state: t("state." + p.state) }) +
        (p.failure ? ` (${p.failure})` : "")),
    h("div", { class: "actions" }, receipt, again,
      h("a", { class: "button secondary", href: `#/purchases/${p.id}` },
        t("ctr.details"))));
    (p.token ? receipt : again).focus();
  }

  clear(view, h("h1", {}, t("nav.counter")), counterNav("counter", ctx.user),
    h("p", { class: "muted" }, t("ctr.via", { label: cash.label })),
    findForm, meterBox, sellForm, result);
  number.dataset.autofocus = "";
  return () => { stopped = true; };
}
