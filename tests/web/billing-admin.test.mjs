// Postpaid billing in the staff console (/admin/): a technician reads a
// meter without a network and the reading is sent when the browser is
// back online; a second, lower reading is held for review and an
// operator corrects it with a reason; the admin previews and then issues
// the month's invoices; a cashier takes the bill in two parts; the report
// shows it all collected; the field lists name the meter long unpaid.
// The tests share one database and run in order.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import zlib from "node:zlib";
import { launch, open, signIn, shot, assertLocal, sql, BASE } from "./lib.mjs";

let browser;

// Months relative to today in the utility's zone: this one is read and
// billed, the last one has the stand it follows, and one three months
// back was billed and never paid (past due: the disconnection list).
const month = (back) => sql(`SELECT to_char(date_trunc('month', now() AT
  TIME ZONE 'Asia/Jakarta') - interval '${back} month', 'YYYY-MM')`);
let CUR, PREV, OLD, OLDER;
const INVOICE = () => `INV-${CUR.replace("-", "")}-1002`;	// Budi's
// 30 m3 on AIR-R1: 10 x 1,100 + 10 x 1,800 + 10 x 1,900, plus the demo's
// fixed charge (8,000) and admin fee (2,500).
const TOTAL = 48000 + 8000 + 2500;

before(async () => {
  browser = await launch();
  [CUR, PREV, OLD, OLDER] = [0, 1, 3, 4].map(month);
  // Budi's meter (customer 1002) and Agus's (1004) become postpaid.
  sql(`UPDATE meters SET billing = 'postpaid'
        WHERE number IN ('47040000029', '47040000045')`);
  // Last month's stand of Budi's meter: this month's use follows it.
  sql(`SELECT hs_reading_submit('web-setup', utility_id, id,
         DATE '${PREV}-01', 120000, 'technician', now(), 'ba-29-prev',
         NULL, NULL, NULL) FROM meters WHERE number = '47040000029'`);
  // Agus's meter, billed three months ago and never paid.
  sql(`SELECT hs_reading_submit('web-setup', m.utility_id, m.id, p.d, p.v,
         'technician', now(), 'ba-45-' || p.v, NULL, NULL, NULL)
         FROM meters m, (VALUES (DATE '${OLDER}-01', 300000::bigint),
              (DATE '${OLD}-01', 318000)) p (d, v)
        WHERE m.number = '47040000045'`);
  sql(`SELECT hs_billing_run('web-setup', id, DATE '${OLD}-01', false, 20)
         FROM utilities WHERE code = 'pdam-tirta'`);
});

after(async () => {
  // The other suites know these meters as prepaid and active.
  sql(`UPDATE meters SET billing = 'prepaid', status = 'active'
        WHERE number IN ('47040000029', '47040000045')`);
  await browser.close();
});

// A PNG "photo of the dial": a grey face with a dark band of digits.
function png(width = 160, height = 100) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const band = y > 35 && y < 65 && x > 20 && x < 140;
      const digit = band && (Math.floor((x - 20) / 15) % 2 === 0);
      const v = band ? (digit ? 240 : 30) : 180;
      raw.fill(v, y * (width * 3 + 1) + 1 + x * 3,
        y * (width * 3 + 1) + 4 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"),
    chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0))]);
}
const PHOTO = { name: "meter.png", mimeType: "image/png", buffer: png() };

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

async function goTo(page, name, sub) {
  await menu(page).getByRole("link", { name, exact: true }).click();
  if (sub) await page.locator("nav.sub").getByRole("link",
    { name: sub, exact: true }).click();
}

// Refusals a test provokes on purpose are logged by Chromium as failed
// loads; they are taken off the list here, and must have happened.
function expectRefused(page, status) {
  const re = new RegExp(`status of ${status}`);
  assert.ok(page.consoleErrors.some((e) => re.test(e)),
    `expected a ${status} in the console`);
  page.consoleErrors = page.consoleErrors.filter((e) => !re.test(e));
}

async function snap(page, name) {
  await page.evaluate(() => document.getElementById("toast")?.replaceChildren());
  await shot(page, name);
}

async function done(page) {
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
}

// The technician's queue as the device keeps it.
const stored = (page) => page.evaluate(() => Object.keys(localStorage)
  .filter((k) => /^hs\.readings\.\d+$/.test(k))
  .flatMap((k) => JSON.parse(localStorage.getItem(k))));

const readings = (where) => sql(`SELECT count(*) FROM readings r JOIN meters m
  ON m.id = r.meter_id WHERE m.number = '47040000029'
  AND r.period = DATE '${CUR}-01' AND ${where}`);

