// The technician's queue of meter readings.  A reading is kept on the
// device (localStorage, one queue per account) from the moment it is
// entered until the server has it, so a reading taken where there is no
// signal, or before the page is reloaded or the phone runs out of
// battery, is not lost.  The queue is sent when the browser says it is
// online again, on the screen's button, after each new reading, and
// every minute while something waits.
//
// Each reading carries a client_id chosen once, when it is entered: the
// server stores one reading per (account, client_id) and answers a copy
// it already has with "replayed", so sending an entry twice (an answer
// lost on the way back) is harmless.  The photo follows the reading
// (POST /readings/{id}/photo, with its own Content-Type) and is dropped
// from the device once the server has it.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";

const KEEP_DONE = 30;		// sent or failed entries kept to be seen
const RETRY_MS = 60000;
const PHOTO_KEEP = 512 * 1024;	// larger photos are made smaller first
const PHOTO_EDGE = 1600;

// JPEG, PNG and WebP by their first bytes, as the server checks them.
function sniff(b) {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47)
    return "image/png";
  if (String.fromCharCode(...b.slice(0, 4)) === "RIFF" &&
      String.fromCharCode(...b.slice(8, 12)) === "WEBP") return "image/webp";
  return null;
}

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function toBlob(photo) {
  const bin = atob(photo.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: photo.type });
}

