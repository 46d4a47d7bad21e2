// The meter's BLE protocol in the browser (meter-firmware/docs/
// ble-protocol.md): frames with their CRC, the grant session (the phone
// holds the grant key Kg, never the meter's K), frame MACs, tokens, the
// readings and the transcript the server verifies.  Web Bluetooth carries
// the frames; everything above the transport is plain functions, tested
// against the document's worked examples (tests/web/ble-proto.test.mjs).

export const NUS = "6e400001-b5a3-f393-e0a9-e50e24dcca9e";
const NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e";
const NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e";
export const HM10 = 0xffe0;
const HM10_CHAR = 0xffe1;

export const MSG = { HELLO: 0x01, GRANT: 0x02, AUTH: 0x03, STATUS: 0x10,
  INFO: 0x11, LOG: 0x12, TELEMETRY: 0x13, TOKEN: 0x20, ALERT: 0xc0,
  ERR: 0xff, REPLY: 0x80 };
export const TOKEN_RESULT = { 0x00: "credit", 0x01: "key_pending",
  0x02: "key_changed", 0x03: "test", 0x04: "management", 0x10: "format",
  0x11: "invalid", 0x12: "used", 0x13: "old", 0x14: "key_expired",
  0x15: "default_key", 0x16: "unsupported", 0x17: "key_type",
  0x18: "no_key", 0x19: "locked" };
const MAC_LEN = 4;
const SOF = 0xa5;
const MAX_PAYLOAD = 14;

export function bleSupported() {
  return typeof navigator !== "undefined" &&
    Boolean(navigator.bluetooth && navigator.bluetooth.requestDevice);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function unhex(s) {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++)
    out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function u32(v) {
  return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255,
    v & 255]);
}

function be32(b, o) {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

// CRC-16/MODBUS over LEN, TYPE, SEQ, PAYLOAD.
export function crc16(bytes) {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++)
      crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function encodeFrame(type, seq, payload = new Uint8Array(0)) {
  if (payload.length > MAX_PAYLOAD) throw new Error("payload too long");
  const body = concat(new Uint8Array([payload.length, type, seq]), payload);
  const crc = crc16(body);
  return concat(new Uint8Array([SOF]), body,
    new Uint8Array([crc & 255, crc >>> 8]));
}

// Bytes in, whole frames out; noise and torn frames are skipped as the
// meter itself does (drop one A5 and rescan).
export class FrameReader {
  constructor() { this.buf = new Uint8Array(0); }

  push(bytes) { this.buf = concat(this.buf, bytes); }

  next() {
    for (;;) {
      const start = this.buf.indexOf(SOF);
      if (start < 0) { this.buf = new Uint8Array(0); return null; }
      this.buf = this.buf.slice(start);
      if (this.buf.length < 2) return null;
      const len = this.buf[1];
      if (len > MAX_PAYLOAD) { this.buf = this.buf.slice(1); continue; }
      if (this.buf.length < 6 + len) return null;
      const crc = this.buf[4 + len] | (this.buf[5 + len] << 8);
      if (crc16(this.buf.slice(1, 4 + len)) !== crc) {
        this.buf = this.buf.slice(1);
        continue;
      }
      const f = { type: this.buf[2], seq: this.buf[3],
        payload: this.buf.slice(4, 4 + len) };
      this.buf = this.buf.slice(6 + len);
      return f;
    }
  }
}

// AES-CMAC (RFC 4493) on WebCrypto: AES-CBC with a zero IV over the
// message whose last block is masked with K1 or K2; the tag is that
// block's ciphertext.
function shift1(b) {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++)
    out[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >>> 7 : 0)) & 255;
  if (b[0] & 0x80) out[15] ^= 0x87;
  return out;
}

