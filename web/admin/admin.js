// The staff console: sign-in, the menu each role sees, routing by hash
// (#/customers?q=siti&offset=20, so the back button and a reload keep the
// place), and the live connection for the chat inbox.  The structure
// follows the customer app (web/app/app.js).
import * as api from "/lib/api.js";
import { t, current, setLang } from "/lib/i18n.js";
import { h, clear, field } from "/lib/ui.js";
import { Live } from "/lib/live.js";
import "./strings.js";
import { isStaff, screensFor, mayOpen } from "./roles.js";
import { dashboardView } from "./dashboard.js";
import { customersView, customerView } from "./customers.js";
import { metersView, meterView } from "./meters.js";
import { tariffsView, tariffView } from "./tariffs.js";
import { usersView, userView, keysView } from "./users.js";
import { purchasesView, purchaseView } from "./purchases.js";
import { reconciliationView, settlementView } from "./settlement.js";
import { counterView } from "./counter.js";
import { inboxView } from "./inbox.js";
import { notificationsView } from "./notifications.js";
import { auditView } from "./audit.js";

const view = document.getElementById("view");
const tabs = document.getElementById("tabs");
const ctx = { user: null, live: null, cleanup: null, query: null };

// [menu entry, path pattern, view]; the entry also decides who may open it.
const ROUTES = [
  ["dashboard", /^$/, dashboardView],
  ["customers", /^customers$/, customersView],
  ["customers", /^customers\/(new|\d+)$/, customerView],
  ["meters", /^meters$/, metersView],
  ["meters", /^meters\/(new|\d+)$/, meterView],
  ["tariffs", /^tariffs$/, tariffsView],
  ["tariffs", /^tariffs\/(new|\d+)$/, tariffView],
  ["counter", /^counter$/, counterView],
  ["payments", /^purchases$/, purchasesView],
  ["payments", /^purchases\/(\d+)$/, purchaseView],
  ["payments", /^reconciliation$/, reconciliationView],
  ["payments", /^settlement$/, settlementView],
  ["chat", /^chat(?:\/(\d+))?$/, inboxView],
  ["notifications", /^notifications$/, notificationsView],
  ["users", /^users$/, usersView],
  ["users", /^users\/(new|\d+)$/, userView],
  ["users", /^keys$/, keysView],
  ["audit", /^audit$/, auditView],
];

// Where each menu entry leads.
const HOME = { dashboard: "", payments: "purchases" };

// go("customers", {q: "siti"}) -> #/customers?q=siti
function go(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const qs = q.toString();
  const next = "#/" + path + (qs ? "?" + qs : "");
  if (location.hash === next) route();
  else location.hash = next;
}
ctx.go = go;

function menu(active) {
  clear(tabs, screensFor(ctx.user).map((k) => {
    const a = h("a", { href: "#/" + (HOME[k] ?? k),
      "aria-current": k === active ? "page" : undefined,
      dataset: { screen: k } }, t("nav." + k));
    if (k === "chat") a.append(h("span", { class: "count hidden",
      id: "chat-unread" }));
    return a;
  }));
  tabs.classList.remove("hidden");
  paintUnread();
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const i = raw.indexOf("?");
  return { path: i < 0 ? raw : raw.slice(0, i),
    query: new URLSearchParams(i < 0 ? "" : raw.slice(i + 1)) };
}

// Each view renders into a detached box that replaces the page only if no
// newer navigation started meanwhile, so a slow answer for a page already
// left never paints over the current one.  After the swap the focus goes
// to the view's first field marked data-autofocus, or to <main> so a
// screen reader starts reading the new page.
let routeGen = 0;

async function route() {
  const gen = ++routeGen;
  if (ctx.cleanup) { ctx.cleanup(); ctx.cleanup = null; }
  if (!ctx.user) return loginView();
  const { path, query } = parseHash();
  ctx.query = query;
  for (const [screen, re, fn] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    menu(screen);
    if (!mayOpen(ctx.user, screen)) {
      clear(view, h("h1", {}, t("a.forbidden")),
        h("p", { role: "alert" }, t("a.forbidden_text")));
      view.focus();
      return;
    }
    document.title = `${t("nav." + screen)} · HydroSync`;
    clear(view, h("p", { role: "status" }, t("loading")));
    const box = document.createDocumentFragment();
    try {
      const cleanup = (await fn(box, m.slice(1), ctx)) || null;
      if (gen !== routeGen) { if (cleanup) cleanup(); return; }
      ctx.cleanup = cleanup;
      clear(view, [...box.childNodes]);
    } catch (e) {
      if (gen !== routeGen) return;
      if (e.status === 401) { ctx.user = null; return loginView(); }
      clear(view, h("h1", {}, t("nav." + screen)),
        h("p", { class: "bad", role: "alert" }, `${t("error")}: ${e.message}`));
    }
    const first = view.querySelector("[data-autofocus]");
    (first || view).focus();
    return;
  }
  go("");
}

