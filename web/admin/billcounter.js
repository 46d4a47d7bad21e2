// Bills at the counter (loket): find the customer by the number on their
// bill, show every unpaid invoice and the total owed, take all or part
// of it in cash (the server pays the oldest invoice first), and hand over
// a receipt saying which invoices the money went to.  One
// Idempotency-Key per customer and amount: pressing the button again
// after a network error cannot take the money twice.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, dateTime } from "/lib/format.js";
import { mayOpen } from "./roles.js";
import { labelled, input, alertLine, showError, clearErrors, busy }
  from "./form.js";
import { dataTable } from "./table.js";
import { paymentsNav } from "./purchases.js";
import { counterNav, monthName, day, m3, period, stateBadge }
  from "./billkit.js";
import { printLink, overdue } from "./invoices.js";

async function findCustomer(number) {
  const r = await api.get("/api/v1/customers?limit=10&q=" +
    encodeURIComponent(number));
  return (r.items || []).find((c) => c.number === number) || null;
}

// Unpaid invoices, oldest first (the order payments are applied in).
async function unpaid(customer) {
  const r = await api.get(`/api/v1/invoices?customer_id=${customer.id}` +
    "&limit=100");
  return (r.items || []).filter((i) => ["open", "partial"].includes(i.state) &&
    i.outstanding > 0).sort((a, b) => a.period.localeCompare(b.period) ||
    a.id - b.id);
}

function owedCard(c, invoices) {
  const total = invoices.reduce((s, i) => s + i.outstanding, 0);
  return h("section", { class: "card", dataset: { customer: c.number,
    owed: total } },
  h("h2", {}, `${c.number} · ${c.name}`),
  c.address ? h("p", { class: "muted" }, c.address) : null,
  invoices.length ? [
    dataTable({ caption: t("bc.unpaid"), rows: invoices, columns: [
      { label: t("rd.period"), key: true, cell: (i) => monthName(i.period) },
      { label: t("inv.number"), cell: (i) => i.number },
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
      { label: t("a.actions"), cell: (i) => printLink(i.id,
        t("bc.print_invoice")) },
    ] }),
    h("p", { class: "big owed" }, `${t("bc.owed")}: `,
      h("span", { dataset: { total } }, rupiah(total)))] :
    h("p", { class: "ok big", role: "status" }, t("bc.nothing_owed")));
}

function receipt(p, customer, zone) {
  const lang = current();
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  const printBtn = h("button", { type: "button", class: "secondary" },
    t("ctr.receipt"));
  printBtn.addEventListener("click", () => {
    document.body.classList.add("printing-receipt");
    addEventListener("afterprint", () =>
      document.body.classList.remove("printing-receipt"), { once: true });
    print();
  });
  return h("section", { class: "card receipt", dataset: { payment:
    p.payment_id }, "aria-labelledby": "receipt-h" },
  h("h2", { id: "receipt-h", tabindex: "-1" }, t("bc.receipt")),
  p.replayed ? h("p", { class: "warn" }, t("bc.replayed")) : null,
  h("dl", {},
    row(t("bc.payment"), `#${p.payment_id}`),
    row(t("meter.customer"), customer ? `${customer.number} · ${
      customer.name}` : p.customer_no),
    row(t("bc.paid_at"), dateTime(p.paid_at, zone, lang)),
    row(t("bc.amount"), h("strong", {}, rupiah(p.amount))),
    row(t("bc.reference"), h("span", { class: "mono" }, p.reference))),
  h("h3", {}, t("bc.applied")),
  dataTable({ caption: t("bc.applied"), rows: p.invoices || [], columns: [
    { label: t("inv.number"), key: true, cell: (a) => a.invoice },
    { label: t("rd.period"), cell: (a) => monthName(period(a.period)) },
    { label: t("bc.applied_amount"), num: true, cell: (a) => rupiah(a.amount) },
    { label: t("bc.now"), cell: (a) => stateBadge("inv", a.state) },
  ] }),
  h("div", { class: "actions" }, printBtn));
}

function paymentsTable(items, zone) {
  const lang = current();
  return dataTable({ caption: t("bc.recent"), rows: items,
    empty: t("bc.no_payments"), columns: [
      { label: t("bc.paid_at"), key: true, cell: (p) => dateTime(p.paid_at,
        zone, lang) },
      { label: t("bc.amount"), num: true, cell: (p) => rupiah(p.amount) },
      { label: t("bc.channel"), cell: (p) => p.partner },
      { label: t("bc.invoices"), cell: (p) => (p.invoices || []).map((a) =>
        `${a.invoice} (${rupiah(a.amount)})`).join(", ") },
      { label: t("a.status"), cell: (p) => p.state === "reversed" ?
        h("span", { class: "bad" }, t("bc.reversed")) : t("bc.paid") },
    ] });
}

