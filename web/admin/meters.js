// Meters: search, register, change (customer, tariff, address, BLE id and
// whether a building gateway reaches it), block, unblock and remove; a
// meter's page shows what it last reported and the tokens it was sold.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { dateTime, date, volume, days, rupiah, token as grouped }
  from "/lib/format.js";
import { can, mayOpen } from "./roles.js";
import { labelled, input, select, checkbox, alertLine, showError, showOk,
  busy, value } from "./form.js";
import { dataTable, pager, csvLink, badge, toolbar } from "./table.js";
import { importPanel } from "./csvimport.js";
import { customersOf, customerId } from "./customers.js";
import { dayChart } from "./chart.js";
import { metersNav } from "./billkit.js";

const LIMIT = 20;
const IMPORT_COLUMNS = "number, customer_number, service_type, tariff, sgc, " +
  "tariff_index, key_revision, key_type, key_expiry, algorithm, dkga, " +
  "base_date, install_address, status";

const unitOf = (m) => (m.service_type === "electricity" ? "Wh" : "litre");

async function tariffs() {
  const r = await api.get("/api/v1/tariffs?limit=100");
  return r.items || [];
}

function tariffOptions(all, service) {
  return [["", t("meter.no_tariff")]].concat(all
    .filter((g) => g.service_type === service)
    .map((g) => [g.code, `${g.code} · ${g.name}`]));
}

// GET /meters/{id} leaves out ble_id and ble_gateway (its SQL predates
// them; see /work/admin-needs.md) while the list has them: take them from
// the list until the record carries them.
async function withBle(m) {
  if (!m) throw new Error(t("a.not_found"));
  if ("ble_id" in m) return m;
  try {
    const r = await api.get("/api/v1/meters?limit=5&q=" +
      encodeURIComponent(m.number));
    const same = (r.items || []).find((x) => x.id === m.id);
    if (same) {
      m.ble_id = same.ble_id;
      m.ble_gateway = same.ble_gateway;
    }
  } catch { /* shown without them */ }
  return m;
}

