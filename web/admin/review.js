// "Periksa bacaan": the supervisor's queue of readings the server held
// back (lower than the last, a jump, an estimate, a second reading for
// the month).  Each comes with what it was checked against and the photo
// of the dial, and is approved as read, corrected (the right stand and
// why: both required, both audited) or rejected.  The other states are a
// plain list, for looking back.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { labelled, input, select, alertLine, showError, clearErrors, busy }
  from "./form.js";
import { dataTable, pager, toolbar, word } from "./table.js";
import { metersNav, monthName, m3, parseStand, flagList, stateBadge }
  from "./billkit.js";

const LIMIT = 20;
const STATES = ["flagged", "accepted", "approved", "corrected", "rejected"];
const COUNTS = ["accepted", "approved", "corrected"];

function photo(r) {
  if (!r.has_photo) return h("p", { class: "muted" }, t("rv.no_photo"));
  const src = `/api/v1/readings/${r.id}/photo`;
  return h("a", { href: src, target: "_blank", rel: "noopener",
    class: "photo-link" }, h("img", { class: "thumb", src,
    alt: t("rv.photo_alt", { number: r.meter_number,
      period: monthName(r.period) }) }));
}

function reviewCard(r, current_, ctx, reload) {
  const lang = current();
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  const headId = `rv-${r.id}`;
  const value = input("value", { inputmode: "decimal", autocomplete: "off" });
  const note = h("textarea", { name: "note", rows: "2", maxlength: "500" });
  const approve = h("button", { type: "button" }, t("rv.approve"));
  const reject = h("button", { type: "button", class: "danger" },
    t("rv.reject"));
  const correct = h("button", { type: "submit", class: "secondary" },
    t("rv.correct"));
  const form = h("form", { novalidate: true, "aria-label": t("rv.decide",
    { number: r.meter_number, period: monthName(r.period) }) },
  h("div", { class: "actions" }, approve, reject),
  h("fieldset", {}, h("legend", {}, t("rv.correct_legend")),
    h("div", { class: "form-grid" },
      labelled(t("rv.value"), value, t("rd.stand_hint")),
      labelled(t("rv.reason"), note, t("rv.reason_hint"))),
    correct),
  alertLine());

  const decide = (button, body) => busy(button, async () => {
    clearErrors(form);
    try {
      const n = await api.post(`/api/v1/readings/${r.id}/review`, body);
      toast(t("rv.done", { number: r.meter_number,
        state: word("rs.state.", n.state) }));
      reload();
    } catch (e) { showError(form, e); }
  });
  approve.addEventListener("click", () => decide(approve,
    { action: "approve" }));
  reject.addEventListener("click", () => decide(reject, { action: "reject" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = parseStand(value.value);
    if (v === null) return showError(form, { field: "value",
      message: t("rd.stand_hint") });
    if (note.value.trim() === "") return showError(form, { field: "note",
      message: t("rv.reason_needed") });
    decide(correct, { action: "correct", value: v, note: note.value.trim() });
  });

  return h("article", { class: "card review", "aria-labelledby": headId,
    dataset: { reading: r.id, meter: r.meter_number } },
  h("div", { class: "head" }, h("h2", { id: headId },
    `${t("a.meter")} ${r.meter_number} · ${monthName(r.period)}`),
  stateBadge("rs", r.state)),
  h("div", { class: "review-grid" },
    h("div", {},
      h("dl", {},
        row(t("rd.stand"), h("strong", {}, m3(r.value))),
        row(t("rv.previous"), r.previous === null ? t("rd.no_last") :
          m3(r.previous)),
        row(t("rd.usage"), m3(r.usage)),
        current_ ? row(t("rv.counting"), `${m3(current_.value)} · ` +
          word("rs.state.", current_.state)) : null,
        row(t("rv.source"), word("src.", r.source)),
        row(t("rv.read"), `${dateTime(r.read_at, ctx.zone, lang)} · ` +
          r.taken_by),
        r.note ? row(t("rd.note"), r.note) : null),
      flagList(r.flags)),
    photo(r)),
  form);
}

function historyTable(items, ctx) {
  const lang = current();
  return dataTable({ caption: t("rv.history"), rows: items, columns: [
    { label: t("a.meter"), key: true, cell: (r) => r.meter_number },
    { label: t("rd.period"), cell: (r) => monthName(r.period) },
    { label: t("rd.stand"), num: true, cell: (r) => m3(r.value) },
    { label: t("rv.previous"), num: true, cell: (r) => m3(r.previous) },
    { label: t("rd.usage"), num: true, cell: (r) => m3(r.usage) },
    { label: t("a.status"), cell: (r) => [stateBadge("rs", r.state),
      flagList(r.flags)] },
    { label: t("rv.read"), cell: (r) => `${dateTime(r.read_at, ctx.zone,
      lang)} · ${r.taken_by}` },
    { label: t("rv.reviewed"), cell: (r) => r.reviewed_by ?
      `${r.reviewed_by} · ${dateTime(r.reviewed_at, ctx.zone, lang)}` : "–" },
    { label: t("rd.note"), cell: (r) => r.note || "" },
    { label: t("rd.photo"), cell: (r) => r.has_photo ? h("a", {
      href: `/api/v1/readings/${r.id}/photo`, target: "_blank",
      rel: "noopener" }, t("rv.open_photo")) : "–" },
  ] });
}

export async function reviewView(view, params, ctx) {
  const state = ctx.query.get("state") || "flagged";
  const offset = Number(ctx.query.get("offset")) || 0;
  const qs = new URLSearchParams({ limit: LIMIT, offset });
  if (state !== "all") qs.set("state", state);
  const list = await api.get(`/api/v1/readings?${qs}`);
  const items = list.items || [];
  const reload = () => ctx.go("readings/review", { state, offset });

  // A second reading replaces the one that counts if approved: show it.
  const counting = new Map();
  if (state === "flagged")
    await Promise.all(items.filter((r) => (r.flags || [])
      .includes("second_reading")).map(async (r) => {
      try {
        const o = await api.get(`/api/v1/readings?meter_id=${r.meter_id}` +
          `&period=${r.period}&limit=10`);
        const c = (o.items || []).find((x) => x.id !== r.id &&
          COUNTS.includes(x.state));
        if (c) counting.set(r.id, c);
      } catch { /* shown without it */ }
    }));

  const stSel = select("state", [["all", t("a.all")]].concat(STATES.map((s) =>
    [s, word("rs.state.", s)])), state);
  const filter = h("form", { "aria-label": t("rv.filter"), onsubmit: (ev) => {
    ev.preventDefault();
    ctx.go("readings/review", { state: stSel.value });
  } }, toolbar(h("div", { class: "field narrow" },
    labelled(t("a.status"), stSel)), h("button", { type: "submit" },
    t("a.show"))));

  clear(view,
    h("div", { class: "head" }, h("h1", {}, t("rv.title")),
      state === "flagged" ? h("span", { class: "count-badge",
        dataset: { flagged: list.total } }, t("rv.waiting",
        { n: list.total })) : null),
    metersNav("readings/review", ctx.user),
    h("p", { class: "muted" }, t("rv.intro")),
    filter,
    state === "flagged" ? (items.length ? items.map((r) =>
      reviewCard(r, counting.get(r.id), ctx, reload)) :
      h("p", { class: "muted empty" }, t("rv.none"))) :
      historyTable(items, ctx),
    pager(list, (o) => ctx.go("readings/review", { state, offset: o })));
}
