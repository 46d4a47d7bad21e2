// The customer app: sign-in, meters, a token bought with the sandbox
// provider arriving over the live connection, history, settings, chat.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, open, signIn, shot, assertLocal, sql } from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("a customer signs in and sees their meters", async () => {
  const page = await open(browser, { viewport: { width: 412, height: 915 } });
  await signIn(page, "app", "customer");
  await page.getByRole("heading", { name: "Meter saya" }).waitFor();
  assert.ok(await page.locator("[data-meter]").count() >= 1);
  await shot(page, "app-home");
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test("staff are sent to the console", async () => {
  const page = await open(browser);
  await signIn(page, "app", "admin");
  await page.getByText(/konsol petugas/).waitFor();
  assertLocal(page);
  await page.context().close();
});

test("a customer buys a token with the sandbox and sees it arrive", async () => {
  const page = await open(browser, { viewport: { width: 412, height: 915 } });
  await signIn(page, "app", "customer");
  await page.getByRole("button", { name: "Beli token" }).first().click();
  await page.getByRole("heading", { name: "Beli token" }).waitFor();
  await page.getByRole("button", { name: "Rp50.000" }).click();
  await page.locator("[data-units]").waitFor();
  await shot(page, "app-buy");
  // The provider's page opens in its own tab; this one keeps listening.
  const [pay] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("button", { name: "Bayar" }).click(),
  ]);
  await pay.waitForLoadState();
  await page.getByRole("status").filter({ hasText: "Menunggu pembayaran" }).waitFor();
  await pay.getByRole("button", { name: "Bayar" }).click();
  const token = page.locator("[data-token]");
  await token.waitFor({ timeout: 20000 });
  const digits = await token.getAttribute("data-token");
  assert.match(digits, /^\d{20}$/);
  const id = page.url().match(/purchase\/(\d+)/)[1];
  assert.equal(sql(`SELECT token FROM tokens WHERE purchase_id = ${id}`),
    digits);
  await shot(page, "app-token");
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test("token history, settings and chat", async () => {
  const page = await open(browser);
  await signIn(page, "app", "customer");
  await page.getByRole("button", { name: "Riwayat" }).click();
  await page.getByRole("heading", { name: "Riwayat token" }).waitFor();
  await page.getByRole("button", { name: "Tampilkan" }).first().click();
  await page.locator("p.token.huge").waitFor();
  await shot(page, "app-history");

  await page.getByRole("button", { name: "Pengaturan" }).click();
  await page.getByLabel(/Ingatkan saat sisa/).fill("2.5");
  await page.getByRole("button", { name: "Simpan" }).first().click();
  await page.getByText("Pengaturan disimpan").waitFor();
  assert.equal(sql("SELECT low_units FROM notification_prefs p JOIN " +
    "customers c ON c.id = p.customer_id WHERE c.number = '1001'"), "2500");
  await shot(page, "app-settings");

  await page.getByRole("button", { name: "Chat" }).click();
  await page.getByLabel("Tulis pesan…").fill("Halo, air kecil sejak pagi");
  await page.getByRole("button", { name: "Kirim", exact: true }).click();
  await page.locator(".msg.mine", { hasText: "Halo, air kecil" }).waitFor();
  assert.equal(sql("SELECT count(*) FROM chat_messages WHERE body = " +
    "'Halo, air kecil sejak pagi'"), "1");
  await shot(page, "app-chat");

  await page.getByRole("combobox", { name: /Bahasa/ }).selectOption("en");
  await page.getByRole("button", { name: "Home" }).waitFor();
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
