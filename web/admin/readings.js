// "Catat meter": a technician reads a postpaid meter on its doorstep.
// Find the meter by the number printed on it (its customer and the last
// stand shown, to catch a misread at once), type the stand in m³ (sent in
// litres), keep the month (this one unless changed), add a note and a
// photo of the dial if needed.  The reading goes into the device's queue
// (readqueue.js) and is sent when there is a network; the list below the
// form says what became of each one: waiting, sent (accepted, or held for
// review and why), or refused with the server's reason.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { labelled, input, alertLine, showError, showOk, clearErrors, busy }
  from "./form.js";
import { metersNav, thisMonth, monthName, m3, parseStand, flagList,
  stateBadge } from "./billkit.js";
import { startQueue, readPhoto, photoUrl, clientId, findMeter, pending }
  from "./readqueue.js";

// Meters looked up on this device, so a meter seen once (at the office,
// on the morning's route) is recognised later without a network.
const KNOWN = "hs.readings.meters";
const KNOWN_MAX = 300;

function knownMeters() {
  try { return JSON.parse(localStorage.getItem(KNOWN)) || {}; } catch {
    return {};
  }
}

function remember(m) {
  const all = knownMeters();
  delete all[m.number];
  all[m.number] = m;
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - KNOWN_MAX)))
    delete all[k];
  try { localStorage.setItem(KNOWN, JSON.stringify(all)); } catch {
    /* a cache only */ }
}

const COUNTS = ["accepted", "approved", "corrected"];

// The meter with what a technician needs beside it: who it serves, where,
// and the last stand that counted.
async function lookup(number) {
  const m = await findMeter(number);
  if (!m) return null;
  const [c, r] = await Promise.all([
    m.customer_id ? api.get(`/api/v1/customers/${m.customer_id}`)
      .catch(() => null) : null,
    m.billing === "postpaid" ? api.get(`/api/v1/readings?meter_id=${m.id}` +
      "&limit=10").catch(() => ({ items: [] })) : { items: [] }]);
  const last = (r.items || []).find((x) => COUNTS.includes(x.state));
  const k = { id: m.id, number: m.number, billing: m.billing || "prepaid",
    status: m.status, customer: c ? `${c.number} · ${c.name}` : null,
    address: m.install_address || (c && c.address) || "",
    last: last ? { value: last.value, period: last.period } : null };
  remember(k);
  return k;
}

function meterCard(m) {
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  return h("section", { class: "card meter-found", dataset: { meter: m.number },
    "aria-label": `${t("a.meter")} ${m.number}` },
  h("h3", {}, `${t("a.meter")} ${m.number}`),
  h("dl", {},
    row(t("meter.customer"), m.customer || "–"),
    row(t("meter.address"), m.address || "–"),
    row(t("rd.last"), m.last ? `${m3(m.last.value)} · ${monthName(
      m.last.period)}` : t("rd.no_last"))));
}

function photoCell(e) {
  switch (e.photo_state) {
  case "waiting": return [h("img", { class: "thumb small", src: photoUrl(e.photo),
    alt: t("rd.photo_of", { number: e.meter_number }) }), " ",
  t("rd.photo_waiting")];
  case "sent": return t("rd.photo_sent");
  case "failed": return h("span", { class: "bad" },
    `${t("rd.photo_failed")}: ${e.photo_error || ""}`);
  case "dropped": return h("span", { class: "bad" }, t("rd.photo_dropped"));
  default: return t("rd.photo_none");
  }
}

// What became of an entry, in words.
function outcome(e) {
  if (e.state === "sent" && e.result) {
    const r = e.result;
    return [h("p", {}, stateBadge("rs", r.state), " ",
      r.state === "flagged" ? t("rd.held") : t("rd.counts"),
      r.replayed ? ` ${t("rd.replayed")}` : ""),
    r.usage !== null && r.usage !== undefined ? h("p", { class: "muted" },
      `${t("rd.usage")}: ${m3(r.usage)}`) : null,
    flagList(r.flags)];
  }
  if (e.state === "failed")
    return h("p", { class: "bad" }, `${t("rd.refused")}: ${e.error}`);
  if (e.error) return h("p", { class: "muted" },
    t("rd.retry_later", { error: e.error }));
  return h("p", { class: "muted" }, navigator.onLine ? t("rd.will_send") :
    t("rd.no_signal"));
}

