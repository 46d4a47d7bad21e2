// The first screen: money and tokens today and over 7 days, what needs a
// person (purchases waiting, failed deliveries, open chats) and meters
// about to run dry.  One request (GET /api/v1/dashboard).
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { rupiah, volume, days, date, dateTime } from "/lib/format.js";
import { mayOpen, can } from "./roles.js";
import { readingQueue } from "./readqueue.js";
import { dataTable } from "./table.js";
import { dayChart } from "./chart.js";

function stat(title, value, detail, href) {
  return h("section", { class: "card stat", dataset: { stat: title } },
    h("h2", {}, title),
    h("p", { class: "big" }, href ? h("a", { href }, value) : value),
    detail ? h("small", {}, detail) : null);
}

// The bars have no text of their own: the days run under them, and the
// same numbers are a table for anyone who cannot see the chart.
function revenueChart(daily, zone) {
  const lang = current();
  const items = daily.map((d) => ({ label: date(d.day, zone, lang),
    value: Number(d.revenue) || 0 }));
  const total = items.reduce((s, i) => s + i.value, 0);
  return h("section", { class: "card" },
    h("h2", {}, t("dash.chart")),
    dayChart(items, { label: t("dash.chart_label", { total: rupiah(total) }),
      format: rupiah }),
    h("details", {}, h("summary", {}, t("dash.as_table")),
      dataTable({ caption: t("dash.chart"), rows: items, columns: [
        { label: t("a.day"), key: true, cell: (i) => i.label },
        { label: t("dash.revenue"), num: true, cell: (i) => rupiah(i.value) },
      ] })));
}

// The dashboard gives meter numbers and credit in litres or Wh but not the
// service; a meter record (cached by the server) tells which unit to show.
async function services(items) {
  const out = new Map();
  await Promise.all(items.slice(0, 20).map(async (m) => {
    try {
      const r = await api.get(`/api/v1/meters/${m.meter_id}`);
      out.set(m.meter_id, r.service_type);
    } catch { /* shown as water, the common case */ }
  }));
  return out;
}

function lowCredit(items, svc, ctx) {
  const zone = ctx.zone, lang = current();
  const linkable = mayOpen(ctx.user, "meters");
  return h("section", { class: "card" },
    h("h2", {}, t("dash.low_credit"), " ",
      h("span", { class: "muted" }, `(${items.length})`)),
    dataTable({ caption: t("dash.low_credit"), rows: items,
      empty: t("dash.low_none"), columns: [
        { label: t("a.meter"), key: true, cell: (m) => linkable ?
          h("a", { href: `#/meters/${m.meter_id}` }, m.number) : m.number },
        { label: t("meter.credit"), num: true, cell: (m) =>
          volume(m.credit, svc.get(m.meter_id) === "electricity" ? "Wh" :
            "litre") },
        { label: t("meter.days_left"), num: true,
          cell: (m) => days(m.days_left, lang) },
        { label: t("meter.reported"), cell: (m) =>
          dateTime(m.reported_at, zone, lang) },
      ] }));
}

// Shortcuts to the billing work a role does: reading meters (and what
// still waits on this device), the readings held for review, the bill
// counter.
async function tasks(u) {
  const items = [];
  if (can(u, "readings.write")) {
    const q = readingQueue();
    const n = q ? q.waiting() : 0;
    items.push(h("a", { class: "button", href: "#/readings" },
      t("dash.read_meters")));
    if (n) items.push(h("a", { class: "warn", href: "#/readings" },
      t("dash.to_send", { n })));
  }
  if (can(u, "readings.review")) {
    const r = await api.get("/api/v1/readings?state=flagged&limit=1")
      .catch(() => null);
    if (r && r.total) items.push(h("a", { class: "button secondary",
      href: "#/readings/review" }, t("dash.to_review", { n: r.total })));
  }
  if (can(u, "bills.pay")) items.push(h("a", { class: "button secondary",
    href: "#/counter/bills" }, t("dash.bill_counter")));
  return items.length ? h("nav", { class: "tasks actions",
    "aria-label": t("dash.tasks") }, items) : null;
}

export async function dashboardView(view, params, ctx) {
  const d = await api.get("/api/v1/dashboard");
  const zone = ctx.zone = d.timezone || ctx.zone;
  const u = ctx.user;
  const low = d.low_credit || [];
  const [svc, todo] = await Promise.all([services(low), tasks(u)]);
  clear(view,
    h("h1", {}, t("dash.title")), todo,
    h("div", { class: "cards" },
      stat(t("dash.revenue_today"), rupiah(d.revenue_today),
        t("dash.revenue_7d", { amount: rupiah(d.revenue_7d) })),
      stat(t("dash.vends_today"), String(d.vends_today),
        t("dash.vends_7d", { n: d.vends_7d })),
      stat(t("dash.waiting"), String(d.waiting), t("dash.waiting_hint"),
        mayOpen(u, "payments") ? "#/purchases?state=paid" : null),
      stat(t("dash.failed"), String(d.failed_deliveries), t("dash.failed_hint"),
        mayOpen(u, "notifications") ? "#/notifications?state=failed" : null),
      stat(t("dash.chats"), String(d.open_chats), null,
        mayOpen(u, "chat") ? "#/chat" : null)),
    revenueChart(d.daily || [], zone),
    lowCredit(low, svc, ctx));
}
