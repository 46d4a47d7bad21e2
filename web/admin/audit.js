// The audit log, newest first, paged by sequence number (?before=N), with
// what each change looked like before and after.  "Verify" asks the
// server to walk the whole hash chain: every row in sequence, each linked
// to the one before, each hash over its own content.  A broken chain
// means a row was changed or removed behind the application's back.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { dataTable, csvLink, badge } from "./table.js";

const LIMIT = 50;

function change(a) {
  if (!a.before && !a.after) return "–";
  return h("details", {}, h("summary", {}, t("aud.show")),
    a.before ? [h("p", {}, h("strong", {}, t("aud.before"))),
      h("pre", { class: "json" }, JSON.stringify(a.before, null, 2))] : null,
    a.after ? [h("p", {}, h("strong", {}, t("aud.after"))),
      h("pre", { class: "json" }, JSON.stringify(a.after, null, 2))] : null);
}

function verifyButton(out) {
  const b = h("button", { type: "button" }, t("aud.verify"));
  b.addEventListener("click", async () => {
    b.disabled = true;
    clear(out, t("aud.verifying"));
    try {
      const r = await api.get("/api/v1/audit/verify");
      clear(out, r.intact ?
        [badge("intact", t("aud.intact")), " ",
          t("aud.intact_rows", { n: r.rows })] :
        [badge("broken", t("aud.broken")), " ",
          t("aud.broken_at", { row: r.row, reason: r.reason })]);
      out.dataset.intact = String(Boolean(r.intact));
    } catch (e) {
      clear(out, h("span", { class: "bad" }, `${t("a.failed")}: ${e.message}`));
    }
    b.disabled = false;
  });
  return b;
}

export async function auditView(view, params, ctx) {
  const before = ctx.query.get("before") || "";
  const qs = new URLSearchParams({ limit: LIMIT });
  if (before) qs.set("before", before);
  const list = await api.get(`/api/v1/audit?${qs}`);
  const items = list.items || [];
  const lang = current();
  const out = h("p", { role: "status", class: "verify",
    "aria-live": "polite" });
  const last = items.length ? items[items.length - 1].seq : null;
  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("nav.audit")),
      h("div", { class: "actions" }, verifyButton(out),
        csvLink("/api/v1/audit/export", {}))),
    out,
    dataTable({ caption: t("nav.audit"), rows: items, columns: [
      { label: "#", key: true, num: true, cell: (a) => String(a.seq) },
      { label: t("a.when"), cell: (a) => dateTime(a.ts, ctx.zone, lang) },
      { label: t("aud.actor"), cell: (a) => a.actor },
      { label: t("aud.action"), cell: (a) => a.action },
      { label: t("aud.object"), cell: (a) => `${a.object_type}` +
        (a.object_id ? ` #${a.object_id}` : "") },
      { label: t("aud.change"), cell: change },
      { label: t("aud.hash"), cell: (a) => h("span", { class: "mono",
        title: a.hash }, String(a.hash).slice(0, 12) + "…") },
    ] }),
    h("nav", { class: "pager", "aria-label": t("a.pages") },
      before ? h("a", { class: "button secondary", href: "#/audit" },
        t("aud.newest")) : null,
      items.length === LIMIT && last > 1 ? h("a", { class: "button secondary",
        href: `#/audit?before=${last}` }, t("aud.older")) : null));
  return null;
}
