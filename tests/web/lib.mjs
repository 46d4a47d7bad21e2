// Shared by the browser tests: Chromium from Debian through
// playwright-core, pages that must never reach past 127.0.0.1, sign-in,
// screenshots, and the demo accounts.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";

export const BASE = process.env.HS_WEB_URL;
export const FAKEPAY = process.env.HS_FAKEPAY_URL;
export const PASSWORD = "demo-password-2026";
export const USERS = {
  admin: "admin@tirta.demo", operator: "operator@tirta.demo",
  cashier: "kasir@tirta.demo", technician: "teknisi@tirta.demo",
  customer: "siti@example.id",
};

// bluetooth: Web Bluetooth is behind a flag in Chromium on Linux.
export async function launch({ bluetooth = false } = {}) {
  const args = ["--no-first-run", "--disable-gpu"];
  if (bluetooth) args.push("--enable-experimental-web-platform-features");
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  return chromium.launch({ executablePath: process.env.HS_CHROMIUM,
    headless: true, args });
}

// A page whose every request is checked: only 127.0.0.1 (and data: or
// blob: URLs) may be asked for.  page.offsite lists any other.
export async function open(browser, { viewport, lang = "id" } = {}) {
  const context = await browser.newContext({
    viewport: viewport || { width: 1280, height: 800 },
    locale: lang === "en" ? "en-GB" : "id-ID",
  });
  const page = await context.newPage();
  page.offsite = [];
  page.consoleErrors = [];
  context.on("request", (req) => {
    const u = new URL(req.url());
    if (u.protocol === "data:" || u.protocol === "blob:") return;
    if (u.hostname !== "127.0.0.1") page.offsite.push(req.url());
  });
  page.on("pageerror", (e) => page.consoleErrors.push(String(e)));
  // A 401 from /auth/me before signing in is how the app learns it must
  // ask; Chromium logs every failed load, so those are not errors here.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text()))
      page.consoleErrors.push(m.text());
  });
  return page;
}

export function assertLocal(page) {
  assert.deepEqual(page.offsite, [], "requests left 127.0.0.1");
}

export async function signIn(page, app, who) {
  await page.goto(`${BASE}/${app}/`);
  await page.getByLabel(/Email/).fill(USERS[who] || who);
  await page.getByLabel(/Kata sandi|Password/).fill(PASSWORD);
  await page.getByRole("button", { name: /Masuk|Sign in/ }).click();
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(process.env.HS_SCREENSHOTS,
    `${name}.png`), fullPage: true });
}

// One value from the test database.
export function sql(query) {
  return execFileSync("/usr/lib/postgresql/15/bin/psql",
    [process.env.HS_TEST_PGURL, "-qAtX", "-c", query],
    { encoding: "utf8" }).trim();
}
