// The browser's meter protocol (web/lib/ble.js) against the worked
// examples of meter-firmware/docs/ble-protocol.md §7: the same bytes the
// meter firmware's own tests replay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";

if (!globalThis.crypto) globalThis.crypto = webcrypto;
const ble = await import("../../web/lib/ble.js");
const { unhex, hex } = ble;

const K = unhex("000102030405060708090a0b0c0d0e0f");
const NM = unhex("38e36a1fa3ef42eb");
const NP = unhex("0102030405060708");
const METER = 0x01020304;

test("frames: HELLO and the meter's reply", () => {
  assert.equal(hex(ble.encodeFrame(0x01, 1)), "a500010 1b190".replace(/ /g, ""));
  const r = new ble.FrameReader();
  // Noise, then the reply split across two notifications.
  r.push(unhex("00a5ff"));
  r.push(unhex("a50d810101020304"));
  assert.equal(r.next(), null);
  r.push(unhex("38e36a1fa3ef42eb01e40f"));
  const f = r.next();
  assert.equal(f.type, 0x81);
  assert.equal(hex(f.payload), "0102030438e36a1fa3ef42eb01");
});

test("AES-CMAC: RFC 4493 examples", async () => {
  const k = unhex("2b7e151628aed2a6abf7158809cf4f3c");
  assert.equal(hex(await ble.cmac(k, new Uint8Array(0))),
    "bb1d6929e95937287fa37d129b756746");
  assert.equal(hex(await ble.cmac(k, unhex("6bc1bee22e409f96e93d7e117393172a"))),
    "070a16b46b4d4144f79bdd9dd04a287c");
  assert.equal(hex(await ble.cmac(k, unhex("6bc1bee22e409f96e93d7e117393172a" +
    "ae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411"))),
    "dfa66747de9ae63030ca32611497c827");
});

test("AUTH tags, session key and the STATUS MAC", async () => {
  assert.equal(hex(await ble.authTag(K, 0x41, METER, NM, NP)), "9145d5c53c63");
  assert.equal(hex(await ble.authTag(K, 0x4d, METER, NP, NM)), "18c74436c660");
  const ks = await ble.sessionKey(K, NM, NP);
  assert.equal(hex(await ble.frameMac(ks, 0x50, 0x10, 3, new Uint8Array(0))),
    "76227b48");
  assert.equal(hex(await ble.frameMac(ks, 0x4d, 0x90, 3,
    unhex("000003e80000000001"))), "c1abf266");
});

test("a token's 20 digits as its 9-byte number", () => {
  assert.equal(hex(ble.tokenBytes("53550101355269572652")),
    "02e7282d764701c82c");
  assert.throws(() => ble.tokenBytes("1234"));
});

test("a whole session over a scripted meter", async () => {
  // The meter's side of §7, answering what the session sends.
  const script = new Map([
    ["a500010 1b190".replace(/ /g, ""),
      "a50d81010102030438e36a1fa3ef42eb01e40f"]]);
  const sent = [];
  const t = { onBytes: null, async write(b) {
    sent.push(hex(b));
    const reply = script.get(hex(b));
    if (reply) setTimeout(() => t.onBytes(unhex(reply)), 1);
  } };
  const s = new ble.Session(t);
  const hello = await s.request(ble.MSG.HELLO);
  assert.equal(hex(hello.slice(4, 12)), hex(NM));
  assert.deepEqual(sent, ["a5000101b190"]);
});