export async function cmac(key, msg) {
  const subtle = globalThis.crypto.subtle;
  const k = await subtle.importKey("raw", key, "AES-CBC", false,
    ["encrypt"]);
  const enc = async (data) => new Uint8Array(await subtle.encrypt(
    { name: "AES-CBC", iv: new Uint8Array(16) }, k, data));
  const l = (await enc(new Uint8Array(16))).slice(0, 16);
  const k1 = shift1(l);
  const k2 = shift1(k1);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const full = msg.length > 0 && msg.length % 16 === 0;
  const m = new Uint8Array(n * 16);
  m.set(msg);
  if (!full) m[msg.length] = 0x80;
  const mask = full ? k1 : k2;
  for (let i = 0; i < 16; i++) m[(n - 1) * 16 + i] ^= mask[i];
  return (await enc(m)).slice((n - 1) * 16, n * 16);
}

export async function authTag(kx, label, meterId, n1, n2) {
  return (await cmac(kx, concat(new Uint8Array([label]), u32(meterId), n1,
    n2))).slice(0, 6);
}

export async function sessionKey(kx, nm, np) {
  return cmac(kx, concat(new Uint8Array([0x53]), nm, np));
}

export async function frameMac(ks, dir, type, seq, body) {
  return (await cmac(ks, concat(new Uint8Array([dir, type, seq,
    body.length + MAC_LEN]), body))).slice(0, MAC_LEN);
}

// 20 token digits as the 9-byte big-endian token number.
export function tokenBytes(digits) {
  if (!/^\d{20}$/.test(digits)) throw new Error("a token has 20 digits");
  let v = BigInt(digits);
  const out = new Uint8Array(9);
  for (let i = 8; i >= 0; i--) { out[i] = Number(v & 255n); v >>= 8n; }
  return out;
}

export class MeterError extends Error {
  constructor(code, type, arg) {
    super(`meter error ${code} for type ${type}`);
    this.code = code;
    this.arg = arg;
  }
}

// A transport moves bytes: write(bytes) and an onBytes callback.  Web
// Bluetooth's, below, reads the TX characteristic itself when no
// notification comes within a moment (some stacks, and Chromium's
// Bluetooth emulation, never notify).
export class Session {
  constructor(transport) {
    this.t = transport;
    this.reader = new FrameReader();
    this.seq = 0;
    this.waiting = null;
    this.replies = [];	// MAC'd replies, in order, for the upload
    transport.onBytes = (b) => { this.reader.push(b); this.drain(); };
  }

  drain() {
    let f;
    while ((f = this.reader.next())) {
      if (f.type === MSG.ALERT) continue;
      if (this.waiting && (f.seq === this.waiting.seq ||
          f.type === MSG.ERR)) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(f);
      }
    }
  }

  async request(type, payload = new Uint8Array(0), { mac = false } = {}) {
    this.seq = (this.seq % 255) + 1;
    const seq = this.seq;
    let body = payload;
    if (mac)
      body = concat(payload, await frameMac(this.ks, 0x50, type, seq,
        payload));
    const reply = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error("the meter did not answer"));
      }, 5000);
      this.waiting = { seq, resolve: (f) => { clearTimeout(timer); resolve(f); } };
    });
    await this.t.write(encodeFrame(type, seq, body));
    if (this.t.poll) this.t.poll(() => this.waiting !== null);
    const f = await reply;
    if (f.type === MSG.ERR)
      throw new MeterError(f.payload[0], f.payload[1],
        (f.payload[2] << 8) | f.payload[3]);
    if (f.type !== (type | MSG.REPLY)) throw new Error("unexpected reply");
    if (!mac) return f.payload;
    const n = f.payload.length - MAC_LEN;
    const got = f.payload.slice(n);
    const want = await frameMac(this.ks, 0x4d, f.type, f.seq,
      f.payload.slice(0, n));
    if (hex(got) !== hex(want)) throw new Error("the meter's MAC is wrong");
    this.replies.push({ type: f.type, seq: f.seq, body: f.payload.slice(0, n) });
    return f.payload.slice(0, n);
  }

  // HELLO, GRANT, AUTH under Kg: a session the meter proved it shares.
  async open(grant) {
    const hello = await this.request(MSG.HELLO);
    this.meterId = be32(hello, 0);
    if (grant.ble_id !== undefined && this.meterId !== grant.ble_id)
      throw new Error("this is not the meter of the grant");
    this.nm = hello.slice(4, 12);
    this.np = globalThis.crypto.getRandomValues(new Uint8Array(8));
    const kg = unhex(grant.key);
    await this.request(MSG.GRANT, unhex(grant.body));
    const tag = await authTag(kg, 0x41, this.meterId, this.nm, this.np);
    const r = await this.request(MSG.AUTH, concat(this.np, tag));
    const mt = await authTag(kg, 0x4d, this.meterId, this.np, this.nm);
    if (hex(r.slice(0, 6)) !== hex(mt))
      throw new Error("the meter did not prove its key");
    this.ks = await sessionKey(kg, this.nm, this.np);
    this.replies = [];
  }

  async token(digits) {
    const r = await this.request(MSG.TOKEN, tokenBytes(digits), { mac: true });
    return { result: TOKEN_RESULT[r[0]] || String(r[0]), code: r[1],
      credit: (r[2] << 24) | (r[3] << 16) | (r[4] << 8) | r[5] };
  }

  async status() {
    const r = await this.request(MSG.STATUS, undefined, { mac: true });
    return { credit: (r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3],
      consumed: be32(r, 4), flags: r[8] };
  }

  async info() {
    const r = await this.request(MSG.INFO, undefined, { mac: true });
    return { firmware: `${r[0]}.${r[1]}`, battery_mv: (r[2] << 8) | r[3],
      hour: (r[4] << 16) | (r[5] << 8) | r[6] };
  }

  async log(page) {
    return this.request(MSG.LOG, new Uint8Array([page]), { mac: true });
  }

  // The TELEMETRY tag over what was read, as the server's upload body.
  async upload() {
    const r = await this.request(MSG.TELEMETRY, undefined, { mac: true });
    const frames = this.replies.filter((x) => x.type !== (MSG.TELEMETRY |
      MSG.REPLY)).map((x) => ({ type: x.type, seq: x.seq, body: hex(x.body) }));
    return { nm: hex(this.nm), np: hex(this.np), count: r[0],
      tag: hex(r.slice(1, 9)), frames };
  }
}

