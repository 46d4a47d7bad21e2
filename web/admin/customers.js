// Customers: search and page through them, register and change them,
// block and unblock (status inactive/active), take them out as CSV and
// bring many in from a CSV file.  A customer's page also lists their
// meters and tokens.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { dateTime, volume, rupiah, token as grouped } from "/lib/format.js";
import { can } from "./roles.js";
import { labelled, input, select, alertLine, showError, showOk, busy,
  value } from "./form.js";
import { dataTable, pager, csvLink, badge, toolbar } from "./table.js";
import { importPanel } from "./csvimport.js";

const LIMIT = 20;
const IMPORT_COLUMNS = "number, name, address, phone, email, group, status";

// Other records name a customer by id; staff know them by number and
// name.  The customers of one page, fetched once each.
export async function customersOf(items) {
  const ids = [...new Set(items.map((m) => m.customer_id).filter(Boolean))];
  const out = new Map();
  await Promise.all(ids.map(async (id) => {
    try { out.set(id, await api.get(`/api/v1/customers/${id}`)); } catch {
      /* shown by id */ }
  }));
  return out;
}

// A customer number typed by staff, as the id the API filters and links by.
export async function customerId(number) {
  const r = await api.get("/api/v1/customers?limit=10&q=" +
    encodeURIComponent(number));
  const c = (r.items || []).find((x) => x.number === number);
  return c ? c.id : null;
}

async function setStatus(c, status) {
  return api.patch(`/api/v1/customers/${c.id}`, { status });
}

