// Tariffs: groups (AIR-R1, …) and their dated versions.  A version is a
// set of progressive blocks plus charges and rates; a new one starts on
// its date, and older bills keep the version they used, so versions are
// only ever added.  Blocks are stored in litres or Wh with a price per m³
// or kWh; staff type m³ or kWh.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { rupiah } from "/lib/format.js";
import { can } from "./roles.js";
import { labelled, input, select, alertLine, showError, busy } from "./form.js";
import { dataTable } from "./table.js";

const unitName = (service) => (service === "electricity" ? "kWh" : "m³");

function thousandths(v) {
  return (v / 1000).toLocaleString("id-ID", { maximumFractionDigits: 3 });
}

function percent(bp) {
  return (Number(bp) / 100).toLocaleString("id-ID",
    { maximumFractionDigits: 2 }) + "%";
}

// The version in force today: the latest that has started.
function inForce(versions) {
  const today = new Date().toISOString().slice(0, 10);
  return versions.filter((v) => v.valid_from <= today).pop() || null;
}

export async function tariffsView(view, params, ctx) {
  const r = await api.get("/api/v1/tariffs?limit=100");
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.tariffs")),
      can(ctx.user, "tariffs.write") ? h("a", { class: "button",
        href: "#/tariffs/new" }, t("tar.new")) : null),
    dataTable({ caption: t("nav.tariffs"), rows: r.items, columns: [
      { label: t("tar.code"), key: true, cell: (g) =>
        h("a", { href: `#/tariffs/${g.id}` }, g.code) },
      { label: t("tar.name"), cell: (g) => g.name },
      { label: t("meter.service"), cell: (g) => t("svc." + g.service_type) },
      { label: t("tar.in_force"), cell: (g) => {
        const v = inForce(g.versions || []);
        return v ? v.valid_from : "–";
      } },
      { label: t("tar.versions"), num: true,
        cell: (g) => String((g.versions || []).length) },
    ] }));
}

function blocksTable(v, service) {
  let from = 0;
  return dataTable({ caption: t("tar.blocks"), rows: v.blocks, columns: [
    { label: t("tar.block"), key: true, cell: (b) =>
      String(v.blocks.indexOf(b) + 1) },
    { label: t("tar.range", { unit: unitName(service) }), cell: (b) => {
      const s = b.upto === null ? `> ${thousandths(from)}` :
        `${thousandths(from)}–${thousandths(b.upto)}`;
      if (b.upto !== null) from = b.upto;
      return s;
    } },
    { label: t("tar.price", { unit: unitName(service) }), num: true,
      cell: (b) => rupiah(b.price) },
  ] });
}

function versionCard(v, service) {
  const row = (k, val) => [h("dt", {}, k), h("dd", {}, val)];
  return h("section", { class: "card", dataset: { version: v.valid_from } },
    h("h3", {}, t("tar.from", { date: v.valid_from })),
    blocksTable(v, service),
    h("dl", {},
      row(t("tar.fixed_monthly"), rupiah(v.fixed_monthly)),
      row(t("tar.minimum_charge"), rupiah(v.minimum_charge)),
      row(t("tar.admin_fee"), rupiah(v.admin_fee)),
      row(t("tar.tax"), percent(v.tax_bp)),
      row(t("tar.penalty"), percent(v.late_penalty_bp))));
}

// One editable block row; the names are the server's field names, so an
// error about "blocks[2].price" lands on that input.
function blockRow(i, b, service, remove) {
  const upto = input(`blocks[${i}].upto`, { inputmode: "decimal",
    value: b && b.upto !== null && b.upto !== undefined ?
      String(b.upto / 1000) : "",
    "aria-label": t("tar.upto_row", { n: i + 1, unit: unitName(service) }) });
  const price = input(`blocks[${i}].price`, { inputmode: "numeric",
    value: b ? String(b.price) : "",
    "aria-label": t("tar.price_row", { n: i + 1, unit: unitName(service) }) });
  const del = h("button", { type: "button", class: "secondary small",
    "aria-label": t("tar.remove_row", { n: i + 1 }), onclick: remove },
  t("tar.remove"));
  for (const el of [upto, price]) {
    el.id = el.name.replace(/[^a-z0-9]/gi, "-");
    el.setAttribute("aria-describedby", el.id + "-err");
  }
  return h("tr", {}, h("th", { scope: "row" }, String(i + 1)),
    h("td", {}, upto, h("p", { class: "field-error", id: upto.id + "-err",
      hidden: true })),
    h("td", {}, price, h("p", { class: "field-error", id: price.id + "-err",
      hidden: true })),
    h("td", {}, del));
}

