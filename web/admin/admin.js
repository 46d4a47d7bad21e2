// The staff console: sign-in, the menu each role sees, routing by hash
// (#/customers?q=siti&offset=20, so the back button and a reload keep the
// place), and the live connection for the chat inbox.  The structure
// follows the customer app (web/app/app.js).  A technician's readings
// queue is started at sign-in, and the console's files are kept by a
// service worker (sw.js), so readings can be taken without a network,
// even after a reload.
import * as api from "/lib/api.js";
import { t, current, setLang } from "/lib/i18n.js";
import { h, clear, field } from "/lib/ui.js";
import { Live } from "/lib/live.js";
import "./strings.js";
import { isStaff, screensFor, mayOpen, can } from "./roles.js";
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
import { readingsView } from "./readings.js";
import { reviewView } from "./review.js";
import { billingView } from "./billing.js";
import { invoicesView, invoiceView } from "./invoices.js";
import { billCounterView } from "./billcounter.js";
import { billingReportView, fieldView } from "./billreport.js";
import { startQueue, stopQueue } from "./readqueue.js";

const view = document.getElementById("view");
const tabs = document.getElementById("tabs");
const ctx = { user: null, live: null, cleanup: null, query: null };

// [menu entry, path pattern, view, action]; the entry, and the action
// when there is one (roles.js), decide who may open it.  A screen reached
// from two menu entries lists both: the first the role has is lit.
const ROUTES = [
  ["dashboard", /^$/, dashboardView],
  ["customers", /^customers$/, customersView],
  ["customers", /^customers\/(new|\d+)$/, customerView],
  ["meters", /^meters$/, metersView],
  ["meters", /^meters\/(new|\d+)$/, meterView],
  ["meters", /^readings$/, readingsView, "readings.write"],
  ["meters", /^readings\/review$/, reviewView, "readings.review"],
  [["payments", "meters"], /^field$/, fieldView, "field.lists"],
  ["tariffs", /^tariffs$/, tariffsView],
  ["tariffs", /^tariffs\/(new|\d+)$/, tariffView],
  ["counter", /^counter$/, counterView],
  [["counter", "payments"], /^counter\/bills$/, billCounterView, "bills.pay"],
  ["payments", /^purchases$/, purchasesView],
  ["payments", /^purchases\/(\d+)$/, purchaseView],
  ["payments", /^reconciliation$/, reconciliationView],
  ["payments", /^settlement$/, settlementView],
  ["payments", /^invoices$/, invoicesView, "invoices.read"],
  ["payments", /^invoices\/(\d+)$/, invoiceView, "invoices.read"],
  ["payments", /^billing$/, billingView, "billing.read"],
  ["payments", /^billing\/report$/, billingReportView, "billing.report"],
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
  for (const [entries, re, fn, action] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    const all = [].concat(entries);
    const screen = all.find((e) => mayOpen(ctx.user, e)) || all[0];
    menu(screen);
    if (!mayOpen(ctx.user, screen) || (action && !can(ctx.user, action))) {
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
        h("p", { class: "bad", role: "alert" }, navigator.onLine ?
          `${t("error")}: ${e.message}` : t("a.offline_page")));
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

// The account last signed in here, for a start without a network (the
// readings queue works offline; the server checks the session again
// before anything is sent).
const ME = "hs.admin.me";

function rememberMe(user) {
  try {
    localStorage.setItem(ME, JSON.stringify({ id: user.id, role: user.role,
      name: user.name, email: user.email, timezone: user.timezone,
      utility_name: user.utility_name }));
  } catch { /* only the offline start needs it */ }
}

function remembered() {
  try { return JSON.parse(localStorage.getItem(ME)); } catch { return null; }
}

async function signedIn(user) {
  ctx.user = user;
  if (!ctx.offline) rememberMe(user);
  if (can(user, "readings.write")) startQueue(user, { offline: ctx.offline });
  // Without a network a technician starts where the work can go on.
  if (ctx.offline && can(user, "readings.write") &&
      parseHash().path === "")
    history.replaceState(null, "", "#/readings");
  ctx.zone = user.timezone || "Asia/Jakarta";
  const who = document.getElementById("who");
  who.textContent = `${user.name || user.email} · ${t("role." + user.role)}` +
    (user.utility_name ? ` · ${user.utility_name}` : "");
  who.classList.remove("hidden");
  document.getElementById("logout").classList.remove("hidden");
  if (!ctx.live && !ctx.offline && mayOpen(user, "chat")) startLive();
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
    // Readings not yet sent stay on the device for the next sign-in.
    stopQueue();
    localStorage.removeItem(ME);
    ctx.user = null;
    ctx.offline = false;
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
  // Started without a network: once back, is the session still valid?
  addEventListener("online", async () => {
    if (!ctx.offline || !ctx.user) return;
    try {
      const u = await api.me();
      ctx.offline = false;
      if (!u) {
        stopQueue();
        ctx.user = null;
        loginView();
      } else if (!ctx.live && mayOpen(u, "chat")) startLive();
    } catch { /* still unreachable: try at the next "online" */ }
  });
  if ("serviceWorker" in navigator && navigator.onLine)
    navigator.serviceWorker.register("/admin/sw.js", { scope: "/admin/" })
      .catch(() => { /* the console works without it, online */ });
  addEventListener("hashchange", route);
  // The skip link must not touch the hash: that is the router's.
  document.getElementById("skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    view.focus();
  });
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("skip").textContent = t("a.skip");
  // Without a network the server cannot be asked who is signed in: the
  // account last signed in here carries on (nothing reaches the server
  // before the session is checked again).
  let user = null;
  const mine = remembered();
  if (!navigator.onLine && mine) {
    user = mine;
    ctx.offline = true;
  } else {
    try { user = await api.me(); } catch (e) {
      if (!(e instanceof api.ApiError) && mine) {
        user = mine;
        ctx.offline = true;
      }
    }
    if (user === null) localStorage.removeItem(ME);
  }
  if (isStaff(user)) await signedIn(user);
  else loginView();
}

start();