check("a technician reads a meter offline; it is sent when back online", async () => {
  const page = await staff("technician");
  await goTo(page, "Meter", "Catat meter");
  await page.getByRole("heading", { name: "Catat meter", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("Periode", { exact: true }).inputValue(),
    CUR, "the period defaults to this month");
  await page.getByLabel("Nomor meter", { exact: true }).fill("47040000029");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  const card = page.locator("[data-meter='47040000029']");
  await card.getByText("1002 · Budi Santoso").waitFor();
  await card.getByText(/^120,0 m³ \(120\.000 L\)/).waitFor();
  // The console's files are kept for a start without a network.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));

  await page.context().setOffline(true);
  await page.locator("#net").getByText("Anda sedang offline").waitFor();
  await page.getByLabel("Angka meter (m³)", { exact: true }).fill("145");
  await page.getByText("Dikirim sebagai 145,0 m³ (145.000 L).").waitFor();
  await page.getByLabel("Catatan (opsional)").fill("Meter di depan pagar");
  await page.getByLabel("Foto meter (opsional)").setInputFiles(PHOTO);
  await page.getByRole("img", { name: "Pratinjau foto meter" }).waitFor();
  await page.getByRole("button", { name: "Simpan bacaan" }).click();
  await page.getByText(/disimpan di perangkat ini; dikirim saat online/)
    .waitFor();
  await page.locator("li.entry[data-state=waiting]").waitFor();
  await page.getByText(/Offline: 1 bacaan tersimpan/).waitFor();
  let queue = await stored(page);
  assert.equal(queue.length, 1);
  assert.equal(queue[0].value, 145000, "litres are kept and sent");
  assert.equal(queue[0].period, CUR);
  assert.match(queue[0].client_id, /^[0-9a-f]{32}$/);
  assert.equal(queue[0].photo.type, "image/png");
  assert.equal(readings("true"), "0", "nothing reached the server");

  // A reload without a network: the console comes from its service
  // worker, the reading from the device.
  await page.reload();
  await page.getByRole("heading", { name: "Catat meter", level: 1 }).waitFor();
  await page.locator("li.entry[data-state=waiting]").waitFor();
  assert.equal(readings("true"), "0");

  await page.context().setOffline(false);
  const sent = page.locator("li.entry[data-state=sent][data-reading=accepted]");
  await sent.waitFor();
  // Done when the photo is sent too.
  await page.getByText("Semua bacaan sudah terkirim.").waitFor();
  assert.equal(sql(`SELECT r.state || ' ' || r.value || ' ' || r.photo_type ||
    ' ' || r.note FROM readings r JOIN meters m ON m.id = r.meter_id
    WHERE m.number = '47040000029' AND r.period = DATE '${CUR}-01'
    AND r.taken_by = (SELECT 'user:' || id FROM users
                       WHERE email = 'teknisi@tirta.demo')`),
  "accepted 145000 image/png Meter di depan pagar");
  queue = await stored(page);
  assert.equal(queue[0].photo_state, "sent");
  assert.equal(queue[0].photo, null, "the photo leaves the device once sent");
  await snap(page, "admin-readings");

  // A second, lower reading: the server is down for the first try, the
  // entry waits with the reason, and the button sends it.
  await page.route("**/api/v1/readings", (route) => route.fulfill({
    status: 503, contentType: "application/json",
    body: JSON.stringify({ error: { code: "unavailable",
      message: "server sedang perawatan" } }) }));
  await page.getByLabel("Nomor meter", { exact: true }).fill("47040000029");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  await card.getByText(/^145,0 m³/).waitFor();
  await page.getByLabel("Angka meter (m³)", { exact: true }).fill("110,5");
  await page.getByText(/Lebih kecil dari bacaan terakhir \(145,0 m³/).waitFor();
  await page.getByLabel("Foto meter (opsional)").setInputFiles(PHOTO);
  await page.getByRole("button", { name: "Simpan bacaan" }).click();
  const waiting = page.locator("li.entry[data-state=waiting]");
  await waiting.getByText(/server sedang perawatan/).waitFor();
  expectRefused(page, 503);
  await page.unroute("**/api/v1/readings");
  await page.getByRole("button", { name: "Kirim sekarang" }).click();
  const flagged = page.locator("li.entry[data-reading=flagged]");
  await flagged.waitFor();
  await flagged.getByText("Lebih rendah dari bacaan terakhir").waitFor();
  await flagged.getByText("Bacaan kedua bulan ini").waitFor();
  assert.equal(readings("r.state = 'flagged' AND r.value = 110500 AND " +
    "r.flags = '{lower_than_last,second_reading}'"), "1");

  // The answer lost on the way back: after a reload the entry is sent
  // again, and the server recognises it (one reading, "replayed").
  await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) {
      if (!/^hs\.readings\.\d+$/.test(k)) continue;
      const q = JSON.parse(localStorage.getItem(k));
      for (const e of q) if (e.value === 110500) {
        e.state = "waiting";
        e.result = null;
      }
      localStorage.setItem(k, JSON.stringify(q));
    }
  });
  await page.reload();
  await page.locator("li.entry[data-reading=flagged]")
    .getByText(/tidak tercatat dua kali/).waitFor();
  assert.equal(readings("r.value = 110500"), "1");
  await done(page);
});