function versionForm(g, after) {
  const last = (g.versions || []).slice(-1)[0];
  let blocks = last ? last.blocks.map((b) => ({ ...b })) :
    [{ upto: null, price: 0 }];
  const tbody = h("tbody");
  const read = () => [...tbody.querySelectorAll("tr")].map((tr) => {
    const [u, p] = tr.querySelectorAll("input");
    return { upto: u.value.trim(), price: p.value.trim() };
  });
  const draw = () => {
    tbody.replaceChildren(...blocks.map((b, i) => blockRow(i, b, g.service_type,
      () => {
        blocks = read().map(fromText);
        blocks.splice(i, 1);
        if (blocks.length === 0) blocks.push({ upto: null, price: 0 });
        draw();
      })));
  };
  const fromText = (x) => ({
    upto: x.upto === "" ? null : Math.round(Number(x.upto.replace(",", ".")) *
      1000),
    price: x.price === "" ? NaN : Number(x.price) });
  draw();
  const num = (name, v) => input(name, { inputmode: "numeric",
    value: String(v ?? 0) });
  const f = {
    from: input("valid_from", { type: "date", required: true }),
    fixed: num("fixed_monthly", last && last.fixed_monthly),
    minimum: num("minimum_charge", last && last.minimum_charge),
    admin: num("admin_fee", last && last.admin_fee),
    tax: input("tax_bp", { inputmode: "decimal",
      value: String((last ? last.tax_bp : 0) / 100) }),
    penalty: input("late_penalty_bp", { inputmode: "decimal",
      value: String((last ? last.late_penalty_bp : 0) / 100) }),
  };
  const save = h("button", { type: "submit" }, t("tar.add_version"));
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("tar.add_version")),
    labelled(t("tar.valid_from"), f.from, t("tar.valid_from_hint")),
    h("fieldset", {}, h("legend", {}, t("tar.blocks")),
      h("p", { class: "muted" }, t("tar.blocks_hint",
        { unit: unitName(g.service_type) })),
      h("div", { class: "scroll" }, h("table", { class: "blocks" },
        h("caption", { class: "sr-only" }, t("tar.blocks")),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, t("tar.block")),
          h("th", { scope: "col" }, t("tar.upto",
            { unit: unitName(g.service_type) })),
          h("th", { scope: "col" }, t("tar.price",
            { unit: unitName(g.service_type) })),
          h("th", { scope: "col" }, h("span", { class: "sr-only" },
            t("a.actions"))))),
        tbody)),
      h("button", { type: "button", class: "secondary small", onclick: () => {
        blocks = read().map(fromText);
        blocks.push({ upto: null, price: blocks.slice(-1)[0].price || 0 });
        draw();
        tbody.querySelector("tr:last-child input").focus();
      } }, t("tar.add_block"))),
    h("div", { class: "form-grid" },
      labelled(t("tar.fixed_monthly"), f.fixed),
      labelled(t("tar.minimum_charge"), f.minimum),
      labelled(t("tar.admin_fee"), f.admin),
      labelled(t("tar.tax_pct"), f.tax),
      labelled(t("tar.penalty_pct"), f.penalty)),
    save, alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const pct = (el) => Math.round(Number(el.value.replace(",", ".")) * 100);
      const body = {
        valid_from: f.from.value,
        blocks: read().map(fromText),
        fixed_monthly: Number(f.fixed.value), minimum_charge:
          Number(f.minimum.value), admin_fee: Number(f.admin.value),
        tax_bp: pct(f.tax), late_penalty_bp: pct(f.penalty),
      };
      try {
        await api.post(`/api/v1/tariffs/${g.id}/versions`, body);
        toast(t("tar.version_added", { date: body.valid_from }));
        after();
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

function groupForm(ctx) {
  const code = input("code", { required: true, pattern: "[A-Za-z0-9._-]{1,32}",
    autocomplete: "off" });
  const name = input("name", { required: true });
  const service = select("service_type", [["water", t("svc.water")],
    ["electricity", t("svc.electricity")]], "water");
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "form-grid" },
      labelled(t("tar.code"), code, t("tar.code_hint")),
      labelled(t("tar.name"), name), labelled(t("meter.service"), service)),
    save, alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      try {
        const g = await api.post("/api/v1/tariffs", { code: code.value.trim(),
          name: name.value.trim(), service_type: service.value });
        toast(t("a.saved"));
        ctx.go(`tariffs/${g.id}`);
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

export async function tariffView(view, [id], ctx) {
  const back = h("p", {},
    h("a", { href: "#/tariffs" }, "← " + t("nav.tariffs")));
  if (id === "new") {
    if (!can(ctx.user, "tariffs.write")) throw new Error(t("a.forbidden"));
    clear(view, back, h("h1", {}, t("tar.new")), groupForm(ctx));
    return null;
  }
  const g = await api.get(`/api/v1/tariffs/${id}`);
  if (!g) throw new Error(t("a.not_found"));
  const versions = (g.versions || []).slice().reverse();
  clear(view, back,
    h("h1", {}, `${g.code} · ${g.name}`),
    h("p", {}, t("svc." + g.service_type)),
    h("h2", {}, t("tar.versions")),
    versions.length ? versions.map((v) => versionCard(v, g.service_type)) :
      h("p", { class: "muted" }, t("none")),
    can(ctx.user, "tariffs.write") ? versionForm(g,
      () => ctx.go(`tariffs/${id}`)) : null);
  return null;
}
