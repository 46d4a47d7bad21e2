// The app shell offline: pages and scripts from the cache first (then
// refreshed in the background), the API and the live socket always from
// the network.  A new version takes over at the next start.
const CACHE = "hydrosync-app-v3";
const SHELL = [
  "/app/", "/app/index.html", "/app/app.js", "/app/home.js", "/app/buy.js",
  "/app/history.js", "/app/settings.js", "/app/chat.js", "/app/meter.js",
  "/app/strings.js", "/app/bills.js", "/app/invoice.html", "/app/invoice.js",
  "/app/print.css", "/app/receipt.html", "/app/receipt.js",
  "/app/manifest.webmanifest", "/app/icon.svg",
  "/style.css", "/lib/api.js", "/lib/i18n.js", "/lib/format.js",
  "/lib/ui.js", "/lib/live.js", "/lib/ble.js",
];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((k) => k.startsWith("hydrosync-app-") && k !== CACHE)
    .map((k) => caches.delete(k)))));	/* the console keeps its own */
});

self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== location.origin ||
      url.pathname.startsWith("/api/") || url.pathname === "/ws")
    return;
  ev.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(ev.request, { ignoreSearch: true });
    const fresh = fetch(ev.request).then((res) => {
      if (res.ok) cache.put(ev.request, res.clone());
      return res;
    }).catch(() => hit);
    return hit || fresh;
  }));
});
