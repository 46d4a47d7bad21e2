// Web Bluetooth end to end: a customer buys a token, then sends it to
// the meter from the page.  Chromium's CDP BluetoothEmulation plays the
// radio; its GATT writes and reads are bridged here to the virtual meter
// (the real meter core, provisioned with the decoder key the HSM's tokens
// are made for), so the page runs the real protocol: the grant session,
// the token, the reading, the upload; the dashboard then shows what is
// left in the meter.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createDecipheriv, webcrypto } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { launch, open, signIn, shot, assertLocal, sql } from "./lib.mjs";

if (!globalThis.crypto) globalThis.crypto = webcrypto;
const ble = await import("../../web/lib/ble.js");

const BLE_ID = 0x00c0ffee;
const ADDRESS = "09:00:C0:FF:EE:01";
const RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e";
const TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e";
const CCCD = "00002902-0000-1000-8000-00805f9b34fb";
const top = process.env.HS_TOP || path.resolve(".");
const bin = (name) => path.join(top, process.env.HS_BUILD || "build",
  "bin", name);

let browser, meterProc, meterPort;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

// The decoder key from the HSM, wrapped under the factory key (AES-KWP).
function decoderKey(meter) {
  const out = execFileSync(bin("hydrosync"), ["keys", "--config",
    process.env.HS_KEYS_CONF, "--actor", "web-tests", "provision",
    "--pan", meter.pan, "--sgc", String(meter.sgc), "--ti",
    String(meter.ti), "--krn", "1", "--kt", "2", "--ea", "11", "--dkga",
    "04", "--base-date", "2014"], { encoding: "utf8" });
  const wrapped = out.match(/ dk=([0-9a-fA-F]+)/)[1];
  const d = createDecipheriv("id-aes256-wrap-pad",
    Buffer.from(process.env.HS_FACTORY_KEY, "hex"),
    Buffer.from("a65959a6", "hex"));
  return Buffer.concat([d.update(Buffer.from(wrapped, "hex")), d.final()])
    .toString("hex");
}

before(async () => {
  const [pan, sgc, ti] = sql("SELECT pan || ' ' || sgc || ' ' || " +
    "tariff_index FROM meters WHERE number = '47040000011'").split(" ");
  sql(`UPDATE meters SET ble_id = ${BLE_ID} WHERE number = '47040000011'`);
  const msg = new Uint8Array([0x48, 0x53, 0x4b, 0x31, (BLE_ID >>> 24) & 255,
    (BLE_ID >>> 16) & 255, (BLE_ID >>> 8) & 255, BLE_ID & 255]);
  const k = ble.hex(await ble.cmac(ble.unhex(process.env.HS_METER_KEY_MASTER),
    msg));
  meterPort = await freePort();
  meterProc = spawn(bin("virtual-meter"), ["--port", String(meterPort),
    "--meter-id", String(BLE_ID), "--key", k, "--ea", "11", "--dk",
    decoderKey({ pan, sgc, ti }), "--sgc", sgc, "--ti", ti, "--krn", "1",
    "--kt", "2", "--credit", "1000", "--time",
    String(Math.floor(Date.now() / 1000))], { stdio: "ignore" });
  browser = await launch({ bluetooth: true });
});

after(async () => {
  await browser.close();
  meterProc.kill();
});