// A camera photo as it will be kept and sent: the file itself when it is
// a JPEG, PNG or WebP of modest size, otherwise redrawn as a JPEG no
// larger than PHOTO_EDGE pixels a side (a phone's 4 MB photo becomes a
// few hundred KB; the server takes up to 1 MiB).  Throws when the
// browser cannot read the picture.
export async function readPhoto(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = sniff(bytes);
  if (type && bytes.length <= PHOTO_KEEP)
    return { type, data: toBase64(bytes), size: bytes.length };
  const img = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_EDGE / Math.max(img.width, img.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(img.width * scale);
  canvas.height = Math.round(img.height * scale);
  canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
  img.close();
  let blob = null;
  for (const q of [0.82, 0.7, 0.55]) {
    blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", q));
    if (blob && blob.size <= PHOTO_KEEP) break;
  }
  if (!blob) throw new Error("photo");
  const out = new Uint8Array(await blob.arrayBuffer());
  return { type: "image/jpeg", data: toBase64(out), size: out.length };
}

export function photoUrl(photo) {
  return photo ? `data:${photo.type};base64,${photo.data}` : null;
}

export function clientId() {
  return api.idempotencyKey();
}

// Does the entry still have something to send?
export function pending(e) {
  return e.state === "waiting" || e.state === "sending" ||
    (e.state === "sent" && e.photo_state === "waiting");
}

const retryable = (err) => !(err instanceof api.ApiError) ||
  err.status >= 500 || err.status === 429 || err.status === 408;

export class ReadingQueue extends EventTarget {
  constructor(user) {
    super();
    this.key = `hs.readings.${user.id}`;
    this.items = this.load();
    this.busy = null;
    this.again = false;
    this.stale = false;	// started offline: check the session first
    this.onOnline = () => this.flush();
    addEventListener("online", this.onOnline);
    this.timer = setInterval(() => {
      if (this.items.some(pending)) this.flush();
    }, RETRY_MS);
  }

  stop() {
    removeEventListener("online", this.onOnline);
    clearInterval(this.timer);
  }

  load() {
    let items = [];
    try { items = JSON.parse(localStorage.getItem(this.key)) || []; } catch {
      items = [];
    }
    // A page closed while sending left the entry half way: it waits.
    for (const e of items) if (e.state === "sending") e.state = "waiting";
    return Array.isArray(items) ? items : [];
  }

  // Keep the queue; the sent history is trimmed first.  Returns false
  // when the device's storage is full.
  save() {
    const done = this.items.filter((e) => !pending(e));
    if (done.length > KEEP_DONE) {
      const drop = new Set(done.slice(KEEP_DONE).map((e) => e.client_id));
      this.items = this.items.filter((e) => !drop.has(e.client_id));
    }
    try {
      localStorage.setItem(this.key, JSON.stringify(this.items));
      return true;
    } catch {
      return false;
    }
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  // A new reading, first in the list.  When the device cannot keep the
  // photo too (storage full), the reading is kept without it and the
  // entry says so.
  add(entry) {
    const e = { state: "waiting", photo_state: entry.photo ? "waiting" :
      "none", attempts: 0, entered_at: new Date().toISOString(), ...entry };
    this.items.unshift(e);
    if (!this.save()) {
      if (e.photo) {
        e.photo = null;
        e.photo_state = "dropped";
      }
      if (!this.save()) {
        this.items.shift();
        throw new Error(t("rq.storage_full"));
      }
    }
    this.changed();
    return e;
  }

  remove(id) {
    this.items = this.items.filter((e) => e.client_id !== id ||
      pending(e));
    this.save();
    this.changed();
  }

  clearDone() {
    this.items = this.items.filter(pending);
    this.save();
    this.changed();
  }

  waiting() {
    return this.items.filter(pending).length;
  }

  // Send what waits, oldest first, one at a time.  A call while sending
  // asks for one more pass when the current one ends.
  flush() {
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.busy = (async () => {
      do {
        this.again = false;
        if (!navigator.onLine || !this.items.some(pending)) break;
        if (this.stale && !(await this.checkSession())) break;
        for (const e of [...this.items].reverse()) {
          if (!pending(e) || !this.items.includes(e)) continue;
          if (!navigator.onLine) break;
          if ((await this.send(e)) === "stop") break;
        }
      } while (this.again);
    })().finally(() => {
      this.busy = null;
      this.changed();
    });
    return this.busy;
  }

  async checkSession() {
    try {
      if (await api.me()) {
        this.stale = false;
        return true;
      }
      for (const e of this.items.filter(pending)) e.error = t("rq.signin");
    } catch (err) {
      const why = err instanceof api.ApiError ? err.message : t("rq.network");
      for (const e of this.items.filter(pending)) e.error = why;
    }
    this.save();
    return false;
  }

  async send(e) {
    e.state = e.result ? "sent" : "sending";
    e.attempts = (e.attempts || 0) + 1;
    e.tried_at = new Date().toISOString();
    this.changed();
    try {
      if (!e.result) {
        if (!e.meter_id) {
          const m = await findMeter(e.meter_number);
          if (!m) throw new api.ApiError(404, { error: { code: "not_found",
            field: "meter_id", message: t("rd.no_meter",
              { number: e.meter_number }) } });
          e.meter_id = m.id;
        }
        const body = { meter_id: e.meter_id, period: e.period, value: e.value,
          source: "technician", client_id: e.client_id,
          read_at: e.entered_at };
        if (e.note) body.note = e.note;
        const r = await api.post("/api/v1/readings", body);
        e.result = { id: r.id, state: r.state, flags: r.flags || [],
          previous: r.previous, usage: r.usage, replayed: Boolean(r.replayed),
          has_photo: Boolean(r.has_photo) };
        e.state = "sent";
        e.error = null;
        this.save();
        this.changed();
      }
      if (e.photo_state === "waiting") {
        if (e.result.has_photo) {
          e.photo_state = "sent";	// a replay: the server has it
        } else {
          const blob = toBlob(e.photo);
          await api.post(`/api/v1/readings/${e.result.id}/photo`, blob,
            { "Content-Type": blob.type });
          e.photo_state = "sent";
        }
        e.photo = null;
      }
      e.state = "sent";
      e.error = null;
      this.save();
      this.changed();
      return "ok";
    } catch (err) {
      const stop = err instanceof api.ApiError && err.status === 401;
      if (stop) {
        e.error = t("rq.signin");
        this.stale = true;
      } else {
        e.error = err instanceof api.ApiError ? err.message : t("rq.network");
      }
      if (!e.result) {
        // A refusal (a prepaid meter, a bad month) does not get better by
        // sending again: the entry fails with the server's reason.
        e.state = stop || retryable(err) ? "waiting" : "failed";
        if (e.state === "failed") e.field = err.field || null;
      } else if (!stop && !retryable(err)) {
        e.photo_state = "failed";
        e.photo_error = err.message;
        e.photo = null;
        e.error = null;
      }
      this.save();
      this.changed();
      // Without a network, or without a session, the rest would fail
      // the same way: they wait for the next pass.
      return stop || !(err instanceof api.ApiError) ? "stop" : "next";
    }
  }
}

// A meter by the number printed on it (the list search also matches
// addresses, so the number must be equal).
export async function findMeter(number) {
  const r = await api.get("/api/v1/meters?limit=10&q=" +
    encodeURIComponent(number));
  return (r.items || []).find((m) => m.number === number) || null;
}

// One queue per signed-in account, started at sign-in so it is sent
// whatever screen is open.
let queue = null;

export function startQueue(user, { offline = false } = {}) {
  if (queue && queue.key === `hs.readings.${user.id}`) {
    if (navigator.onLine) queue.flush();
    return queue;
  }
  stopQueue();
  queue = new ReadingQueue(user);
  queue.stale = offline;
  if (navigator.onLine) queue.flush();
  return queue;
}

export function stopQueue() {
  if (queue) queue.stop();
  queue = null;
}

export function readingQueue() {
  return queue;
}