check("an operator corrects the flagged reading with a reason", async () => {
  const page = await staff("operator");
  await goTo(page, "Meter", "Periksa bacaan");
  await page.getByRole("heading", { name: "Periksa bacaan", level: 1 })
    .waitFor();
  const card = page.locator("article[data-meter='47040000029']");
  await card.getByText("Lebih rendah dari bacaan terakhir").waitFor();
  await card.getByText("Bacaan kedua bulan ini").waitFor();
  await card.getByText(/^110,5 m³/).waitFor();
  await card.getByText(/^120,0 m³/).waitFor();	// the previous month
  await card.getByText(/^145,0 m³ .*Diterima/).waitFor();	// counts now
  const photo = card.getByRole("img", { name: /^Foto meter 47040000029/ });
  await photo.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 160,
    await photo.elementHandle());
  await snap(page, "admin-review");

  // A correction needs the right stand and a reason: shown by the field.
  await card.getByRole("button", { name: "Simpan koreksi" }).click();
  await card.locator("[name=value][aria-invalid=true]").waitFor();
  await card.getByLabel("Angka yang benar (m³)").fill("150");
  await card.getByRole("button", { name: "Simpan koreksi" }).click();
  await card.locator("[name=note][aria-invalid=true]").waitFor();
  await card.getByText("Tulis alasan koreksi").first().waitFor();
  await card.getByLabel("Alasan", { exact: true })
    .fill("Foto menunjukkan 150, bukan 110,5");
  await card.getByRole("button", { name: "Simpan koreksi" }).click();
  await page.getByText("Tidak ada bacaan yang perlu diperiksa.").waitFor();
  assert.equal(readings("r.state = 'corrected' AND r.value = 150000 AND " +
    "r.usage = 30000 AND r.note LIKE 'Foto menunjukkan 150%' AND " +
    "r.reviewed_by = (SELECT 'user:' || id FROM users WHERE email = " +
    "'operator@tirta.demo')"), "1");
  assert.equal(readings("r.value = 145000 AND r.state = 'rejected'"), "1",
    "the corrected second reading replaces the first");
  await done(page);
});

