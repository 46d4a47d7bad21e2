// The staff console offline, for the meter reader in the field: its
// pages, scripts and styles are kept here so the console opens without a
// network (the readings queue lives in localStorage; readqueue.js).
// Network first, the copy only when the network fails, so staff always
// run the newest console when online.  The API and the live socket are
// never touched: their answers are the server's, now or not at all.
const CACHE = "hydrosync-admin-v1";
const SHELL = [
  "/admin/", "/admin/index.html", "/admin/admin.css", "/admin/admin.js",
  "/admin/audit.js", "/admin/billcounter.js", "/admin/billing.js",
  "/admin/billkit.js", "/admin/billreport.js", "/admin/chart.js",
  "/admin/counter.js", "/admin/csvimport.js", "/admin/customers.js",
  "/admin/dashboard.js", "/admin/form.js", "/admin/inbox.js",
  "/admin/invoices.js", "/admin/meters.js", "/admin/notifications.js",
  "/admin/purchases.js", "/admin/readings.js", "/admin/readqueue.js",
  "/admin/review.js", "/admin/roles.js", "/admin/settlement.js",
  "/admin/strings.js", "/admin/table.js", "/admin/tariffs.js",
  "/admin/users.js", "/style.css", "/lib/api.js", "/lib/i18n.js",
  "/lib/format.js", "/lib/ui.js", "/lib/live.js", "/lib/chatui.js",
  "/app/icon.svg",
];

// Each file on its own: one missing file must not leave the rest out.
self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => Promise.all(SHELL.map((u) =>
    c.add(u).catch(() => null)))).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((k) => k.startsWith("hydrosync-admin-") && k !== CACHE)
    .map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== location.origin ||
      url.pathname.startsWith("/api/") || url.pathname === "/ws" ||
      !/^\/(admin|lib)\/|^\/style\.css$|^\/app\/icon\.svg$/.test(url.pathname))
    return;
  ev.respondWith(fetch(ev.request).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(ev.request, copy));
    }
    return res;
  }).catch(async () => {
    const hit = await caches.match(ev.request, { ignoreSearch: true });
    if (hit) return hit;
    // A page of the console (any hash) is its index.
    if (ev.request.mode === "navigate")
      return (await caches.match("/admin/")) ||
        (await caches.match("/admin/index.html")) || Response.error();
    return Response.error();
  }));
});