function blockButton(c, after) {
  const blocked = c.status === "inactive";
  const b = h("button", { type: "button", class: blocked ? "secondary small" :
    "danger small", "aria-label": t(blocked ? "cust.unblock_who" :
    "cust.block_who", { who: c.name }) }, t(blocked ? "cust.unblock" :
    "cust.block"));
  b.addEventListener("click", () => busy(b, async () => {
    try {
      await setStatus(c, blocked ? "active" : "inactive");
      toast(t(blocked ? "cust.unblocked" : "cust.blocked", { who: c.name }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  }));
  return b;
}

export async function customersView(view, params, ctx) {
  const q = ctx.query.get("q") || "", status = ctx.query.get("status") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (q) qs.set("q", q);
  if (status) qs.set("status", status);
  const list = await api.get(`/api/v1/customers?${qs}`);
  const write = can(ctx.user, "customers.write");
  const reload = () => ctx.go("customers", { q, status, offset });

  const qIn = input("q", { type: "search", value: q });
  const stSel = select("status", [["", t("a.all")], ["active",
    t("state.active")], ["inactive", t("state.inactive")]], status);
  const search = h("form", { role: "search", "aria-label": t("cust.search"),
    onsubmit: (ev) => {
      ev.preventDefault();
      ctx.go("customers", { q: qIn.value.trim(), status: stSel.value });
    } },
  toolbar(labelled(t("cust.search_label"), qIn),
    h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
    h("button", { type: "submit" }, t("search"))));

  const importBox = h("div", { class: "hidden" });
  const importBtn = h("button", { type: "button", class: "secondary",
    "aria-expanded": "false", onclick: () => {
      const open = importBox.classList.toggle("hidden") === false;
      importBtn.setAttribute("aria-expanded", String(open));
      if (open && !importBox.firstChild)
        importBox.append(importPanel("customers", IMPORT_COLUMNS, reload));
    } }, t("imp.open"));

  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.customers")),
      h("div", { class: "actions" },
        write ? h("a", { class: "button", href: "#/customers/new" },
          t("cust.new")) : null,
        csvLink("/api/v1/customers/export", { q, status }),
        write ? importBtn : null)),
    importBox, search,
    dataTable({ caption: t("nav.customers"), rows: list.items,
      columns: [
        { label: t("cust.number"), key: true, cell: (c) =>
          h("a", { href: `#/customers/${c.id}` }, c.number) },
        { label: t("cust.name"), cell: (c) => c.name },
        { label: t("cust.address"), cell: (c) => c.address || "–" },
        { label: t("cust.phone"), cell: (c) => c.phone || "–" },
        { label: t("cust.group"), cell: (c) => c.group || "–" },
        { label: t("a.status"), cell: (c) => badge(c.status) },
        { label: t("a.actions"), cell: (c) => h("div", { class: "actions" },
          h("a", { class: "button secondary small", href: `#/customers/${c.id}`,
            "aria-label": t("a.open_who", { who: c.name }) }, t("a.open")),
          write ? blockButton(c, reload) : null) },
      ] }),
    pager(list, (o) => ctx.go("customers", { q, status, offset: o })));
}

function customerForm(c, ctx) {
  const isNew = !c;
  const f = {
    number: input("number", { value: c ? c.number : "", required: isNew,
      readonly: !isNew, autocomplete: "off" }),
    name: input("name", { value: c ? c.name : "", required: true,
      maxlength: "200" }),
    address: h("textarea", { name: "address", rows: "2", maxlength: "300" },
      c ? c.address : ""),
    phone: input("phone", { type: "tel", value: c && c.phone || "",
      inputmode: "tel", pattern: "\\+?[0-9]{8,15}" }),
    email: input("email", { type: "email", value: c && c.email || "" }),
    group: input("group", { value: c && c.group || "" }),
  };
  const status = select("status", [["active", t("state.active")],
    ["inactive", t("state.inactive")]], c ? c.status : "active");
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, t(isNew ? "cust.new" : "cust.edit")),
    h("div", { class: "form-grid" },
      labelled(t("cust.number"), f.number, isNew ? t("cust.number_hint") :
        t("cust.number_fixed")),
      labelled(t("cust.name"), f.name),
      h("div", { class: "wide" }, labelled(t("cust.address"), f.address)),
      labelled(t("cust.phone"), f.phone, t("cust.phone_hint")),
      labelled(t("cust.email"), f.email),
      labelled(t("cust.group"), f.group, t("cust.group_hint")),
      isNew ? null : labelled(t("a.status"), status)),
    h("div", { class: "actions" }, save,
      h("a", { class: "button secondary", href: "#/customers" }, t("cancel"))),
    alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      // New: leave empty optional fields out.  Edit: an emptied field is
      // sent as null, which clears it.
      const body = { name: f.name.value.trim() };
      for (const k of ["address", "phone", "email", "group"]) {
        const v = value(f[k]);
        if (v !== undefined) body[k] = v;
        else if (!isNew) body[k] = k === "address" ? "" : null;
      }
      try {
        if (isNew) {
          body.number = value(f.number) || "";
          const made = await api.post("/api/v1/customers", body);
          toast(t("cust.created", { who: made.name }));
          ctx.go("customers", { q: made.number });
        } else {
          body.status = status.value;
          const saved = await api.patch(`/api/v1/customers/${c.id}`, body);
          showOk(form, t("a.saved"));
          toast(t("a.saved"));
          Object.assign(c, saved);
        }
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

async function customerExtras(c, ctx) {
  const [meters, tokens] = await Promise.all([
    api.get(`/api/v1/meters?customer_id=${c.id}&limit=50`),
    api.get(`/api/v1/customers/${c.id}/tokens?limit=10`)]);
  const lang = current();
  // Tokens carry litres or Wh; the customer's meters say which.
  const service = new Map(meters.items.map((m) => [m.id, m.service_type]));
  return [
    h("section", { class: "card" }, h("h2", {}, t("nav.meters")),
      dataTable({ caption: t("nav.meters"), rows: meters.items, columns: [
        { label: t("a.meter"), key: true, cell: (m) =>
          h("a", { href: `#/meters/${m.id}` }, m.number) },
        { label: t("meter.service"), cell: (m) => t("svc." + m.service_type) },
        { label: t("meter.tariff"), cell: (m) => m.tariff || "–" },
        { label: t("a.status"), cell: (m) => badge(m.status) },
      ] })),
    h("section", { class: "card" }, h("h2", {}, t("meter.tokens")),
      dataTable({ caption: t("meter.tokens"), rows: tokens.items, columns: [
        { label: t("a.when"), key: true, cell: (x) =>
          dateTime(x.issued_at, ctx.zone, lang) },
        { label: t("a.meter"), cell: (x) => x.meter_number },
        { label: t("pur.token"), cell: (x) => h("span", { class: "mono" },
          grouped(x.token)) },
        { label: t("pur.units"), num: true, cell: (x) => volume(x.units,
          service.get(x.meter_id) === "electricity" ? "Wh" : "litre") },
        { label: t("pur.total"), num: true, cell: (x) => rupiah(x.total) },
      ] })),
  ];
}

export async function customerView(view, [id], ctx) {
  if (id === "new") {
    if (!can(ctx.user, "customers.write")) throw new Error(t("a.forbidden"));
    clear(view, h("h1", {}, t("cust.new")), customerForm(null, ctx));
    view.querySelector("[name=number]").dataset.autofocus = "";
    return null;
  }
  const c = await api.get(`/api/v1/customers/${id}`);
  if (!c) throw new Error(t("a.not_found"));
  const write = can(ctx.user, "customers.write");
  const reload = () => ctx.go(`customers/${id}`);
  clear(view,
    h("p", {}, h("a", { href: "#/customers" }, "← " + t("nav.customers"))),
    h("div", { class: "head" },
      h("h1", {}, `${c.number} · ${c.name}`), badge(c.status),
      write ? blockButton(c, reload) : null),
    write ? customerForm(c, ctx) : h("dl", { class: "card" },
      h("dt", {}, t("cust.address")), h("dd", {}, c.address || "–"),
      h("dt", {}, t("cust.phone")), h("dd", {}, c.phone || "–"),
      h("dt", {}, t("cust.email")), h("dd", {}, c.email || "–"),
      h("dt", {}, t("cust.group")), h("dd", {}, c.group || "–")),
    await customerExtras(c, ctx));
  return null;
}