function statusButtons(m, after) {
  const set = (status, b) => busy(b, async () => {
    try {
      await api.patch(`/api/v1/meters/${m.id}`, { status });
      toast(t("meter.status_set", { number: m.number,
        status: t("state." + status) }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  });
  if (m.status === "removed") return null;
  const toggle = h("button", { type: "button", class: m.status === "active" ?
    "danger small" : "secondary small" }, t(m.status === "active" ?
    "meter.block" : "meter.unblock"));
  toggle.addEventListener("click", () => set(m.status === "active" ?
    "blocked" : "active", toggle));
  // Removal cannot be undone, so it asks once more, on the page itself.
  const confirm = h("button", { type: "button", class: "danger small hidden" },
    t("meter.remove_confirm"));
  const remove = h("button", { type: "button", class: "secondary small",
    "aria-expanded": "false" }, t("meter.remove"));
  remove.addEventListener("click", () => {
    confirm.classList.toggle("hidden");
    remove.setAttribute("aria-expanded",
      String(!confirm.classList.contains("hidden")));
    if (!confirm.classList.contains("hidden")) confirm.focus();
  });
  confirm.addEventListener("click", () => set("removed", confirm));
  return h("div", { class: "actions" }, toggle, remove, confirm);
}

export async function metersView(view, params, ctx) {
  const q = ctx.query.get("q") || "", status = ctx.query.get("status") || "";
  const customer = ctx.query.get("customer_id") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (q) qs.set("q", q);
  if (status) qs.set("status", status);
  if (customer) qs.set("customer_id", customer);
  const list = await api.get(`/api/v1/meters?${qs}`);
  const owners = await customersOf(list.items);
  const write = can(ctx.user, "meters.write");
  const reload = () => ctx.go("meters", { q, status, customer_id: customer,
    offset });

  const qIn = input("q", { type: "search", value: q });
  const stSel = select("status", [["", t("a.all")],
    ["active", t("state.active")], ["blocked", t("state.blocked")],
    ["removed", t("state.removed")]], status);
  const search = h("form", { role: "search", "aria-label": t("meter.search"),
    onsubmit: (ev) => {
      ev.preventDefault();
      ctx.go("meters", { q: qIn.value.trim(), status: stSel.value,
        customer_id: customer });
    } },
  toolbar(labelled(t("meter.search_label"), qIn),
    h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
    h("button", { type: "submit" }, t("search"))));

  const importBox = h("div", { class: "hidden" });
  const importBtn = h("button", { type: "button", class: "secondary",
    "aria-expanded": "false", onclick: () => {
      const open = importBox.classList.toggle("hidden") === false;
      importBtn.setAttribute("aria-expanded", String(open));
      if (open && !importBox.firstChild)
        importBox.append(importPanel("meters", IMPORT_COLUMNS, reload));
    } }, t("imp.open"));

  const owner = (m) => {
    const c = owners.get(m.customer_id);
    if (!m.customer_id) return "–";
    const text = c ? `${c.number} · ${c.name}` : `#${m.customer_id}`;
    return mayOpen(ctx.user, "customers") ?
      h("a", { href: `#/customers/${m.customer_id}` }, text) : text;
  };
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.meters")),
      h("div", { class: "actions" },
        write ? h("a", { class: "button", href: "#/meters/new" },
          t("meter.new")) : null,
        csvLink("/api/v1/meters/export", { q, status, customer_id: customer }),
        write ? importBtn : null)),
    metersNav("meters", ctx.user), importBox, search,
    dataTable({ caption: t("nav.meters"), rows: list.items, columns: [
      { label: t("meter.number"), key: true, cell: (m) =>
        h("a", { href: `#/meters/${m.id}` }, m.number) },
      { label: t("meter.service"), cell: (m) => t("svc." + m.service_type) },
      { label: t("meter.customer"), cell: owner },
      { label: t("meter.tariff"), cell: (m) => m.tariff || "–" },
      { label: t("meter.address"), cell: (m) => m.install_address || "–" },
      { label: t("meter.ble"), cell: (m) => m.ble_id ? m.ble_id +
        (m.ble_gateway ? ` (${t("meter.gateway_short")})` : "") : "–" },
      { label: t("a.status"), cell: (m) => badge(m.status) },
    ] }),
    pager(list, (o) => ctx.go("meters", { q, status, customer_id: customer,
      offset: o })));
}

// The form for a new meter: the number, its service, its supply group and
// keys (STS settings with the usual defaults folded away).
async function newMeterForm(ctx) {
  const all = await tariffs();
  const service = select("service_type", [["water", t("svc.water")],
    ["electricity", t("svc.electricity")]], "water");
  const tariff = select("tariff", tariffOptions(all, "water"), "");
  service.addEventListener("change", () => {
    tariff.replaceChildren(...tariffOptions(all, service.value).map(([v, l]) =>
      h("option", { value: v }, l)));
  });
  const f = {
    number: input("number", { inputmode: "numeric", required: true,
      pattern: "[0-9]{11}([0-9]{2})?", autocomplete: "off" }),
    customer: input("customer_id", { autocomplete: "off",
      value: ctx.query.get("customer") || "" }),
    sgc: input("sgc", { inputmode: "numeric", required: true,
      pattern: "[0-9]{1,6}" }),
    address: h("textarea", { name: "install_address", rows: "2",
      maxlength: "300" }),
    ble: input("ble_id", { pattern: "[0-9A-Fa-f]{8}", autocomplete: "off" }),
    tariffIndex: input("tariff_index", { type: "number", min: "0", max: "99",
      value: "1" }),
    keyRevision: input("key_revision", { type: "number", min: "1", max: "9",
      value: "1" }),
    keyType: input("key_type", { type: "number", min: "1", max: "3",
      value: "2" }),
  };
  const gateway = checkbox("ble_gateway", t("meter.gateway"), false);
  const algorithm = select("algorithm", [["EA11", "EA11 (MISTY1)"],
    ["EA07", "EA07 (STA)"]], "EA11");
  const dkga = select("dkga", [["4", "DKGA04"], ["2", "DKGA02"]], "4");
  const baseDate = select("base_date", [["2014", "2014"], ["1993", "1993"],
    ["2035", "2035"]], "2014");
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "form-grid" },
      labelled(t("meter.number"), f.number, t("meter.number_hint")),
      labelled(t("meter.service"), service),
      labelled(t("meter.customer_number"), f.customer,
        t("meter.customer_hint")),
      labelled(t("meter.tariff"), tariff),
      labelled(t("meter.sgc"), f.sgc, t("meter.sgc_hint")),
      h("div", { class: "wide" }, labelled(t("meter.address"), f.address)),
      labelled(t("meter.ble_id"), f.ble, t("meter.ble_hint")),
      h("div", { class: "field" }, gateway.el)),
    h("details", {}, h("summary", {}, t("meter.sts")),
      h("div", { class: "form-grid" },
        labelled(t("meter.tariff_index"), f.tariffIndex),
        labelled(t("meter.key_revision"), f.keyRevision),
        labelled(t("meter.key_type"), f.keyType),
        labelled(t("meter.algorithm"), algorithm),
        labelled("DKGA", dkga),
        labelled(t("meter.base_date"), baseDate))),
    h("div", { class: "actions" }, save,
      h("a", { class: "button secondary", href: "#/meters" }, t("cancel"))),
    alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const body = { number: f.number.value.trim(), service_type: service.value,
        sgc: Number(f.sgc.value.trim()),
        tariff_index: Number(f.tariffIndex.value),
        key_revision: Number(f.keyRevision.value),
        key_type: Number(f.keyType.value), algorithm: algorithm.value,
        dkga: Number(dkga.value), base_date: Number(baseDate.value),
        ble_gateway: gateway.input.checked };
      if (tariff.value) body.tariff = tariff.value;
      if (value(f.address)) body.install_address = value(f.address);
      if (value(f.ble)) body.ble_id = value(f.ble);
      if (f.sgc.value.trim() === "" || !Number.isInteger(body.sgc))
        return showError(form, { field: "sgc", message: t("meter.sgc_hint") });
      try {
        const number = value(f.customer);
        if (number) {
          const id = await customerId(number);
          if (!id) return showError(form, { field: "customer_id",
            message: t("meter.no_customer", { number }) });
          body.customer_id = id;
        }
        const m = await api.post("/api/v1/meters", body);
        toast(t("meter.created", { number: m.number }));
        ctx.go("meters", { q: m.number });
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

// Change a meter: only what differs from the record is sent.
async function editMeterForm(m, owner, ctx, after) {
  const all = await tariffs();
  const tariff = select("tariff", tariffOptions(all, m.service_type),
    m.tariff || "");
  const f = {
    customer: input("customer_id", { value: owner ? owner.number : "",
      autocomplete: "off" }),
    tariffIndex: input("tariff_index", { type: "number", min: "0", max: "99",
      value: String(m.tariff_index) }),
    address: h("textarea", { name: "install_address", rows: "2",
      maxlength: "300" }, m.install_address || ""),
    ble: input("ble_id", { value: m.ble_id || "", pattern: "[0-9A-Fa-f]{8}",
      autocomplete: "off" }),
  };
  const gateway = checkbox("ble_gateway", t("meter.gateway"), m.ble_gateway);
  const billing = select("billing", [["prepaid", t("billing.prepaid")],
    ["postpaid", t("billing.postpaid")]], m.billing || "prepaid");
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("meter.edit")),
    h("div", { class: "form-grid" },
      labelled(t("meter.customer_number"), f.customer,
        t("meter.customer_hint")),
      labelled(t("meter.tariff"), tariff),
      labelled(t("meter.tariff_index"), f.tariffIndex),
      h("div", { class: "wide" }, labelled(t("meter.address"), f.address)),
      labelled(t("meter.ble_id"), f.ble, t("meter.ble_hint")),
      h("div", { class: "field" }, gateway.el),
      labelled(t("meter.billing"), billing, t("meter.billing_hint"))),
    h("div", { class: "actions" }, save), alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const body = {};
      if (tariff.value && tariff.value !== (m.tariff || ""))
        body.tariff = tariff.value;
      if (Number(f.tariffIndex.value) !== m.tariff_index)
        body.tariff_index = Number(f.tariffIndex.value);
      if (f.address.value.trim() !== (m.install_address || ""))
        body.install_address = f.address.value.trim();
      const ble = f.ble.value.trim().toLowerCase();
      if (ble && ble !== (m.ble_id || "")) body.ble_id = ble;
      if (gateway.input.checked !== Boolean(m.ble_gateway))
        body.ble_gateway = gateway.input.checked;
      if (billing.value !== (m.billing || "prepaid"))
        body.billing = billing.value;
      try {
        const number = value(f.customer);
        if (number && (!owner || number !== owner.number)) {
          const id = await customerId(number);
          if (!id) return showError(form, { field: "customer_id",
            message: t("meter.no_customer", { number }) });
          body.customer_id = id;
        }
        if (Object.keys(body).length === 0)
          return showOk(form, t("a.unchanged"));
        const saved = await api.patch(`/api/v1/meters/${m.id}`, body);
        Object.assign(m, saved);
        toast(t("a.saved"));
        after();
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

function meterFacts(m) {
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  return h("section", { class: "card" }, h("h2", {}, t("meter.facts")),
    h("dl", {},
      row(t("meter.service"), t("svc." + m.service_type)),
      row(t("meter.billing"), t("billing." + (m.billing || "prepaid"))),
      row(t("meter.tariff"), m.tariff || "–"),
      row(t("meter.address"), m.install_address || "–"),
      row("PAN", m.pan),
      row(t("meter.sgc"), String(m.sgc)),
      row(t("meter.tariff_index"), String(m.tariff_index)),
      row(t("meter.key_revision"), String(m.key_revision)),
      row(t("meter.key_type"), String(m.key_type)),
      row(t("meter.algorithm"), `${m.algorithm} · DKGA0${m.dkga}`),
      row(t("meter.base_date"), String(m.base_date)),
      row(t("meter.ble_id"), m.ble_id || "–"),
      row(t("meter.gateway"), t(m.ble_gateway ? "a.yes" : "a.no"))));
}

function stateCard(s, m, ctx) {
  const lang = current();
  const unit = s.unit || unitOf(m);
  const st = s.state;
  if (!st) return h("section", { class: "card" }, h("h2", {}, t("meter.state")),
    h("p", { class: "muted" }, t("meter.never_read")));
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  const daily = (s.daily || []).map((d) => ({ label: date(d.day, ctx.zone,
    lang), value: Number(d.units) || 0 }));
  return h("section", { class: "card", dataset: { state: "" } },
    h("h2", {}, t("meter.state")),
    h("dl", {},
      row(t("meter.credit"), volume(st.credit, unit)),
      row(t("meter.days_left"), days(st.days_left, lang)),
      row(t("meter.daily_use"), volume(st.daily_use, unit)),
      row(t("meter.consumed"), volume(st.consumed, unit)),
      row(t("meter.valve"), t(st.valve_open ? "meter.valve_open" :
        "meter.valve_closed")),
      row(t("meter.tamper"), t(st.tamper ? "a.yes" : "a.no")),
      row(t("meter.battery"), (st.battery_mv ? `${st.battery_mv} mV ` : "") +
        (st.battery_low ? t("meter.battery_low") : t("meter.battery_ok"))),
      row(t("meter.reported"), dateTime(st.reported_at, ctx.zone, lang))),
    daily.length ? [h("h3", {}, t("meter.daily")),
      dayChart(daily, { label: t("meter.daily"),
        format: (v) => volume(v, unit) })] : null);
}

function tokensCard(tokens, m, ctx, toff) {
  const lang = current();
  return h("section", { class: "card" }, h("h2", {}, t("meter.tokens")),
    dataTable({ caption: t("meter.tokens"), rows: tokens.items, columns: [
      { label: t("a.when"), key: true, cell: (x) =>
        dateTime(x.issued_at, ctx.zone, lang) },
      { label: t("pur.token"), cell: (x) => h("span", { class: "mono" },
        grouped(x.token)) },
      { label: t("pur.units"), num: true, cell: (x) => volume(x.units,
        unitOf(m)) },
      { label: t("pur.total"), num: true, cell: (x) => rupiah(x.total) },
      { label: t("pur.provider"), cell: (x) => x.provider },
      { label: t("pur.order"), cell: (x) => mayOpen(ctx.user, "payments") ?
        h("a", { href: `#/purchases/${x.purchase_id}` }, x.order_id) :
        x.order_id },
    ] }),
    pager({ ...tokens, offset: toff }, (o) => ctx.go(`meters/${m.id}`,
      { toff: o })));
}

export async function meterView(view, [id], ctx) {
  if (id === "new") {
    if (!can(ctx.user, "meters.write")) throw new Error(t("a.forbidden"));
    clear(view,
      h("p", {}, h("a", { href: "#/meters" }, "← " + t("nav.meters"))),
      h("h1", {}, t("meter.new")), await newMeterForm(ctx));
    view.querySelector("[name=number]").dataset.autofocus = "";
    return null;
  }
  const toff = Number(ctx.query.get("toff")) || 0;
  const m = await withBle(await api.get(`/api/v1/meters/${id}`));
  const [state, tokens, owners] = await Promise.all([
    api.get(`/api/v1/meters/${id}/state`).catch(() => ({ state: null })),
    api.get(`/api/v1/meters/${id}/tokens?limit=10&offset=${toff}`),
    customersOf([m])]);
  const owner = owners.get(m.customer_id) || null;
  const write = can(ctx.user, "meters.write") && m.status !== "removed";
  const reload = () => ctx.go(`meters/${id}`);
  clear(view,
    h("p", {}, h("a", { href: "#/meters" }, "← " + t("nav.meters"))),
    h("div", { class: "head" },
      h("h1", {}, `${t("a.meter")} ${m.number}`), badge(m.status),
      write ? statusButtons(m, reload) : null),
    owner ? h("p", {}, t("meter.customer"), ": ",
      mayOpen(ctx.user, "customers") ? h("a", { href:
        `#/customers/${owner.id}` }, `${owner.number} · ${owner.name}`) :
        `${owner.number} · ${owner.name}`) : null,
    h("div", { class: "cards fit" }, stateCard(state, m, ctx), meterFacts(m)),
    write ? await editMeterForm(m, owner, ctx, reload) : null,
    tokensCard(tokens, m, ctx, toff),
    mayOpen(ctx.user, "payments") ? h("p", {}, h("a", {
      href: `#/purchases?meter_id=${m.id}` }, t("meter.purchases"))) : null);
  return null;
}
