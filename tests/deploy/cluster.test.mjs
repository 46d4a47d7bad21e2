// The deployment's shape, end to end: nginx terminating TLS in front of
// two core nodes.  A customer signs in over HTTPS (the session cookie is
// Secure, HSTS is sent), the app's live connection runs over wss (a chat
// message goes out and comes back), and plain HTTP is redirected.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "../web/node_modules/playwright-core/index.mjs";

const HTTPS = `https://127.0.0.1:${process.env.HS_HTTPS_PORT}`;
let browser;

before(async () => {
  const args = ["--no-first-run", "--disable-gpu"];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  browser = await chromium.launch({ executablePath: process.env.HS_CHROMIUM,
    headless: true, args });
});
after(async () => { await browser.close(); });

test("plain HTTP is redirected to HTTPS", async () => {
  const res = await new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: Number(process.env.HS_HTTP_PORT),
      path: "/app/" }, resolve).on("error", reject);
  });
  assert.equal(res.statusCode, 301);
  assert.equal(res.headers.location, `${HTTPS}/app/`);
  res.resume();
});

test("an HTTPS login and the live connection over wss", async () => {
  // The certificate is self-signed: made by mk/cluster.sh on the spot.
  const context = await browser.newContext({ ignoreHTTPSErrors: true,
    locale: "id-ID" });
  const page = await context.newPage();
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  const resp = await page.goto(`${HTTPS}/app/`);
  assert.match(resp.headers()["strict-transport-security"] || "",
    /max-age=\d+/);
  await page.getByLabel(/Email/).fill("siti@example.id");
  await page.getByLabel(/Kata sandi|Password/).fill("demo-password-2026");
  await page.getByRole("button", { name: /Masuk|Sign in/ }).click();
  try {
    await page.getByRole("heading", { name: "Meter saya" }).waitFor();
  } catch (e) {
    throw new Error(`${e.message}\npage: ${await page.locator("main")
      .innerText()}`);
  }
  const cookie = (await context.cookies()).find((c) =>
    c.name.endsWith("hs_session"));
  assert.ok(cookie && cookie.secure && cookie.httpOnly);

  await page.getByRole("button", { name: "Chat" }).click();
  await page.getByLabel("Tulis pesan…").fill("Lewat TLS dan wss");
  await page.getByRole("button", { name: "Kirim", exact: true }).click();
  await page.locator(".msg.mine", { hasText: "Lewat TLS dan wss" }).waitFor();
  assert.ok(sockets.some((u) => u.startsWith(
    `wss://127.0.0.1:${process.env.HS_HTTPS_PORT}/ws`)), sockets.join(" "));
  await page.screenshot({ path: `${process.env.HS_SCREENSHOTS}/cluster-chat.png` });
  await context.close();
});
