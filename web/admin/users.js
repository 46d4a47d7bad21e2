// Accounts and API keys (administrators only).  Changing a role or
// disabling an account ends that person's sessions, so both are explicit
// buttons.  An API key's secret is shown once, in the reply that made it;
// the server keeps only its hash.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { labelled, input, select, checkbox, alertLine, showError, busy,
  value } from "./form.js";
import { dataTable, pager, badge, toolbar } from "./table.js";

const LIMIT = 20;
const ROLES = ["admin", "operator", "cashier", "technician", "customer"];
const PERMISSIONS = ["customers:read", "customers:write", "meters:read",
  "meters:write", "tariffs:read"];

function subnav(active) {
  return h("nav", { class: "sub", "aria-label": t("nav.users") },
    [["users", "usr.accounts"], ["keys", "key.title"]].map(([p, k]) =>
      h("a", { href: "#/" + p, "aria-current": p === active ? "page" :
        undefined }, t(k))));
}

function roleOptions() {
  return ROLES.map((r) => [r, t("role." + r)]);
}

// Role and status changes from the list: a select and its own button,
// so choosing in the select changes nothing by itself.
function roleChanger(u, me, after) {
  const sel = select(`role-${u.id}`, roleOptions(), u.role, {
    "aria-label": t("usr.role_of", { who: u.email }) });
  const apply = h("button", { type: "button", class: "secondary small" },
    t("usr.change_role"));
  apply.addEventListener("click", () => busy(apply, async () => {
    if (sel.value === u.role) return;
    try {
      await api.patch(`/api/v1/users/${u.id}`, { role: sel.value });
      toast(t("usr.role_changed", { who: u.email,
        role: t("role." + sel.value) }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  }));
  if (u.id === me.id) return h("span", {}, t("role." + u.role));
  return h("div", { class: "actions" }, sel, apply);
}

function statusButton(u, me, after) {
  if (u.id === me.id) return null;
  const disabled = u.status === "disabled";
  const b = h("button", { type: "button", class: disabled ? "secondary small" :
    "danger small", "aria-label": t(disabled ? "usr.enable_who" :
    "usr.disable_who", { who: u.email }) },
  t(disabled ? "usr.enable" : "usr.disable"));
  b.addEventListener("click", () => busy(b, async () => {
    try {
      await api.patch(`/api/v1/users/${u.id}`,
        { status: disabled ? "active" : "disabled" });
      toast(t(disabled ? "usr.enabled" : "usr.disabled", { who: u.email }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  }));
  return b;
}

export async function usersView(view, params, ctx) {
  const q = ctx.query.get("q") || "", role = ctx.query.get("role") || "";
  const status = ctx.query.get("status") || "";
  const offset = Number(ctx.query.get("offset")) || 0;
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (q) qs.set("q", q);
  if (role) qs.set("role", role);
  if (status) qs.set("status", status);
  const list = await api.get(`/api/v1/users?${qs}`);
  const reload = () => ctx.go("users", { q, role, status, offset });
  const qIn = input("q", { type: "search", value: q });
  const roleSel = select("role", [["", t("a.all")]].concat(roleOptions()),
    role);
  const stSel = select("status", [["", t("a.all")], ["active",
    t("state.active")], ["disabled", t("state.disabled")]], status);
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.users")),
      h("a", { class: "button", href: "#/users/new" }, t("usr.new"))),
    subnav("users"),
    h("form", { role: "search", "aria-label": t("usr.search"),
      onsubmit: (ev) => {
        ev.preventDefault();
        ctx.go("users", { q: qIn.value.trim(), role: roleSel.value,
          status: stSel.value });
      } },
    toolbar(labelled(t("usr.search_label"), qIn),
      h("div", { class: "field narrow" }, labelled(t("usr.role"), roleSel)),
      h("div", { class: "field narrow" }, labelled(t("a.status"), stSel)),
      h("button", { type: "submit" }, t("search")))),
    dataTable({ caption: t("usr.accounts"), rows: list.items, columns: [
      { label: t("email"), key: true, cell: (u) =>
        h("a", { href: `#/users/${u.id}` }, u.email) },
      { label: t("usr.name"), cell: (u) => u.name },
      { label: t("usr.role"), cell: (u) => roleChanger(u, ctx.user, reload) },
      { label: t("usr.customer"), cell: (u) => u.customer_number || "–" },
      { label: t("a.status"), cell: (u) => badge(u.status) },
      { label: t("a.actions"), cell: (u) => statusButton(u, ctx.user, reload) },
    ] }),
    pager(list, (o) => ctx.go("users", { q, role, status, offset: o })));
}

function newUserForm(ctx) {
  const f = {
    email: input("email", { type: "email", required: true,
      autocomplete: "off" }),
    name: input("name", { required: true }),
    role: select("role", roleOptions(), "operator"),
    customer: input("customer_number", { autocomplete: "off" }),
    password: input("password", { type: "password", required: true,
      autocomplete: "new-password", minlength: "12" }),
  };
  const custBox = labelled(t("usr.customer_number"), f.customer,
    t("usr.customer_hint"));
  custBox.classList.add("hidden");
  f.role.addEventListener("change", () =>
    custBox.classList.toggle("hidden", f.role.value !== "customer"));
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "form-grid" },
      labelled(t("email"), f.email), labelled(t("usr.name"), f.name),
      labelled(t("usr.role"), f.role), custBox,
      labelled(t("usr.password"), f.password, t("usr.password_hint"))),
    h("div", { class: "actions" }, save,
      h("a", { class: "button secondary", href: "#/users" }, t("cancel"))),
    alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const body = { email: f.email.value.trim(), name: f.name.value.trim(),
        role: f.role.value, password: f.password.value };
      if (f.role.value === "customer" && value(f.customer))
        body.customer_number = value(f.customer);
      try {
        const u = await api.post("/api/v1/users", body);
        toast(t("usr.created", { who: u.email }));
        ctx.go("users", { q: u.email });
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

function editUserForm(u, ctx) {
  const name = input("name", { value: u.name, required: true });
  const role = select("role", roleOptions(), u.role);
  const status = select("status", [["active", t("state.active")],
    ["disabled", t("state.disabled")]], u.status);
  const self = u.id === ctx.user.id;
  if (self) { role.disabled = true; status.disabled = true; }
  const save = h("button", { type: "submit" }, t("save"));
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "form-grid" },
      labelled(t("usr.name"), name),
      labelled(t("usr.role"), role, self ? t("usr.self") :
        t("usr.sessions_end")),
      labelled(t("a.status"), status)),
    save, alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const body = {};
      if (name.value.trim() !== u.name) body.name = name.value.trim();
      if (!self && role.value !== u.role) body.role = role.value;
      if (!self && status.value !== u.status) body.status = status.value;
      if (Object.keys(body).length === 0) return;
      try {
        await api.patch(`/api/v1/users/${u.id}`, body);
        toast(t("a.saved"));
        ctx.go("users");
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

export async function userView(view, [id], ctx) {
  const back = h("p", {}, h("a", { href: "#/users" }, "← " + t("nav.users")));
  if (id === "new") {
    clear(view, back, h("h1", {}, t("usr.new")), newUserForm(ctx));
    view.querySelector("[name=email]").dataset.autofocus = "";
    return null;
  }
  const u = await api.get(`/api/v1/users/${id}`);
  if (!u) throw new Error(t("a.not_found"));
  clear(view, back, h("div", { class: "head" }, h("h1", {}, u.email),
    badge(u.status)),
  h("p", { class: "muted" }, t("usr.since", { when: dateTime(u.created_at,
    ctx.zone, current()) })),
  editUserForm(u, ctx));
  return null;
}

// ------------------------------------------------------------- API keys

function keyForm(onMade) {
  const name = input("name", { required: true, maxlength: "100",
    autocomplete: "off" });
  const boxes = PERMISSIONS.map((p) => checkbox("permissions", p,
    p.endsWith(":read")));
  boxes.forEach((b, i) => { b.input.value = PERMISSIONS[i]; });
  const save = h("button", { type: "submit" }, t("key.create"));
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, t("key.new")),
    labelled(t("key.name"), name, t("key.name_hint")),
    h("fieldset", {}, h("legend", {}, t("key.permissions")),
      boxes.map((b) => b.el)),
    save, alertLine());
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      const permissions = boxes.filter((b) => b.input.checked)
        .map((b) => b.input.value);
      try {
        const k = await api.post("/api/v1/api-keys", { name: name.value.trim(),
          permissions });
        onMade(k);
      } catch (e) { showError(form, e); }
    });
  });
  return form;
}