function entryItem(e, queue, zone) {
  const remove = pending(e) ? null : h("button", { type: "button",
    class: "secondary small", "aria-label": t("rd.remove_entry",
      { number: e.meter_number, period: monthName(e.period) }),
    onclick: () => queue.remove(e.client_id) }, t("rd.remove"));
  return h("li", { class: "card entry", dataset: { entry: e.client_id,
    state: e.state, reading: e.result ? e.result.state : "" } },
  h("div", { class: "head" },
    h("h3", {}, `${t("a.meter")} ${e.meter_number} · ${monthName(e.period)}`),
    stateBadge("q", e.state)),
  h("p", { class: "stand" }, `${t("rd.stand")}: `, h("strong", {}, m3(e.value)),
    e.customer ? h("span", { class: "muted" }, ` · ${e.customer}`) : null),
  outcome(e),
  e.note ? h("p", {}, `${t("rd.note")}: ${e.note}`) : null,
  h("p", { class: "muted" }, `${t("rd.entered")} ${dateTime(e.entered_at,
    zone, current())} · ${t("rd.photo")}: `, photoCell(e)),
  remove);
}

export async function readingsView(view, params, ctx) {
  const queue = startQueue(ctx.user);
  let found = null;

  const number = input("number", { inputmode: "numeric", required: true,
    autocomplete: "off", pattern: "[0-9]{11}([0-9]{2})?" });
  const periodIn = input("period", { type: "month", required: true,
    value: thisMonth(ctx.zone), max: thisMonth(ctx.zone) });
  const stand = input("value", { inputmode: "decimal", required: true,
    autocomplete: "off" });
  const note = h("textarea", { name: "note", rows: "2", maxlength: "500" });
  const photo = h("input", { type: "file", name: "photo", accept: "image/*",
    capture: "environment" });
  const preview = h("p", { class: "muted stand-preview", "aria-live": "polite" });
  const photoBox = h("div", { class: "photo-preview" });
  const meterBox = h("div", { "aria-live": "polite" });
  const findBtn = h("button", { type: "button", class: "secondary" },
    t("search"));
  const save = h("button", { type: "submit" }, t("rd.save"));

  const showStand = () => {
    const v = parseStand(stand.value);
    if (stand.value.trim() === "") return clear(preview);
    if (v === null) return clear(preview, t("rd.stand_hint"));
    const last = found && found.last;
    clear(preview, t("rd.sent_as", { litres: m3(v) }),
      last && v < last.value ? h("strong", { class: "warn" }, " ",
        t("rd.lower_warning", { last: m3(last.value) })) : null);
  };
  stand.addEventListener("input", showStand);

  // The photo is read (and made smaller if need be) when chosen, so the
  // preview shows what will be kept and sent.  A data: URL: the console's
  // Content-Security-Policy allows no blob: images.
  let pic = null, reading = null;
  const clearPhoto = () => {
    pic = null;
    clear(photoBox);
  };
  photo.addEventListener("change", () => {
    clearPhoto();
    const f = photo.files[0];
    if (!f) return;
    reading = readPhoto(f).then((p) => {
      if (photo.files[0] !== f) return;
      pic = p;
      clear(photoBox, h("img", { class: "thumb", src: photoUrl(p),
        alt: t("rd.photo_preview") }));
    }, () => {
      if (photo.files[0] === f) showError(form, { field: "photo",
        message: t("rd.photo_bad") });
    });
  });

  const form = h("form", { class: "card", novalidate: true,
    "aria-label": t("rd.form") },
  h("fieldset", {}, h("legend", {}, t("rd.step_meter")),
    h("div", { class: "toolbar" }, labelled(t("meter.number"), number,
      t("ctr.number_hint")), findBtn),
    meterBox),
  h("fieldset", {}, h("legend", {}, t("rd.step_reading")),
    h("div", { class: "form-grid" },
      labelled(t("rd.period"), periodIn, t("rd.period_hint")),
      h("div", {}, labelled(t("rd.stand_m3"), stand, t("rd.stand_hint")),
        preview),
      h("div", { class: "wide" }, labelled(t("rd.note_optional"), note)),
      h("div", {}, labelled(t("rd.photo_optional"), photo, t("rd.photo_hint")),
        photoBox))),
  save, alertLine());

  async function find() {
    clearErrors(form);
    clear(meterBox);
    found = null;
    const n = number.value.trim();
    if (!/^\d{11}(\d{2})?$/.test(n)) return showError(form, { field: "number",
      message: t("meter.number_hint") });
    if (!navigator.onLine) {
      found = knownMeters()[n] || null;
      if (found) clear(meterBox, meterCard(found),
        h("p", { class: "muted" }, t("rd.known_offline")));
      else showOk(form, t("rd.unknown_offline"));
      showStand();
      return;
    }
    try {
      const m = await lookup(n);
      if (!m) return showError(form, { field: "number",
        message: t("ctr.not_found", { number: n }) });
      if (m.billing !== "postpaid") return showError(form, { field: "number",
        message: t("rd.prepaid", { number: n }) });
      found = m;
      clear(meterBox, meterCard(m));
      showStand();
      stand.focus();
    } catch (e) { showError(form, e); }
  }
  findBtn.addEventListener("click", () => busy(findBtn, find));
  number.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      busy(findBtn, find);
    }
  });
  number.addEventListener("input", () => {
    if (found && found.number !== number.value.trim()) {
      found = null;
      clear(meterBox);
    }
  });

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const n = number.value.trim();
      if (!/^\d{11}(\d{2})?$/.test(n)) return showError(form,
        { field: "number", message: t("meter.number_hint") });
      if (!/^\d{4}-\d{2}$/.test(periodIn.value)) return showError(form,
        { field: "period", message: t("rd.period_hint") });
      const litres = parseStand(stand.value);
      if (litres === null) return showError(form, { field: "value",
        message: t("rd.stand_hint") });
      let m = found && found.number === n ? found : knownMeters()[n] || null;
      if (!m && navigator.onLine) {
        try {
          m = await lookup(n);
        } catch (e) {
          if (e instanceof api.ApiError) return showError(form, e);
        }
        if (!m && navigator.onLine) return showError(form, { field: "number",
          message: t("ctr.not_found", { number: n }) });
      }
      if (m && m.billing !== "postpaid") return showError(form,
        { field: "number", message: t("rd.prepaid", { number: n }) });
      if (photo.files[0]) {
        await reading;
        if (!pic) return showError(form, { field: "photo",
          message: t("rd.photo_bad") });
      }
      let entry;
      try {
        entry = queue.add({ client_id: clientId(), meter_number: n,
          meter_id: m ? m.id : null, customer: m ? m.customer : null,
          period: periodIn.value, value: litres,
          note: note.value.trim() || undefined, photo: pic });
      } catch (e) {
        return showError(form, { message: e.message });
      }
      number.value = stand.value = note.value = photo.value = "";
      found = null;
      clear(meterBox);
      clear(preview);
      clearPhoto();
      showOk(form, t(navigator.onLine ? "rd.saved_sending" :
        "rd.saved_offline", { number: n, stand: m3(litres) }) +
        (entry.photo_state === "dropped" ? ` ${t("rd.photo_dropped")}` : ""));
      number.focus();
      queue.flush();
    });
  });

  // The queue, redrawn whenever it changes.
  const summary = h("p", { role: "status", class: "queue-summary" });
  const list = h("ol", { class: "queue" });
  const sendNow = h("button", { type: "button" }, t("rd.send_now"));
  const clearDone = h("button", { type: "button", class: "secondary" },
    t("rd.clear_done"));
  sendNow.addEventListener("click", () => {
    if (!navigator.onLine) {
      summary.textContent = t("rd.offline_wait", { n: queue.waiting() });
      return;
    }
    queue.flush();
  });
  clearDone.addEventListener("click", () => queue.clearDone());
  const draw = () => {
    const waiting = queue.waiting();
    summary.textContent = waiting === 0 ? (queue.items.length ?
      t("rd.all_sent") : t("rd.empty")) : navigator.onLine ?
      (queue.busy ? t("rd.sending", { n: waiting }) :
        t("rd.waiting", { n: waiting })) :
      t("rd.offline_wait", { n: waiting });
    summary.dataset.waiting = String(waiting);
    sendNow.disabled = waiting === 0;
    clearDone.classList.toggle("hidden", queue.items.length === waiting);
    clear(list, queue.items.map((e) => entryItem(e, queue, ctx.zone)));
  };
  queue.addEventListener("change", draw);
  addEventListener("online", draw);
  addEventListener("offline", draw);
  draw();

  clear(view, h("h1", {}, t("rd.title")), metersNav("readings", ctx.user),
    h("p", { class: "muted" }, t("rd.intro")), form,
    h("section", { class: "queue-box", "aria-labelledby": "queue-h" },
      h("div", { class: "head" }, h("h2", { id: "queue-h" }, t("rd.queue")),
        h("div", { class: "actions" }, sendNow, clearDone)),
      summary, list));
  number.dataset.autofocus = "";
  return () => {
    queue.removeEventListener("change", draw);
    removeEventListener("online", draw);
    removeEventListener("offline", draw);
    clearPhoto();
  };
}
