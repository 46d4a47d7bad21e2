// Fills the landing page's status list from the server's own endpoints.
"use strict";

function show(id, text, ok) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = ok ? "ok" : "bad";
}

async function refresh() {
  try {
    const v = await (await fetch("/api/v1/version")).json();
    show("version", v.version + " (" + v.node + ")", true);
    show("server", "aktif / up", true);
  } catch (e) {
    show("server", "tidak terjangkau / unreachable", false);
  }
  try {
    const r = await (await fetch("/readyz")).json();
    show("database", r.checks.database === "ok" ? "ok" : r.checks.database,
      r.checks.database === "ok");
    show("plugins", r.checks.plugins, r.checks.plugins === "ok");
  } catch (e) {
    show("database", "?", false);
  }
}

refresh();
setInterval(refresh, 10000);