// The one time the full key exists outside the caller's hands.
function secretBox(k) {
  const secret = k.key || "";
  const copy = h("button", { type: "button", class: "secondary",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(secret);
        toast(t("key.copied"));
      } catch { /* the key stays on screen to copy by hand */ }
    } }, t("key.copy"));
  return h("section", { class: "card", role: "alert", dataset: { secret: "" } },
    h("h2", {}, t("key.made", { name: k.name })),
    h("p", { class: "warn" }, t("key.once")),
    h("p", { class: "secret", dataset: { key: secret } }, secret),
    copy);
}

function revokeControl(k, after) {
  if (k.revoked_at) return null;
  const reason = input(`reason-${k.id}`, { "aria-label":
    t("key.reason_for", { name: k.name }), placeholder: t("key.reason"),
    maxlength: "500" });
  const b = h("button", { type: "button", class: "danger small" },
    t("key.revoke"));
  b.addEventListener("click", () => busy(b, async () => {
    const why = reason.value.trim();
    if (!why) {
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      toast(t("key.reason_needed"), "bad");
      return;
    }
    try {
      await api.post(`/api/v1/api-keys/${k.id}/revoke`, { reason: why });
      toast(t("key.revoked", { name: k.name }));
      after();
    } catch (e) { toast(`${t("a.failed")}: ${e.message}`, "bad"); }
  }));
  return h("div", { class: "actions" }, reason, b);
}