function loginView() {
  tabs.classList.add("hidden");
  document.getElementById("logout").classList.add("hidden");
  document.getElementById("who").classList.add("hidden");
  document.title = "HydroSync · " + t("a.console");
  const email = h("input", { type: "email", autocomplete: "username",
    required: true });
  const password = h("input", { type: "password",
    autocomplete: "current-password", required: true });
  const msg = h("p", { role: "alert", class: "bad" });
  const submit = h("button", { type: "submit" }, t("login"));
  const form = h("form", { class: "card login", onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    submit.disabled = true;
    try {
      const user = await api.login(email.value.trim(), password.value);
      if (!isStaff(user)) {
        clear(msg, t("a.customer_account"), " ",
          h("a", { href: "/app/" }, "/app/"));
        return;
      }
      await signedIn(user);
    } catch (e) {
      msg.textContent = e.status === 401 || e.status === 422 ?
        t("bad_login") : `${t("error")}: ${e.message}`;
    } finally {
      submit.disabled = false;
    }
  } },
  h("h1", {}, t("a.login_title")),
  field(t("email"), email), field(t("password"), password), submit, msg);
  clear(view, form);
  email.focus();
}

// The inbox list and the menu's unread count come from the same 'list'
// answer.  Anything that changes a count or an assignment asks for the
// list again, at most every 300 ms however many events arrive.
function startLive() {
  const live = ctx.live = new Live();
  let timer = null;
  ctx.chatList = () => {
    clearTimeout(timer);
    timer = setTimeout(() => live.send({ type: "list" }), 300);
  };
  const me = () => ctx.user && `user:${ctx.user.id}`;
  live.on("message", ctx.chatList);
  live.on("conversation", ctx.chatList);
  live.on("assigned", ctx.chatList);
  live.on("read", (m) => { if (m.reader === me()) ctx.chatList(); });
  live.on("resync", ctx.chatList);
  live.on("open", ctx.chatList);
  live.on("result", (m) => {
    if (m.of !== "list" || !m.data) return;
    ctx.unread = (m.data.items || []).reduce((s, c) => s + (c.unread || 0), 0);
    paintUnread();
  });
  live.connect();
  ctx.chatList();
}

function paintUnread() {
  const el = document.getElementById("chat-unread");
  if (!el) return;
  const n = ctx.unread || 0;
  clear(el, n > 0 ? [String(n), h("span", { class: "sr-only" },
    " " + t("chat.unread_sr"))] : null);
  el.classList.toggle("hidden", n === 0);
}

async function signedIn(user) {
  ctx.user = user;
  ctx.zone = user.timezone || "Asia/Jakarta";
  const who = document.getElementById("who");
  who.textContent = `${user.name || user.email} · ${t("role." + user.role)}` +
    (user.utility_name ? ` · ${user.utility_name}` : "");
  who.classList.remove("hidden");
  document.getElementById("logout").classList.remove("hidden");
  if (!ctx.live && mayOpen(user, "chat")) startLive();
  await route();
}

function applyLang() {
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("skip").textContent = t("a.skip");
  if (ctx.user) signedIn(ctx.user);
  else loginView();
}

async function start() {
  const lang = document.getElementById("lang");
  lang.value = current();
  lang.addEventListener("change", () => { setLang(lang.value); applyLang(); });
  document.getElementById("logout").addEventListener("click", async () => {
    try { await api.logout(); } catch { /* the session is gone either way */ }
    if (ctx.live) { ctx.live.close(); ctx.live = null; }
    ctx.unread = 0;
    if (ctx.cleanup) { ctx.cleanup(); ctx.cleanup = null; }
    ctx.user = null;
    loginView();
  });
  const net = document.getElementById("net");
  const online = () => {
    net.textContent = navigator.onLine ? "" : t("offline");
    net.classList.toggle("hidden", navigator.onLine);
  };
  addEventListener("online", online);
  addEventListener("offline", online);
  online();
  addEventListener("hashchange", route);
  // The skip link must not touch the hash: that is the router's.
  document.getElementById("skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    view.focus();
  });
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("skip").textContent = t("a.skip");
  let user = null;
  try { user = await api.me(); } catch { user = null; }
  if (isStaff(user)) await signedIn(user);
  else loginView();
}

start();
