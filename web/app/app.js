// The customer app: sign-in, the menu, routing by hash, and the live
// connection that brings tokens the moment they are issued.
import * as api from "/lib/api.js";
import { t, current, setLang } from "/lib/i18n.js";
import { h, clear, toast, field } from "/lib/ui.js";
import { Live } from "/lib/live.js";
import "./strings.js";
import { homeView } from "./home.js";
import { buyView, purchaseView } from "./buy.js";
import { historyView } from "./history.js";
import { settingsView } from "./settings.js";
import { chatView } from "./chat.js";
import { meterView } from "./meter.js";
import { billsView } from "./bills.js";

const view = document.getElementById("view");
const tabs = document.getElementById("tabs");
const ctx = { user: null, live: null, listeners: new Set(), cleanup: null };

const ROUTES = [
  ["home", /^$/, homeView],
  ["buy", /^buy(?:\/(\d+))?$/, buyView],
  ["buy", /^purchase\/(\d+)$/, purchaseView],
  ["history", /^history$/, historyView],
  ["chat", /^chat$/, chatView],
  ["settings", /^settings$/, settingsView],
  ["bills", /^bills$/, billsView],
  ["home", /^meter\/(\d+)(?:\?purchase=(\d+))?$/, meterView],
];

export function go(path) {
  location.hash = "#/" + path;
}
ctx.go = go;

// Pushed notices reach whichever view listens (a purchase waiting for
// its token); every token also shows as a notice.
ctx.onPush = (fn) => {
  ctx.listeners.add(fn);
  return () => ctx.listeners.delete(fn);
};

function startLive() {
  ctx.live = new Live();
  ctx.live.on("push", (m) => {
    const d = m.data || {};
    if (d.kind === "token" || d.kind === "low_balance")
      toast(d.text || d.subject || "");
    for (const fn of ctx.listeners) fn(d);
  });
  ctx.live.connect();
}

function menu(active) {
  clear(tabs, ["home", "buy", "history", "bills", "chat", "settings"].map((k) =>
    h("button", { type: "button", "aria-current": k === active ? "page" :
      undefined, onclick: () => go(k === "home" ? "" : k) }, t("nav." + k))));
  tabs.classList.remove("hidden");
}

async function route() {
  if (ctx.cleanup) { ctx.cleanup(); ctx.cleanup = null; }
  if (!ctx.user) return loginView();
  const path = location.hash.replace(/^#\/?/, "");
  for (const [tab, re, fn] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    menu(tab);
    clear(view, h("p", {}, t("loading")));
    try {
      ctx.cleanup = (await fn(view, m.slice(1), ctx)) || null;
    } catch (e) {
      if (e.status === 401) { ctx.user = null; return loginView(); }
      clear(view, h("p", { class: "bad", role: "alert" },
        `${t("error")}: ${e.message}`));
    }
    view.focus();
    return;
  }
  go("");
}

function loginView() {
  tabs.classList.add("hidden");
  document.getElementById("logout").classList.add("hidden");
  const email = h("input", { type: "email", autocomplete: "username",
    required: true });
  const password = h("input", { type: "password",
    autocomplete: "current-password", required: true });
  const msg = h("p", { role: "alert", class: "bad" });
  const form = h("form", { class: "card", onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    try {
      const user = await api.login(email.value.trim(), password.value);
      if (user.role !== "customer") {
        clear(msg, t("login.staff"), " ", h("a", { href: "/admin/" },
          "/admin/"));
        return;
      }
      await signedIn(user);
    } catch (e) {
      msg.textContent = e.status === 401 || e.status === 422 ?
        t("bad_login") : `${t("error")}: ${e.message}`;
    }
  } },
  h("h1", {}, t("login.title")),
  field(t("email"), email), field(t("password"), password),
  h("button", { type: "submit" }, t("login")), msg);
  clear(view, form);
  email.focus();
}

async function signedIn(user) {
  ctx.user = user;
  document.getElementById("logout").classList.remove("hidden");
  if (!ctx.live) startLive();
  // Back from a provider's page (?order=...): show that purchase.
  const order = new URLSearchParams(location.search).get("order");
  if (order) {
    history.replaceState(null, "", "/app/" + location.hash);
    const list = await api.get("/api/v1/purchases?limit=20")
      .catch(() => ({ items: [] }));
    const p = (list.items || []).find((x) => x.order_id === order);
    if (p) { go("purchase/" + p.id); return; }
  }
  await route();
}

async function start() {
  const lang = document.getElementById("lang");
  lang.value = current();
  lang.addEventListener("change", () => { setLang(lang.value); route(); });
  const out = document.getElementById("logout");
  out.textContent = t("logout");
  out.addEventListener("click", async () => {
    await api.logout();
    if (ctx.live) { ctx.live.close(); ctx.live = null; }
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
  if ("serviceWorker" in navigator)
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" })
      .catch(() => {});
  let user = null;
  try { user = await api.me(); } catch { user = null; }
  if (user && user.role === "customer") await signedIn(user);
  else loginView();
}

start();