export async function keysView(view, params, ctx) {
  const list = await api.get("/api/v1/api-keys?limit=100");
  const lang = current();
  const made = h("div", { "aria-live": "polite" });
  const reload = () => ctx.go("keys");
  clear(view,
    h("h1", {}, t("key.title")), subnav("keys"), made,
    keyForm((k) => {
      clear(made, secretBox(k));
      made.querySelector("button").focus();
      // The list below refreshes without losing the secret above it.
      api.get("/api/v1/api-keys?limit=100").then((l) =>
        clear(table, keyTable(l, lang, ctx, reload))).catch(() => {});
    }),
    h("h2", {}, t("key.list")));
  const table = h("div", {}, keyTable(list, lang, ctx, reload));
  view.append(table);
  return null;
}

function keyTable(list, lang, ctx, reload) {
  return dataTable({ caption: t("key.list"), rows: list.items, columns: [
    { label: t("key.name"), key: true, cell: (k) => k.name },
    { label: t("key.prefix"), cell: (k) => h("span", { class: "mono" },
      `hsk_${k.prefix}_…`) },
    { label: t("key.permissions"),
      cell: (k) => (k.permissions || []).join(", ") },
    { label: t("key.created"), cell: (k) => dateTime(k.created_at, ctx.zone,
      lang) },
    { label: t("key.last_used"), cell: (k) => dateTime(k.last_used_at,
      ctx.zone, lang) },
    { label: t("a.status"), cell: (k) => k.revoked_at ? [badge("revoked"),
      k.revoked_reason ? h("small", {}, " " + k.revoked_reason) : null] :
      badge("active") },
    { label: t("a.actions"), cell: (k) => revokeControl(k, reload) },
  ] });
}