export async function billCounterView(view, params, ctx) {
  const number = input("customer_no", { required: true, autocomplete: "off",
    value: ctx.query.get("customer") || "" });
  const amount = input("amount", { type: "number", min: "1", step: "1",
    inputmode: "numeric", required: true });
  const owedBox = h("div", { "aria-live": "polite" });
  const historyBox = h("div", {});
  const quick = h("div", { class: "actions", role: "group",
    "aria-label": t("bc.quick") });
  const take = h("button", { type: "submit", disabled: true },
    t("ctr.take_cash"));
  const result = h("div", { class: "receipt-box" });
  let customer = null, owed = [], key = null, keyFor = "";

  const findForm = h("form", { class: "card", novalidate: true,
    "aria-label": t("bc.find") },
  h("h2", {}, t("bc.find")),
  h("div", { class: "toolbar" }, labelled(t("cust.number"), number,
    t("bc.number_hint")), h("button", { type: "submit" }, t("search"))),
  alertLine());

  const payForm = h("form", { class: "card hidden", novalidate: true,
    "aria-label": t("bc.pay") },
  h("h2", {}, t("bc.pay")),
  h("div", { class: "toolbar" }, labelled(t("ctr.amount_label"), amount,
    t("bc.amount_hint"))),
  quick, take, alertLine());

  const owedTotal = () => owed.reduce((s, i) => s + i.outstanding, 0);

  // The button always says what it takes; a new amount is a new payment
  // (a new key), the same amount again is the same payment.
  const paint = () => {
    const a = parseInt(amount.value, 10);
    const ok = customer && a > 0;
    take.disabled = !ok;
    take.textContent = ok ? t("ctr.take_cash_amount", { amount: rupiah(a) }) :
      t("ctr.take_cash");
    const want = ok ? `${customer.number}:${a}` : "";
    if (want !== keyFor) {
      keyFor = want;
      key = want ? api.idempotencyKey() : null;
    }
  };
  amount.addEventListener("input", paint);

  async function load(c) {
    customer = c;
    owed = await unpaid(c);
    const total = owedTotal();
    clear(owedBox, owedCard(c, owed));
    payForm.classList.toggle("hidden", total === 0);
    amount.max = String(total || "");
    amount.value = total ? String(total) : "";
    clear(quick, total ? [
      h("button", { type: "button", class: "secondary small",
        onclick: () => { amount.value = String(total); paint(); } },
      t("bc.all", { amount: rupiah(total) })),
      owed.length > 1 ? h("button", { type: "button", class: "secondary small",
        onclick: () => { amount.value = String(owed[0].outstanding); paint(); } },
      t("bc.oldest", { amount: rupiah(owed[0].outstanding) })) : null] : null);
    paint();
    const pays = await api.get(`/api/v1/bills/payments?customer_id=${c.id}` +
      "&limit=5").catch(() => ({ items: [] }));
    clear(historyBox, (pays.items || []).length ? h("section",
      { class: "card" }, h("h2", {}, t("bc.recent")),
      paymentsTable(pays.items, ctx.zone)) : null);
  }

  async function find() {
    customer = null;
    owed = [];
    clear(owedBox); clear(result); clear(historyBox);
    payForm.classList.add("hidden");
    paint();
    const n = number.value.trim();
    if (!n) return showError(findForm, { field: "customer_no",
      message: t("bc.number_hint") });
    try {
      const c = await findCustomer(n);
      if (!c) return showError(findForm, { field: "customer_no",
        message: t("meter.no_customer", { number: n }) });
      clearErrors(findForm);
      await load(c);
      if (owedTotal() > 0) amount.focus();
    } catch (e) { showError(findForm, e); }
  }

  findForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(findForm.querySelector("button[type=submit]"), find);
  });

  payForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(take, async () => {
      clearErrors(payForm);
      const a = parseInt(amount.value, 10);
      if (!customer) return showError(payForm, { field: "amount",
        message: t("bc.find_first") });
      if (!(a > 0)) return showError(payForm, { field: "amount",
        message: t("bc.amount_hint") });
      if (a > owedTotal()) return showError(payForm, { field: "amount",
        message: t("bc.too_much", { owed: rupiah(owedTotal()) }) });
      try {
        const p = await api.post("/api/v1/bills/payments", {
          customer_no: customer.number, amount: a },
        { "Idempotency-Key": key });
        const c = customer;
        keyFor = "";	// the next payment is a new one
        clear(result, receipt(p, c, ctx.zone));
        await load(c);
        result.querySelector("h2").focus();
      } catch (e) {
        // The server names customer_no or amount; the customer number
        // lives in the other form.
        if (e.field === "customer_no") showError(findForm, e);
        else showError(payForm, e);
      }
    });
  });

  const next = h("button", { type: "button", class: "secondary",
    onclick: () => {
      customer = null;
      owed = [];
      number.value = "";
      clear(owedBox); clear(result); clear(historyBox);
      payForm.classList.add("hidden");
      paint();
      number.focus();
    } }, t("bc.next"));

  const nav = mayOpen(ctx.user, "counter") ? counterNav("counter/bills",
    ctx.user) : paymentsNav("counter/bills", ctx.user);
  clear(view, h("div", { class: "head" }, h("h1", {}, t("bc.title")), next),
    nav, h("p", { class: "muted" }, t("bc.intro")),
    findForm, owedBox, payForm, result, historyBox);
  number.dataset.autofocus = "";
  if (number.value) await find();
  return null;
}
