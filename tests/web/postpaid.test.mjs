// A postpaid customer's bills in the app: what is owed, each month, the
// printable invoice, and paying it online with the sandbox provider.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, open, signIn, shot, assertLocal, sql } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
  // Siti's second meter is postpaid: read in October and November, billed.
  sql(`INSERT INTO meters (utility_id, customer_id, number, pan,
         service_type, tariff_group_id, sgc, billing, install_address)
       SELECT c.utility_id, c.id, '47040000136', '600727470400001361',
              'water', g.id, 123457, 'postpaid', 'Jl. Merpati 12 (rumah)'
         FROM customers c JOIN tariff_groups g ON g.code = 'AIR-R1'
        WHERE c.number = '1001'`);
  sql(`SELECT hs_reading_submit('tech', m.utility_id, m.id, p.d, p.v,
         'technician', now(), 'web-' || p.v, NULL, NULL, NULL)
         FROM meters m, (VALUES (DATE '2026-10-01', 50000::bigint),
              (DATE '2026-11-01', 75000)) p (d, v)
        WHERE m.number = '47040000136'`);
  sql(`SELECT hs_billing_run('admin', id, '2026-11-01', false, 20)
         FROM utilities WHERE code = 'pdam-tirta'`);
});
after(async () => { await browser.close(); });

test("a customer sees their bill and prints it", async () => {
  const total = Number(sql(`SELECT i.total FROM invoices i
    JOIN invoice_meters im ON im.invoice_id = i.id
    JOIN meters m ON m.id = im.meter_id WHERE m.number = '47040000136'`));
  assert.equal(total, 38500 + 8000 + 2500);	// 25 m3 on R1, the demo fees
  const page = await open(browser, { viewport: { width: 412, height: 915 } });
  await signIn(page, "app", "customer");
  await page.getByRole("button", { name: "Tagihan" }).click();
  await page.getByRole("heading", { name: "Tagihan air" }).waitFor();
  assert.equal(await page.locator("[data-owed]").getAttribute("data-owed"),
    String(total));
  await page.getByText("Rp49.000").first().waitFor();
  await shot(page, "app-bills");
  const [print] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("link", { name: "Cetak" }).first().click(),
  ]);
  // One invoice per customer: Siti's number, the meter's section in it.
  await print.getByText("INV-202611-1001").waitFor();
  await print.getByText(/Meter 47040000136 · AIR-R1/).waitFor();
  await print.getByText("Denda keterlambatan").waitFor({ state: "detached" })
    .catch(() => {});
  await shot(print, "app-invoice");
  await print.close();

  // Paid online: the provider's page in its own tab, the bill then paid.
  const [pay] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("button", { name: "Bayar sekarang" }).click(),
  ]);
  await pay.waitForLoadState();
  await pay.getByRole("button", { name: "Bayar" }).click();
  await pay.close();
  await page.getByText("Semua tagihan sudah lunas.").waitFor({
    timeout: 20000 });
  assert.equal(sql(`SELECT i.state FROM invoices i
    JOIN invoice_meters im ON im.invoice_id = i.id
    JOIN meters m ON m.id = im.meter_id WHERE m.number = '47040000136'`),
    "paid");
  await shot(page, "app-bills-paid");
  const [receipt] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("link", { name: "Bukti pembayaran" }).first().click(),
  ]);
  await receipt.getByText("Terima kasih, pembayaran diterima.").waitFor();
  await shot(receipt, "app-bill-receipt");
  await receipt.close();
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