// Web Bluetooth: the Nordic UART Service, or an HM-10's FFE0/FFE1.
export class BleTransport {
  static async choose() {
    const device = await navigator.bluetooth.requestDevice({
      filters: [{ services: [NUS] }, { services: [HM10] }] });
    const t = new BleTransport(device);
    await t.connect();
    return t;
  }

  constructor(device) {
    this.device = device;
    this.onBytes = () => {};
    this.notified = false;
  }

  async connect() {
    const gatt = await this.device.gatt.connect();
    let svc;
    try {
      svc = await gatt.getPrimaryService(NUS);
      this.rx = await svc.getCharacteristic(NUS_RX);
      this.tx = await svc.getCharacteristic(NUS_TX);
    } catch {
      svc = await gatt.getPrimaryService(HM10);
      this.rx = this.tx = await svc.getCharacteristic(HM10_CHAR);
    }
    this.tx.addEventListener("characteristicvaluechanged", (ev) => {
      this.notified = true;
      this.onBytes(new Uint8Array(ev.target.value.buffer));
    });
    try { await this.tx.startNotifications(); } catch { /* we read */ }
  }

  async write(bytes) {
    this.notified = false;
    if (this.rx.properties.writeWithoutResponse)
      await this.rx.writeValueWithoutResponse(bytes);
    else
      await this.rx.writeValue(bytes);
  }

  // No notification 300 ms after a write: read TX until the reply is in.
  // One reader at a time: a second read while one is in flight fails, and
  // whatever the meter had sent would be lost with it.
  poll(stillWaiting) {
    this.stillWaiting = stillWaiting;
    this.deadline = Date.now() + 4500;
    if (this.polling) return;
    this.polling = true;
    const tick = async () => {
      if (!this.stillWaiting() || this.notified || Date.now() > this.deadline) {
        this.polling = false;
        return;
      }
      try {
        const v = await this.tx.readValue();
        if (v.byteLength > 0)
          this.onBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      } catch { /* the next tick tries again */ }
      setTimeout(tick, 100);
    };
    setTimeout(tick, 300);
  }

  close() {
    if (this.device.gatt.connected) this.device.gatt.disconnect();
  }
}
