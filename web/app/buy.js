// Buying a token: the quote line by line, the provider, the payment, and
// the token the moment the server issues it (pushed over the live
// connection; polled as a fallback).
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast, field } from "/lib/ui.js";
import { rupiah, volume, dateTime, token as grouped } from "/lib/format.js";
import { bleSupported } from "/lib/ble.js";

const PRESETS = [20000, 50000, 100000, 200000];

function lineLabel(l) {
  if (l.what === "block") return t("line.block", { block: l.block });
  return t("line." + l.what.replace(/ /g, "_"));
}

function quoteTable(q) {
  const unit = q.unit === "m3" ? "litre" : "Wh";
  return h("table", {},
    h("caption", { class: "sr-only" }, t("buy.quote")),
    h("tbody", {},
      (q.lines || []).map((l) => h("tr", {},
        h("th", { scope: "row" }, lineLabel(l)),
        h("td", {}, l.units !== undefined ? volume(l.units, unit) : ""),
        h("td", { class: "num" }, rupiah(l.amount)))),
      h("tr", {}, h("th", { scope: "row" }, t("buy.units")),
        h("td", { colspan: "2", dataset: { units: "" } },
          volume(q.units, unit))),
      h("tr", {}, h("th", { scope: "row" }, t("buy.total")),
        h("td", { colspan: "2", class: "num big" }, rupiah(q.total)))));
}

export async function buyView(view, [meterId], ctx) {
  const [meters, providers] = await Promise.all([
    api.get("/api/v1/meters?limit=50"),
    api.get("/api/v1/payments/providers")]);
  const items = (meters.items || []).filter((m) => m.status === "active");
  const meterSel = h("select", {}, items.map((m) => h("option",
    { value: m.id, selected: String(m.id) === meterId },
    `${m.number} (${m.service_type})`)));
  const amount = h("input", { type: "number", min: "10000", step: "1000",
    inputmode: "numeric", value: "50000", "aria-describedby": "" });
  const quoteBox = h("div", { "aria-live": "polite" });
  const online = (providers.items || []).filter((p) => !p.counter);
  const provs = h("fieldset", {}, h("legend", {}, t("buy.provider")),
    online.map((p, i) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "provider", value: p.name,
        checked: i === 0 }), p.label)));
  const payBtn = h("button", { type: "submit" }, t("buy.pay"));
  let quoted = null;

  const requote = async () => {
    quoted = null;
    payBtn.disabled = true;
    const a = parseInt(amount.value, 10);
    if (!meterSel.value || !(a >= 10000)) {
      clear(quoteBox, h("p", { class: "muted" }, t("buy.amount_hint")));
      return;
    }
    try {
      quoted = await api.get(`/api/v1/meters/${meterSel.value}/quote?` +
        `amount=${a}`);
      clear(quoteBox, quoteTable(quoted));
      payBtn.disabled = false;
    } catch (e) {
      clear(quoteBox, h("p", { class: "bad", role: "alert" }, e.message));
    }
  };
  let timer;
  const soon = () => { clearTimeout(timer); timer = setTimeout(requote, 300); };
  amount.addEventListener("input", soon);
  meterSel.addEventListener("change", requote);

  const form = h("form", { class: "card", onsubmit: async (ev) => {
    ev.preventDefault();
    if (!quoted) return;
    const provider = form.querySelector("input[name=provider]:checked");
    payBtn.disabled = true;
    try {
      const p = await api.post("/api/v1/purchases", {
        meter_id: Number(meterSel.value), amount: quoted.amount,
        provider: provider ? provider.value : "",
        return_path: "/app/" },
        { "Idempotency-Key": api.idempotencyKey() });
      // The provider's page in its own tab; this one waits for the token.
      if (p.payment && p.payment.redirect_url)
        window.open(p.payment.redirect_url, "_blank", "noopener");
      ctx.go("purchase/" + p.id);
    } catch (e) {
      toast(`${t("buy.failed")}: ${e.message}`, "bad");
      payBtn.disabled = false;
    }
  } },
  h("h1", {}, t("buy.title")),
  field(t("buy.meter"), meterSel),
  field(t("buy.amount"), amount, t("buy.amount_hint")),
  h("div", { class: "chips" }, PRESETS.map((v) => h("button", {
    type: "button", class: "secondary",
    onclick: () => { amount.value = v; requote(); } }, rupiah(v)))),
  quoteBox, provs, payBtn);
  clear(view, form);
  await requote();
}

function tokenBox(p, ctx) {
  const digits = h("p", { class: "token huge", dataset: { token: p.token },
    "aria-label": t("buy.token_ready") }, grouped(p.token));
  const copy = h("button", { type: "button", onclick: async () => {
    try {
      await navigator.clipboard.writeText(p.token);
      toast(t("buy.copied"));
    } catch { /* the digits stay on screen */ }
  } }, t("buy.copy"));
  return h("section", { class: "card", "aria-live": "assertive" },
    h("h2", {}, t("buy.token_ready")),
    (p.key_change_tokens || []).map((k) => h("p", { class: "token" },
      grouped(k))),
    digits, h("p", {}, t("buy.keypad")),
    h("div", { class: "row" }, copy, bleSupported() ? h("button",
      { type: "button", class: "secondary",
        onclick: () => ctx.go(`meter/${p.meter_id}?purchase=${p.id}`) },
      t("buy.send_ble")) : null));
}

export async function purchaseView(view, [id], ctx) {
  let done = false;
  const render = (p) => {
    const zone = ctx.user.timezone;
    const pay = p.payment || {};
    clear(view, h("h1", {}, `${t("buy.title")} · ${p.meter_number}`),
      h("dl", { class: "card" },
        h("dt", {}, "Order"), h("dd", {}, p.order_id),
        h("dt", {}, t("buy.total")), h("dd", {}, rupiah(p.total)),
        h("dt", {}, t("buy.units")), h("dd", {}, volume(p.units,
          p.unit === "m3" ? "litre" : "Wh")),
        h("dt", {}, "Status"), h("dd", { dataset: { state: p.state } },
          t("state." + p.state))),
      p.token ? tokenBox(p, ctx) : ["pending", "created", "paid"]
        .includes(p.state) ? h("section", { class: "card" },
          h("p", { role: "status" }, t("buy.waiting")),
          pay.redirect_url && p.state !== "paid" ? h("a", {
            class: "button", href: pay.redirect_url, target: "_blank",
            rel: "noopener" }, t("buy.open_pay")) : null,
          pay.instruction ? h("p", {}, `${t("buy.instruction")}: `,
            pay.instruction) : null,
          pay.expires_at ? h("p", { class: "muted" }, `${t("buy.expires")} ` +
            dateTime(pay.expires_at, zone, current())) : null) :
        h("p", { class: "bad" }, p.failure || p.state));
    done = Boolean(p.token) || !["pending", "created", "paid",
      "create_failed"].includes(p.state);
  };
  const load = async () => render(await api.get(`/api/v1/purchases/${id}`));
  await load();
  const off = ctx.onPush((d) => {
    if (d.kind === "token" && d.data && String(d.data.purchase) === id)
      load().catch(() => {});
  });
  // If the live connection is down, the token still shows up.
  const poll = setInterval(() => { if (!done) load().catch(() => {}); },
    5000);
  return () => { off(); clearInterval(poll); };
}