check("the admin previews the month, issues it and sees the invoice", async () => {
  const page = await staff("admin");
  await goTo(page, "Pembayaran", "Penagihan");
  await page.getByRole("heading", { name: "Penagihan", level: 1 }).waitFor();
  await page.getByLabel("Periode", { exact: true }).fill(CUR);
  await page.getByRole("button", { name: "Pratinjau" }).click();
  const preview = page.locator(`[data-preview='${CUR}']`);
  await preview.waitFor();
  for (const [k, v] of [["created", 1], ["changed", 0], ["unchanged", 0],
    ["locked", 0], ["skipped", 1], ["billed_total", TOTAL]])
    assert.equal(await preview.locator(`[data-count=${k}]`)
      .getAttribute("data-value"), String(v), k);
  await preview.getByRole("table", { name: "Meter yang dilewati" })
    .getByRole("row").filter({ hasText: "47040000045" })
    .getByText("Belum ada bacaan yang berlaku untuk bulan ini").waitFor();
  assert.equal(sql(`SELECT count(*) FROM invoices WHERE number =
    '${INVOICE()}'`), "0", "a preview writes nothing");
  await snap(page, "admin-billing");

  await preview.getByRole("button", { name: /^Terbitkan tagihan / }).click();
  const issued = page.locator(`[data-issued='${CUR}']`);
  await issued.waitFor();
  assert.equal(await issued.locator("[data-count=created]")
    .getAttribute("data-value"), "1");
  assert.equal(sql(`SELECT total || ' ' || state || ' ' || usage FROM invoices
    WHERE number = '${INVOICE()}'`), `${TOTAL} open 30000`);
  const runs = page.getByRole("table", { name: "Putaran penagihan" });
  await runs.locator("[data-state=issued]").first().waitFor();
  assert.ok(await runs.locator("[data-state=preview]").count() >= 1);

  await issued.getByRole("link", { name: "Lihat tagihan bulan ini" }).click();
  await page.getByRole("heading", { name: "Tagihan", level: 1, exact: true })
    .waitFor();
  const row = page.getByRole("row").filter({ hasText: INVOICE() });
  await row.getByText("1002 · Budi Santoso").waitFor();
  await row.locator("[data-state=open]").waitFor();
  await snap(page, "admin-invoices");

  await row.getByRole("link", { name: INVOICE() }).click();
  await page.getByRole("heading", { name: `Tagihan ${INVOICE()}` }).waitFor();
  await page.getByRole("rowheader", { name: /^Blok 3 \(10,0 m³/ }).waitFor();
  await page.getByRole("rowheader", { name: "Biaya tetap bulanan" }).waitFor();
  assert.equal(await page.locator("[data-outstanding]")
    .getAttribute("data-outstanding"), String(TOTAL));
  const print = page.getByRole("link", { name: "Cetak tagihan" });
  assert.match(await print.getAttribute("href"),
    /^\/app\/invoice\.html\?id=\d+$/);
  const [copy] = await Promise.all([page.context().waitForEvent("page"),
    print.click()]);
  await copy.getByText(INVOICE(), { exact: true }).waitFor();
  await copy.close();

  // Running the month again bills nothing twice.
  await page.goto(`${BASE}/admin/#/billing`);
  await page.getByLabel("Periode", { exact: true }).fill(CUR);
  await page.getByRole("button", { name: "Pratinjau" }).click();
  await page.locator(`[data-preview='${CUR}'] [data-count=unchanged]` +
    "[data-value='1']").waitFor();
  await done(page);
});

check("a cashier takes the bill in two parts", async () => {
  const page = await staff("cashier");
  await goTo(page, "Loket", "Loket tagihan");
  await page.getByRole("heading", { name: "Loket tagihan", level: 1 }).waitFor();
  await page.getByLabel("Nomor pelanggan", { exact: true }).fill("1002");
  await page.getByRole("button", { name: "Cari", exact: true }).click();
  const owed = page.locator("[data-customer='1002']");
  await owed.waitFor();
  assert.equal(await owed.getAttribute("data-owed"), String(TOTAL));
  await owed.getByRole("row").filter({ hasText: INVOICE() })
    .locator("[data-state=open]").waitFor();

  // More than is owed is refused beside the amount.
  await page.getByLabel("Nominal (Rp)").fill("999999");
  await page.getByRole("button", { name: "Terima tunai Rp999.999" }).click();
  await page.locator("[name=amount][aria-invalid=true]").waitFor();

  await page.getByLabel("Nominal (Rp)").fill("20000");
  await page.getByRole("button", { name: "Terima tunai Rp20.000" }).click();
  const receipt = page.locator(".receipt");
  await receipt.getByRole("row").filter({ hasText: INVOICE() })
    .locator("[data-state=partial]").waitFor();
  await receipt.getByText("Rp20.000").first().waitFor();
  await page.locator(`[data-customer='1002'][data-owed='${TOTAL - 20000}']`)
    .waitFor();
  assert.equal(sql(`SELECT paid_amount || ' ' || state FROM invoices
    WHERE number = '${INVOICE()}'`), "20000 partial");

  const rest = TOTAL - 20000;
  await page.getByRole("button", { name: /^Lunas semua Rp/ }).click();
  await page.getByRole("button", { name: `Terima tunai Rp${String(rest)
    .replace(/\B(?=(\d{3})+(?!\d))/g, ".")}` }).click();
  await receipt.getByRole("row").filter({ hasText: INVOICE() })
    .locator("[data-state=paid]").waitFor();
  await page.getByText("Tidak ada tagihan yang belum dibayar.").waitFor();
  await page.getByRole("table", { name: "Pembayaran terakhir" })
    .getByRole("row").nth(2).waitFor();
  assert.equal(sql(`SELECT paid_amount || ' ' || state FROM invoices
    WHERE number = '${INVOICE()}'`), `${TOTAL} paid`);
  assert.equal(sql(`SELECT string_agg(b.amount::text, ' ' ORDER BY b.id)
    FROM bill_payments b JOIN customers c ON c.id = b.customer_id
    WHERE c.number = '1002'`), `20000 ${rest}`);
  assert.equal(sql(`SELECT count(DISTINCT reference) FROM bill_payments b
    JOIN customers c ON c.id = b.customer_id WHERE c.number = '1002'
    AND b.partner = 'cashier' AND reference ~ '^[0-9a-f]{32}$'`), "2",
  "one Idempotency-Key per payment");
  await snap(page, "admin-bill-counter");
  await done(page);
});

check("the report shows the month collected; the field lists", async () => {
  const page = await staff("operator");
  await goTo(page, "Pembayaran", "Laporan tagihan");
  await page.getByRole("heading", { name: "Laporan tagihan", level: 1 })
    .waitFor();
  await page.getByLabel("Periode", { exact: true }).fill(CUR);
  await page.getByRole("button", { name: "Tampilkan" }).click();
  const cards = page.locator(`[data-report='${CUR}']`);
  await cards.waitFor();
  const stat = async (k) => cards.locator(`[data-stat=${k}]`)
    .getAttribute("data-value");
  assert.equal(await stat("billed"), String(TOTAL));
  assert.equal(await stat("collected"), String(TOTAL), "billed = collected");
  assert.equal(await stat("outstanding"), "0");
  await page.getByRole("table", { name: "Per golongan tarif" })
    .getByRole("row").filter({ hasText: "AIR-R1" }).getByText("100%").waitFor();
  const [file] = await Promise.all([page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh CSV" }).click()]);
  const csv = await readFile(await file.path(), "utf8");
  assert.match(csv, /AIR-R1/);
  assert.match(csv, new RegExp(String(TOTAL)));
  await snap(page, "admin-billing-report");

  // Agus's bill from three months ago is long past due.
  await page.getByRole("link", { name: "Daftar lapangan", exact: true })
    .first().click();
  await page.getByRole("heading", { name: "Daftar lapangan", level: 1 })
    .waitFor();
  const off = page.getByRole("table", { name: /^Perlu diputus/ });
  const agus = off.getByRole("row").filter({ hasText: "47040000045" });
  await agus.getByText("1004 · Agus Wijaya").waitFor();
  await page.getByLabel("Lewat jatuh tempo (hari)").fill("365");
  await page.getByRole("button", { name: "Tampilkan" }).click();
  await page.getByText("Tidak ada meter yang perlu diputus.").waitFor();
  await page.getByLabel("Lewat jatuh tempo (hari)").fill("30");
  await page.getByRole("button", { name: "Tampilkan" }).click();
  await agus.waitFor();
  const [list] = await Promise.all([page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh CSV" }).first().click()]);
  assert.match(await readFile(await list.path(), "utf8"), /47040000045/);

  // Disconnecting is blocking; once paid, an order to reconnect.
  await agus.getByRole("button", { name: "Putus (blokir) 47040000045" })
    .click();
  await page.getByText("Tidak ada meter yang perlu diputus.").waitFor();
  assert.equal(sql("SELECT status FROM meters WHERE number = '47040000045'"),
    "blocked");
  sql(`SELECT hs_bill_pay_staff('web-setup', c.utility_id, '1004',
         'ba-settle-1004', (SELECT sum(total - paid_amount) FROM invoices
           WHERE customer_id = c.id AND state IN ('open', 'partial'))::bigint)
         FROM customers c WHERE c.number = '1004'`);
  await page.reload();
  const back = page.getByRole("table", { name: "Perlu disambung kembali" })
    .getByRole("row").filter({ hasText: "47040000045" });
  await back.getByRole("button", { name: "Sambung (buka blokir) 47040000045" })
    .click();
  await page.getByText("Tidak ada meter yang perlu disambung.").waitFor();
  assert.equal(sql("SELECT status FROM meters WHERE number = '47040000045'"),
    "active");
  // The payment made the field team's order; reconnecting closed it.
  assert.equal(sql(`SELECT o.state FROM reconnection_orders o JOIN meters m
    ON m.id = o.meter_id WHERE m.number = '47040000045'`), "done");
  await done(page);
});

check("the billing screens follow the roles", async () => {
  // A technician may list the field work but not bill or review.
  const page = await staff("technician");
  await page.goto(`${BASE}/admin/#/field`);
  await page.getByRole("heading", { name: "Daftar lapangan", level: 1 })
    .waitFor();
  assert.equal(await page.getByRole("button", { name: /^Putus/ }).count(), 0);
  for (const path of ["readings/review", "billing", "invoices",
    "counter/bills"]) {
    await page.goto(`${BASE}/admin/#/${path}`);
    await page.getByRole("heading", { name: "Tidak tersedia" }).waitFor();
  }
  await done(page);
});
