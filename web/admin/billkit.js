// What the postpaid billing screens share (docs/billing.md): months as
// the API names them ("2026-12") and as people read them, meter stands
// in m³ typed by staff and litres on the wire, the words for readings'
// checks and invoices' states, and the sub-menus the billing screens
// hang under (the main menu stays one entry per job).
import { t, current } from "/lib/i18n.js";
import { h } from "/lib/ui.js";
import { volume } from "/lib/format.js";
import { can, mayOpen } from "./roles.js";
import { word } from "./table.js";

// The month it is now in the utility's zone, as "YYYY-MM".
export function thisMonth(zone = "Asia/Jakarta") {
  const p = new Intl.DateTimeFormat("en-CA", { timeZone: zone,
    year: "numeric", month: "2-digit" }).formatToParts(new Date());
  const get = (k) => p.find((x) => x.type === k).value;
  return `${get("year")}-${get("month")}`;
}

// "2026-12" or "202612" (the payments' form) -> "2026-12".
export function period(p) {
  const s = String(p || "");
  return /^\d{6}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

// "Desember 2026".
export function monthName(p) {
  const m = /^(\d{4})-(\d{2})$/.exec(period(p));
  if (!m) return String(p || "–");
  return new Intl.DateTimeFormat(current() === "en" ? "en-GB" : "id-ID", {
    timeZone: "UTC", month: "long", year: "numeric" })
    .format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

// A calendar day from the API ("2027-01-20") as "20 Jan 2027": a date,
// not a moment, so no zone moves it.
export function day(iso) {
  if (!iso) return "–";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return String(iso);
  return new Intl.DateTimeFormat(current() === "en" ? "en-GB" : "id-ID", {
    timeZone: "UTC", day: "numeric", month: "short", year: "numeric" })
    .format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

// A stand or a use in litres, shown in m³ with the litres beside it.
export function m3(litres) {
  return litres === null || litres === undefined ? "–" :
    volume(litres, "litre");
}

// What a technician types ("145", "145,5" or "145.5" m³) as whole litres,
// or null when it is not a stand.
export function parseStand(text) {
  const s = String(text || "").trim().replace(/\s+/g, "");
  const m = /^(\d{1,8})(?:[.,](\d{1,3}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] || "").padEnd(3, "0"));
}

// The checks that hold a reading for review, in words a supervisor and
// a technician both understand.
export const FLAGS = ["lower_than_last", "jump", "estimated",
  "second_reading"];

export function flagList(flags) {
  if (!flags || flags.length === 0) return null;
  return h("ul", { class: "flags" }, flags.map((f) =>
    h("li", { dataset: { flag: f } }, h("strong", {}, word("flag.", f)),
      ": ", word("flag_why.", f))));
}

// Readings (accepted, flagged, approved, corrected, rejected), queue
// entries (waiting, sending, sent, failed) and invoices (open, partial,
// paid, void) each have their own words and colours: the same code word
// means different things to each.
export function stateBadge(kind, state) {
  return h("span", { class: `badge s-${kind}-${String(state)
    .replace(/[^a-z_]/g, "")}`, dataset: { state } },
  word(`${kind}.state.`, state));
}

function subNav(label, items, active) {
  return h("nav", { class: "sub", "aria-label": label },
    items.map(([path, key]) => h("a", { href: "#/" + path,
      "aria-current": path === active ? "page" : undefined }, t(key))));
}

// Under "Meter": the meters, reading entry, review, the field lists.
export function metersNav(active, user) {
  const items = [["meters", "bill.meters_list"]];
  if (can(user, "readings.write")) items.push(["readings", "rd.title"]);
  if (can(user, "readings.review")) items.push(["readings/review", "rv.title"]);
  if (can(user, "field.lists")) items.push(["field", "fl.title"]);
  return items.length > 1 ? subNav(t("nav.meters"), items, active) : null;
}

// Under "Loket": tokens and bills.
export function counterNav(active, user) {
  const items = [];
  if (can(user, "counter.sell")) items.push(["counter", "bill.counter_tokens"]);
  if (can(user, "bills.pay")) items.push(["counter/bills", "bc.title"]);
  return items.length > 1 ? subNav(t("nav.counter"), items, active) : null;
}

// The billing entries of the "Pembayaran" sub-menu (purchases.js).
export function billingNavItems(user) {
  return [
    ["invoices", "inv.title", can(user, "invoices.read")],
    ["billing", "run.title", can(user, "billing.read")],
    ["billing/report", "br.title", can(user, "billing.report")],
    ["field", "fl.title", can(user, "field.lists")],
    // A role without the counter screen (the operator) takes bill
    // payments from here.
    ["counter/bills", "bc.title", can(user, "bills.pay") &&
      !mayOpen(user, "counter")],
  ];
}

// The quoted reason a refusal gives, for an alert line.
export function failed(e) {
  return `${t("a.failed")}: ${e && e.message ? e.message : t("error")}`;
}
