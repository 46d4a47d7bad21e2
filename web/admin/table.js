// Lists in the console: tables with proper headers, paging over the API's
// limit/offset, CSV links, and state badges.  Every list screen is built
// from these, so they all read and behave alike.
import { t } from "/lib/i18n.js";
import { h } from "/lib/ui.js";

// columns: [{ label, cell(row) -> node or text, num?, key? }]; the column
// marked key heads its row (th scope=row), so a screen reader names the
// row by it.  The caption names the table for screen readers; the heading
// above it already does for the eye.
export function dataTable({ caption, columns, rows, empty }) {
  if (!rows || rows.length === 0)
    return h("p", { class: "muted empty" }, empty || t("none"));
  const cls = (c) => (c.num ? "num" : undefined);
  return h("div", { class: "scroll" }, h("table", {},
    h("caption", { class: "sr-only" }, caption || ""),
    h("thead", {}, h("tr", {}, columns.map((c) =>
      h("th", { scope: "col", class: cls(c) }, c.label)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) =>
      h(c.key ? "th" : "td", { scope: c.key ? "row" : undefined,
        class: cls(c) }, c.cell(r))))))));
}

// "21–40 of 57" with previous and next; onPage(offset).
export function pager({ total = 0, limit = 20, offset = 0 }, onPage) {
  if (total === 0 && offset === 0) return null;
  if (total <= limit && offset === 0)
    return h("p", { class: "muted pager-count" }, t("a.count", { n: total }));
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return h("nav", { class: "pager", "aria-label": t("a.pages") },
    h("button", { type: "button", class: "secondary",
      disabled: offset <= 0,
      onclick: () => onPage(Math.max(0, offset - limit)) },
    t("previous")),
    h("span", { role: "status" }, t("a.range", { from, to, total })),
    h("button", { type: "button", class: "secondary",
      disabled: offset + limit >= total,
      onclick: () => onPage(offset + limit) },
    t("next")));
}

// A same-origin download: the session cookie goes with it and the server
// names the file (Content-Disposition).
export function csvLink(path, params, label) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const qs = q.toString();
  return h("a", { class: "button secondary", href: path + (qs ? "?" + qs : ""),
    download: "" }, label || t("a.csv_export"));
}

// A server's code word in the reader's language, or the word itself
// when the console has no translation for it (a new notice kind).
export function word(prefix, v) {
  const k = prefix + v;
  const s = t(k);
  return s === k ? String(v) : s;
}

// A state shown as a word with a colour that is never the only cue.
export function badge(state, label) {
  return h("span", { class: `badge s-${String(state).replace(/[^a-z_]/g, "")}`,
    dataset: { state } }, label || word("state.", state));
}

export function link(href, text) {
  return h("a", { href }, text);
}

// A row of controls above a list.
export function toolbar(...children) {
  return h("div", { class: "toolbar" }, ...children);
}