// The emulated radio: one Nordic UART peripheral whose RX writes go to
// the virtual meter and whose TX reads return what the meter said.
async function emulateMeter(page) {
  const cdp = await browser.newBrowserCDPSession();
  const sock = net.connect(meterPort, "127.0.0.1");
  await new Promise((r) => sock.once("connect", r));
  let pending = Buffer.alloc(0);
  sock.on("data", (b) => { pending = Buffer.concat([pending, b]); });
  const mfr = [{ key: 0xffff, data: Buffer.from("HS").toString("base64") }];
  await cdp.send("BluetoothEmulation.enable", { state: "powered-on",
    leSupported: true });
  await cdp.send("BluetoothEmulation.simulatePreconnectedPeripheral", {
    address: ADDRESS, name: "HydroSync meter", manufacturerData: mfr,
    knownServiceUuids: [ble.NUS] });
  const { serviceId } = await cdp.send("BluetoothEmulation.addService", {
    address: ADDRESS, serviceUuid: ble.NUS });
  const { characteristicId: rx } = await cdp.send(
    "BluetoothEmulation.addCharacteristic", { serviceId,
      characteristicUuid: RX, properties: { write: true,
        writeWithoutResponse: true } });
  const { characteristicId: tx } = await cdp.send(
    "BluetoothEmulation.addCharacteristic", { serviceId,
      characteristicUuid: TX, properties: { read: true, notify: true } });
  await cdp.send("BluetoothEmulation.addDescriptor", { characteristicId: tx,
    descriptorUuid: CCCD });

  cdp.on("BluetoothEmulation.gattOperationReceived", (ev) =>
    cdp.send("BluetoothEmulation.simulateGATTOperationResponse",
      { address: ev.address, type: ev.type, code: 0 }));
  cdp.on("BluetoothEmulation.characteristicOperationReceived", (ev) => {
    const reply = (extra) => cdp.send(
      "BluetoothEmulation.simulateCharacteristicOperationResponse",
      { characteristicId: ev.characteristicId, type: ev.type, code: 0,
        ...extra });
    if (ev.type === "write" && ev.characteristicId === rx) {
      sock.write(Buffer.from(ev.data, "base64"));
      if (ev.writeType !== "write-without-response") reply({});
    } else if (ev.type === "read" && ev.characteristicId === tx) {
      const out = pending;
      pending = Buffer.alloc(0);
      reply({ data: out.toString("base64") });
    } else if (ev.type !== "write") {
      reply({});
    }
  });
  cdp.on("BluetoothEmulation.descriptorOperationReceived", (ev) =>
    cdp.send("BluetoothEmulation.simulateDescriptorOperationResponse",
      { descriptorId: ev.descriptorId, type: ev.type, code: 0,
        ...(ev.type === "read" ? { data: "AAA=" } : {}) }));

  // The chooser: advertise when it opens, pick the meter once it is listed.
  const pageCdp = await page.context().newCDPSession(page);
  await pageCdp.send("DeviceAccess.enable");
  let chosen = false;
  pageCdp.on("DeviceAccess.deviceRequestPrompted", async (ev) => {
    try {
      if (chosen) return;
      if (ev.devices.length === 0) {
        await cdp.send("BluetoothEmulation.simulateAdvertisement", { entry: {
          deviceAddress: ADDRESS, rssi: -50, scanRecord: {
            name: "HydroSync meter", uuids: [ble.NUS], appearance: 0,
            txPower: 0, manufacturerData: mfr } } });
        return;
      }
      chosen = true;
      await pageCdp.send("DeviceAccess.selectPrompt", { id: ev.id,
        deviceId: ev.devices[0].id });
    } catch (e) {
      console.error("# chooser:", e.message);
    }
  });
  return () => sock.destroy();
}

test("a token sent to the meter over Web Bluetooth", async () => {
  const page = await open(browser, { viewport: { width: 412, height: 915 } });
  await signIn(page, "app", "customer");
  // After the page's last navigation: the chooser hooks are per document.
  const stop = await emulateMeter(page);
  await page.getByRole("button", { name: "Beli token" }).first().click();
  await page.getByRole("button", { name: "Rp20.000" }).click();
  await page.locator("[data-units]").waitFor();
  const [pay] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("button", { name: "Bayar" }).click(),
  ]);
  await pay.waitForLoadState();
  await pay.getByRole("button", { name: "Bayar" }).click();
  await page.locator("[data-token]").waitFor({ timeout: 20000 });
  // Back to the app's tab: a chooser in a hidden tab is cancelled.
  await pay.close();
  await page.bringToFront();
  const id = page.url().match(/purchase\/(\d+)/)[1];
  const units = Number(sql(`SELECT units FROM purchases WHERE id = ${id}`));

  await page.getByRole("button", { name: "Kirim ke meter (Bluetooth)" })
    .click();
  try {
    await page.getByRole("button", { name: "Hubungkan meter" }).click();
    await page.getByText("Token diterima meter").waitFor({ timeout: 30000 });
    await page.getByText("Data meter terkirim ke PDAM").waitFor({
      timeout: 30000 });
  } catch (e) {
    // What the page said instead, for whoever reads the failure.
    await shot(page, "app-bluetooth-failed");
    throw new Error(`${e.message}\npage: ${await page.locator("main")
      .innerText()}\nerrors: ${page.consoleErrors.join("; ")}`);
  }
  const credit = await page.locator("[data-credit]").getAttribute(
    "data-credit");
  assert.equal(Number(credit), 1000 + units);
  await shot(page, "app-bluetooth");
  assert.equal(sql("SELECT credit FROM telemetry t JOIN meters m ON " +
    "m.id = t.meter_id WHERE m.number = '47040000011' ORDER BY t.id DESC " +
    "LIMIT 1"), String(1000 + units));

  // The dashboard shows what the meter now holds.
  await page.getByRole("button", { name: "Beranda" }).click();
  await page.getByText(/Belum pernah dibaca/).waitFor({ state: "detached" })
    .catch(() => {});
  const shown = await page.locator("[data-credit]").first().textContent();
  assert.match(shown.replace(/\s/g, " "), new RegExp(
    ((1000 + units) / 1000).toFixed(1).replace(".", ",")));
  await shot(page, "app-home-after-bluetooth");
  stop();
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
