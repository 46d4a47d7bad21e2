// The staff console (/admin/): what each role sees, customers and meters
// made and changed through the forms, CSV out and in, a cash sale at the
// counter, payments, tariffs, accounts and keys, the notification log and
// the audit chain.  The tests share one database and run in order: the
// cash sale feeds the purchases, settlement and notification tests.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, open, signIn, shot, assertLocal, sql, BASE } from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const MENU = {
  admin: ["dashboard", "customers", "meters", "tariffs", "counter", "payments",
    "chat", "notifications", "users", "audit"],
  operator: ["dashboard", "customers", "meters", "tariffs", "payments", "chat",
    "notifications"],
  cashier: ["dashboard", "counter", "payments"],
  technician: ["dashboard", "meters"],
};

// A DRN: ten digits and their Luhn check digit.
function drn(ten) {
  let sum = 0;
  for (let i = ten.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = Number(ten[i]);
    if (dbl) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return ten + String((10 - (sum % 10)) % 10);
}

// The page a test is driving, so a failure leaves a screenshot of it.
let current = null;

function check(name, fn) {
  test(name, async () => {
    current = null;
    try {
      await fn();
    } catch (e) {
      if (current && !current.isClosed())
        await shot(current, "fail-" + name.replace(/\W+/g, "-").slice(0, 40))
          .catch(() => {});
      throw e;
    }
  });
}

async function staff(who, opts) {
  const page = current = await open(browser, opts);
  await signIn(page, "admin", who);
  await page.getByRole("heading", { level: 1, name: /Dasbor|Dashboard/ })
    .waitFor();
  return page;
}

const menu = (page) => page.getByRole("navigation", { name: "Menu" });

async function goTo(page, name) {
  await menu(page).getByRole("link", { name, exact: true }).click();
}

// The server's refusals that a test provokes on purpose are logged by
// Chromium as failed loads; they are taken off the list here, and must
// have happened.  Anything else stays and fails the test.
function expectRefused(page, status) {
  const re = new RegExp(`status of ${status}`);
  assert.ok(page.consoleErrors.some((e) => re.test(e)),
    `expected a ${status} in the console`);
  page.consoleErrors = page.consoleErrors.filter((e) => !re.test(e));
}

// Screenshots without the passing toasts, which float over the page.
async function snap(page, name) {
  await page.evaluate(() => document.getElementById("toast")?.replaceChildren());
  await shot(page, name);
}

async function done(page) {
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
}

check("each staff role sees its own screens", async () => {
  for (const role of Object.keys(MENU)) {
    const page = await staff(role);
    const screens = await menu(page).getByRole("link")
      .evaluateAll((els) => els.map((e) => e.dataset.screen));
    assert.deepEqual(screens, MENU[role], `${role}'s menu`);
    assert.ok(await page.locator("[data-stat]").count() >= 5, "stat cards");
    if (role === "admin") {
      await page.locator("svg.chart").waitFor();
      await snap(page, "admin-dashboard");
    }
    if (role === "cashier") {
      // A screen outside the role is refused by the console too.
      await page.goto(`${BASE}/admin/#/users`);
      await page.getByRole("heading", { name: "Tidak tersedia" }).waitFor();
      assert.equal(await menu(page).getByRole("link", { name: "Pengguna" })
        .count(), 0);
    }
    await done(page);
  }
});

check("a customer is registered, edited and blocked through the forms", async () => {
  const page = await staff("operator");
  await goTo(page, "Pelanggan");
  await page.getByRole("heading", { name: "Pelanggan", level: 1 }).waitFor();
  assert.ok(await page.getByRole("cell", { name: "Siti Rahayu" }).count() >= 1);
  await snap(page, "admin-customers");

  await page.getByRole("link", { name: "Pelanggan baru" }).click();
  await page.getByLabel("Nomor pelanggan", { exact: true }).fill("2001");
  await page.getByLabel("Nama", { exact: true }).fill("Dewi Sartika");
  await page.getByLabel("Alamat", { exact: true }).fill("Jl. Melati 5, Karanganyar");
  // A bad phone number: the server names the field and the form shows
  // the message beside it.
  await page.getByLabel("Telepon", { exact: true }).fill("12345");
  await page.getByLabel("Golongan", { exact: true }).fill("R1");
  await page.getByRole("button", { name: "Simpan" }).click();
  const phone = page.getByLabel("Telepon", { exact: true });
  await page.locator("[name=phone][aria-invalid=true]").waitFor();
  assert.match(await page.locator("#" + await phone.getAttribute("id") +
    "-err").textContent(), /phone/);
  await page.getByRole("alert").filter({ hasText: "Gagal" }).waitFor();
  expectRefused(page, 422);

  await phone.fill("6281299990001");
  await page.getByRole("button", { name: "Simpan" }).click();
  const row = page.getByRole("row").filter({ hasText: "2001" });
  await row.getByRole("cell", { name: "Dewi Sartika", exact: true }).waitFor();

  await row.getByRole("link", { name: "2001" }).click();
  await page.getByRole("heading", { name: "2001 · Dewi Sartika" }).waitFor();
  await page.getByLabel("Nama", { exact: true }).fill("Dewi Sartika Putri");
  await page.getByRole("button", { name: "Simpan" }).click();
  await page.locator(".form-alert.ok").filter({ hasText: "Tersimpan" }).waitFor();
  await snap(page, "admin-customer");
  assert.equal(sql("SELECT name FROM customers WHERE number = '2001'"),
    "Dewi Sartika Putri");

  await page.getByRole("link", { name: "← Pelanggan" }).click();
  await page.getByLabel("Nomor, nama atau telepon").fill("Putri");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  const edited = page.getByRole("row").filter({ hasText: "Dewi Sartika Putri" });
  await edited.waitFor();
  await edited.getByRole("button", { name: "Blokir Dewi Sartika Putri" }).click();
  await edited.locator("[data-state=inactive]").waitFor();
  assert.equal(sql("SELECT status FROM customers WHERE number = '2001'"),
    "inactive");
  await page.getByRole("row").filter({ hasText: "Dewi Sartika Putri" })
    .getByRole("button", { name: "Buka blokir Dewi Sartika Putri" }).click();
  await page.getByRole("row").filter({ hasText: "Dewi Sartika Putri" })
    .locator("[data-state=active]").waitFor();
  await done(page);
});

check("a meter is registered for the customer, given a BLE id and blocked", async () => {
  const number = drn("4704000010");
  const page = await staff("admin");
  await goTo(page, "Meter");
  await page.getByRole("link", { name: "Meter baru" }).click();
  await page.getByLabel("Nomor meter", { exact: true }).fill(number);
  await page.getByLabel("Nomor pelanggan", { exact: true }).fill("2001");
  await page.getByLabel("Tarif", { exact: true }).selectOption("AIR-R1");
  await page.getByLabel("Kode grup suplai (SGC)").fill("123457");
  await page.getByLabel("Alamat pemasangan", { exact: true }).fill("Jl. Melati 5");
  await page.getByRole("button", { name: "Simpan" }).click();
  const row = page.getByRole("row").filter({ hasText: number });
  await row.getByRole("cell", { name: "2001 · Dewi Sartika Putri", exact: true })
    .waitFor();
  await snap(page, "admin-meters");

  await row.getByRole("link", { name: number }).click();
  await page.getByRole("heading", { name: `Meter ${number}` }).waitFor();
  await page.getByLabel("Alamat pemasangan", { exact: true }).fill("Jl. Melati 5A");
  await page.getByLabel("ID BLE", { exact: true }).fill("0A1B2C3D");
  await page.getByLabel("Di belakang gateway BLE gedung").check();
  await page.getByRole("button", { name: "Simpan" }).click();
  await page.locator("dd").filter({ hasText: "0a1b2c3d" }).waitFor();
  assert.equal(sql(`SELECT install_address || ' ' || ble_gateway FROM meters
    WHERE number = '${number}'`), "Jl. Melati 5A true");

  await page.getByRole("button", { name: "Blokir" }).click();
  await page.locator(".head [data-state=blocked]").waitFor();
  await page.getByRole("button", { name: "Buka blokir" }).click();
  await page.locator(".head [data-state=active]").waitFor();
  await snap(page, "admin-meter");

  await page.getByRole("link", { name: "← Meter" }).click();
  await page.getByLabel("Nomor meter atau alamat").fill("Melati 5A");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  await page.getByRole("row").filter({ hasText: number })
    .getByRole("cell", { name: /0a1b2c3d \(gateway\)/ }).waitFor();
  await done(page);
});

check("customers and meters download as CSV; an import is checked first", async () => {
  const page = await staff("operator");
  await goTo(page, "Pelanggan");
  const [file] = await Promise.all([page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh CSV" }).click()]);
  assert.match(file.suggestedFilename(), /\.csv$/);
  const csv = await (await import("node:fs/promises"))
    .readFile(await file.path(), "utf8");
  assert.match(csv.split("\n")[0], /number/);
  assert.match(csv, /Dewi Sartika Putri/);

  await page.getByRole("button", { name: "Impor CSV" }).click();
  const upload = (name, text) => page.getByLabel("Berkas CSV").setInputFiles({
    name, mimeType: "text/csv", buffer: Buffer.from(text) });
  await upload("bad.csv", "number,name,phone\n3001,Andi,6281200000001\n" +
    "3002,,12\n");
  await page.getByRole("button", { name: "Periksa (uji coba)" }).click();
  const report = page.getByRole("table", { name: "Kesalahan per baris" });
  await report.waitFor();
  assert.ok(await report.getByRole("rowheader", { name: "3" }).count() >= 1,
    "the bad row is reported as row 3");
  assert.ok(await page.getByRole("button", { name: "Impor sekarang" })
    .isDisabled());
  expectRefused(page, 422);

  await upload("good.csv", "number,name,phone\n3001,Andi,6281200000001\n" +
    "3002,Bayu,6281200000002\n");
  await page.getByRole("button", { name: "Periksa (uji coba)" }).click();
  await page.getByText(/Uji coba berhasil: 2 dari 2 baris/).waitFor();
  assert.equal(sql("SELECT count(*) FROM customers WHERE number IN " +
    "('3001', '3002')"), "0");
  await page.getByRole("button", { name: "Impor sekarang" }).click();
  await page.getByRole("cell", { name: "Bayu", exact: true }).waitFor();
  assert.equal(sql("SELECT count(*) FROM customers WHERE number IN " +
    "('3001', '3002')"), "2");

  await goTo(page, "Meter");
  const [meters] = await Promise.all([page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh CSV" }).click()]);
  const mcsv = await (await import("node:fs/promises"))
    .readFile(await meters.path(), "utf8");
  assert.match(mcsv, /47040000011/);
  await done(page);
});

check("a cashier sells a token for cash and sees it", async () => {
  const page = await staff("cashier");
  await goTo(page, "Loket");
  await page.getByLabel("Nomor meter", { exact: true }).fill("47040000011");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  await page.locator("[data-meter='47040000011']").getByText("Siti Rahayu")
    .waitFor();
  await page.getByRole("button", { name: "Rp50.000" }).click();
  const sell = page.getByRole("button", { name: /^Terima tunai Rp/ });
  await sell.waitFor();
  assert.ok(await page.getByRole("table", { name: "Rincian harga" })
    .getByRole("rowheader", { name: "Blok 1" }).count() === 1);
  await sell.click();
  const digits = page.locator("[data-token]");
  await digits.waitFor({ timeout: 30000 });
  const token = await digits.getAttribute("data-token");
  assert.match(token, /^\d{20}$/);
  assert.equal(sql("SELECT t.token FROM tokens t JOIN purchases p ON " +
    "p.id = t.purchase_id WHERE p.provider = 'cash' ORDER BY t.id DESC LIMIT 1"),
  token);
  const receipt = page.getByRole("link", { name: "Cetak struk" });
  const href = await receipt.getAttribute("href");
  assert.match(href, /^\/api\/v1\/purchases\/\d+\/receipt$/);
  // The receipt is fetched as the browser would, with the session.
  const [status, html] = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return [r.status, await r.text()];
  }, href);
  assert.equal(status, 200);
  assert.match(html, new RegExp(token.slice(0, 4)));
  await snap(page, "admin-counter");
  await done(page);
});

check("purchases, the settlement report and reconciliation", async () => {
  const page = await staff("admin");
  await goTo(page, "Pembayaran");
  await page.getByLabel("Status", { exact: true }).selectOption("vended");
  await page.getByRole("button", { name: "Saring" }).click();
  const first = page.getByRole("row").filter({ hasText: "47040000011" }).first();
  await first.locator("[data-state=vended]").waitFor();
  await snap(page, "admin-purchases");
  await first.getByRole("link").first().click();
  await page.getByRole("heading", { name: /^Pembelian / }).waitFor();
  await page.getByRole("table", { name: "Rincian harga" }).waitFor();
  await page.locator("[data-token]").waitFor();
  await page.getByRole("button", { name: "Kirim ulang token" }).click();
  await page.getByText("Token akan dikirim ulang").waitFor();
  await snap(page, "admin-purchase");

  await page.getByRole("link", { name: "Laporan setoran" }).click();
  await page.getByRole("heading", { name: "Laporan setoran", level: 1 }).waitFor();
  assert.ok(await page.getByRole("row").filter({ hasText: "cash" }).count() >= 1);
  const [file] = await Promise.all([page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh CSV" }).click()]);
  assert.match(file.suggestedFilename(), /\.csv$/);
  await snap(page, "admin-settlement");

  await page.getByRole("link", { name: "Rekonsiliasi" }).click();
  await page.getByRole("button", { name: "Jalankan sekarang" }).click();
  await page.getByText(/Rekonsiliasi #\d+ selesai/).waitFor({ timeout: 40000 });
  assert.ok(await page.locator("[data-run]").count() >= 1);
  await snap(page, "admin-reconciliation");
  await done(page);
});

// An online purchase made as the customer's app would (the sandbox
// provider), straight through the API with the page's session.
async function sandboxPurchase(page, meter) {
  return page.evaluate(async (meterId) => {
    const r = await fetch("/api/v1/purchases", { method: "POST",
      headers: { "Content-Type": "application/json",
        "X-CSRF-Token": sessionStorage.getItem("hs.csrf"),
        "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ meter_id: meterId, amount: 20000,
        provider: "sandbox" }) });
    return (await r.json()).id;
  }, Number(meter));
}

check("an unpaid purchase is cancelled, a paid one without token refunded", async () => {
  const page = await staff("admin");
  const meter = sql("SELECT id FROM meters WHERE number = '47040000029'");
  const unpaid = await sandboxPurchase(page, meter);
  const stuck = await sandboxPurchase(page, meter);
  assert.ok(unpaid > 0 && stuck > 0);
  // The payment arrived but the token never did (an HSM outage, say).
  sql(`UPDATE purchases SET state = 'refund_due', paid_at = now(),
    paid_amount = total WHERE id = ${stuck}`);

  await page.goto(`${BASE}/admin/#/purchases/${unpaid}`);
  await page.getByRole("button", { name: "Batalkan" }).click();
  await page.locator(".head [data-state=cancelled]").waitFor();
  assert.equal(sql(`SELECT state FROM purchases WHERE id = ${unpaid}`),
    "cancelled");

  await page.goto(`${BASE}/admin/#/purchases/${stuck}`);
  await page.locator(".head [data-state=refund_due]").waitFor();
  assert.equal(await page.getByRole("button", { name: "Batalkan" }).count(), 0);
  await page.getByLabel("Alasan", { exact: true }).fill("x");
  await page.getByRole("button", { name: "Catat pengembalian dana" }).click();
  await page.locator("[name=reason][aria-invalid=true]").waitFor();
  expectRefused(page, 422);
  await page.getByLabel("Alasan", { exact: true }).fill("Token tidak terbit");
  await page.getByLabel("Referensi transfer").fill("TRF-0001");
  await page.getByRole("button", { name: "Catat pengembalian dana" }).click();
  await page.locator(".head [data-state=refunded]").waitFor();
  await page.getByText(/TRF-0001/).waitFor();
  await done(page);
});

check("tariffs show their blocks and take a new version", async () => {
  const page = await staff("admin");
  await goTo(page, "Tarif");
  await page.getByRole("link", { name: "AIR-R1" }).click();
  const v1 = page.locator("[data-version='2026-01-01']");
  await v1.getByRole("cell", { name: "Rp1.100" }).waitFor();
  await v1.getByRole("cell", { name: "> 30" }).waitFor();
  await page.getByLabel("Berlaku mulai").fill("2027-01-01");
  await page.getByLabel("Blok 1: harga per m³").fill("1250");
  await page.getByRole("button", { name: "Tambah versi" }).click();
  const v2 = page.locator("[data-version='2027-01-01']");
  await v2.getByRole("cell", { name: "Rp1.250" }).waitFor();
  await snap(page, "admin-tariffs");
  await done(page);
});

check("accounts are made, changed and disabled; an API key shows once", async () => {
  const page = await staff("admin");
  await goTo(page, "Pengguna");
  await page.getByRole("link", { name: "kasir@tirta.demo" }).waitFor();
  await page.getByRole("link", { name: "Akun baru" }).click();
  await page.getByLabel("Email", { exact: true }).fill("loket2@tirta.demo");
  await page.getByLabel("Nama", { exact: true }).fill("Kasir Dua");
  await page.getByLabel("Peran", { exact: true }).selectOption("cashier");
  await page.getByLabel("Kata sandi awal").fill("kasir-dua-2026-rahasia");
  await page.getByRole("button", { name: "Simpan" }).click();
  const row = page.getByRole("row").filter({ hasText: "loket2@tirta.demo" });
  await row.waitFor();
  await row.getByLabel("Peran loket2@tirta.demo").selectOption("operator");
  await row.getByRole("button", { name: "Ubah peran" }).click();
  await page.getByText("loket2@tirta.demo kini Operator").waitFor();
  await page.getByRole("row").filter({ hasText: "loket2@tirta.demo" })
    .getByRole("button", { name: "Nonaktifkan loket2@tirta.demo" }).click();
  await page.getByRole("row").filter({ hasText: "loket2@tirta.demo" })
    .locator("[data-state=disabled]").waitFor();
  assert.equal(sql("SELECT role || ' ' || status FROM users WHERE email = " +
    "'loket2@tirta.demo'"), "operator disabled");
  await snap(page, "admin-users");

  await page.getByRole("link", { name: "Kunci API" }).click();
  await page.getByLabel("Nama", { exact: true }).fill("Loket bank");
  await page.getByRole("button", { name: "Buat kunci" }).click();
  const secret = page.locator("[data-key]");
  await secret.waitFor();
  const key = await secret.getAttribute("data-key");
  assert.match(key, /^hsk_[0-9a-f]{16}_[0-9a-f]{48}$/);
  await snap(page, "admin-keys");
  await page.reload();
  await page.getByRole("rowheader", { name: "Loket bank", exact: true })
    .waitFor();
  assert.equal(await page.getByText(key).count(), 0, "the secret shows once");
  await page.getByLabel("Alasan mencabut Loket bank").fill("uji coba selesai");
  await page.getByRole("button", { name: "Cabut" }).click();
  await page.getByRole("row").filter({ hasText: "Loket bank" })
    .locator("[data-state=revoked]").waitFor();
  await done(page);
});

check("the notification log lists the token notice", async () => {
  const page = await staff("operator");
  await goTo(page, "Notifikasi");
  await page.getByRole("heading", { name: "Notifikasi", level: 1 }).waitFor();
  await page.getByLabel("Pelanggan", { exact: true }).fill("1001");
  await page.getByRole("button", { name: "Saring" }).click();
  await page.getByRole("cell", { name: "Token", exact: true }).first().waitFor();
  await snap(page, "admin-notifications");
  await done(page);
});

check("the audit log verifies as intact", async () => {
  const page = await staff("admin");
  await goTo(page, "Audit");
  await page.getByRole("rowheader").first().waitFor();
  await page.getByRole("button", { name: "Periksa rantai" }).click();
  await page.locator(".verify[data-intact=true]").waitFor();
  assert.match(await page.locator(".verify").textContent(), /utuh/i);
  await snap(page, "admin-audit");
  await done(page);
});

check("a technician reads a meter's state but cannot change it", async () => {
  const page = await staff("technician");
  await goTo(page, "Meter");
  await page.getByRole("link", { name: "47040000011" }).click();
  await page.getByRole("heading", { name: "Meter 47040000011" }).waitFor();
  await page.getByRole("heading", { name: "Kondisi terakhir" }).waitFor();
  await page.getByRole("heading", { name: "Riwayat token" }).waitFor();
  assert.equal(await page.getByRole("heading", { name: "Ubah meter" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Blokir" }).count(), 0);
  await done(page);
});

check("on a tablet in English, by keyboard", async () => {
  const page = await staff("operator", { viewport: { width: 820, height: 1180 } });
  await page.getByLabel("Bahasa / Language").selectOption("en");
  await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
  await menu(page).getByRole("link", { name: "Customers" }).waitFor();
  // The skip link is the stop before the header's controls and lands on
  // the content.
  await page.getByLabel("Bahasa / Language").focus();
  await page.keyboard.press("Shift+Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  assert.ok(await skip.evaluate((el) => el === document.activeElement));
  assert.ok(await skip.evaluate((el) => el.getBoundingClientRect().left >= 0),
    "the focused skip link is on screen");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "view");
  await snap(page, "admin-tablet-en");
  await page.getByLabel("Bahasa / Language").selectOption("id");
  await done(page);
});
