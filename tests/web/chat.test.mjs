// Live chat between a customer (/app/, Chat tab) and the utility's staff
// (/admin/ inbox), in two browser contexts, so two sessions and two live
// connections: the conversation reaches the inbox as it opens, messages
// cross both ways without a reload, the unread count rises and clears,
// typing and read receipts show, and the operator takes the conversation.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, open, signIn, shot, assertLocal, sql } from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function done(page) {
  assertLocal(page);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
}

// Typing key by key, as a person does, so the typing notice is sent.
async function typeSlowly(input, text) {
  await input.click();
  await input.pressSequentially(text, { delay: 40 });
}

test("customer and operator chat live, both ways", async () => {
  const staff = await open(browser);
  await signIn(staff, "admin", "operator");
  await staff.getByRole("heading", { name: "Dasbor", level: 1 }).waitFor();
  await staff.getByRole("navigation", { name: "Menu" })
    .getByRole("link", { name: "Chat" }).click();
  await staff.getByRole("heading", { name: "Pilih percakapan" }).waitFor();
  await staff.getByText("Belum ada percakapan.").waitFor();

  // The customer opens the Chat tab: the conversation appears in the
  // inbox without a reload.
  const customer = await open(browser, { viewport: { width: 412, height: 915 } });
  await signIn(customer, "app", "customer");
  await customer.getByRole("heading", { name: "Meter saya" }).waitFor();
  await customer.getByRole("button", { name: "Chat" }).click();
  await customer.getByRole("heading", { name: "Chat dengan PDAM" }).waitFor();
  const entry = staff.locator("[data-conversation]").filter(
    { hasText: "Siti Rahayu" });
  await entry.waitFor();

  // A message before the operator opens it: counted as unread, live.
  const custInput = customer.getByPlaceholder("Tulis pesan…");
  await custInput.fill("Selamat pagi, air di rumah saya mati.");
  await custInput.press("Enter");
  await entry.locator("[data-unread='1']").waitFor();
  await staff.locator("#chat-unread").filter({ hasText: "1" }).waitFor();

  await entry.click();
  const staffLog = staff.getByRole("log", { name: "Pesan" });
  await staffLog.getByText("Selamat pagi, air di rumah saya mati.").waitFor();
  // Opening it read it: the count goes and the customer sees the receipt.
  await entry.locator("[data-unread]").waitFor({ state: "detached" });
  await customer.getByText("Dibaca ✓✓").waitFor();

  // The operator takes it.
  await staff.getByRole("button", { name: "Tangani sendiri" }).click();
  await staff.getByText("Sekarang ditangani: saya").waitFor();
  await staff.locator("#conv-assignee").filter({ hasText: "saya" }).waitFor();
  await entry.filter({ hasText: "Ditangani: saya" }).waitFor();
  const conv = await entry.getAttribute("data-conversation");
  assert.equal(sql(`SELECT u.email FROM chat_conversations c JOIN users u ON
    u.id = c.assigned_to WHERE c.id = ${Number(conv)}`), "operator@tirta.demo");

  // Typing shows on the other side, then the message arrives live.
  const staffInput = staff.getByPlaceholder("Tulis balasan…");
  await typeSlowly(staffInput, "Baik Bu, petugas kami datang jam 10.");
  await customer.getByText("Petugas sedang mengetik…").waitFor();
  await staffInput.press("Enter");
  const custLog = customer.getByRole("log");
  await custLog.getByText("Baik Bu, petugas kami datang jam 10.").waitFor();
  await staff.getByText("Dibaca ✓✓").waitFor();

  await typeSlowly(custInput, "Terima kasih!");
  await staff.getByText("Pelanggan sedang mengetik…").waitFor();
  await custInput.press("Enter");
  await staffLog.getByText("Terima kasih!").waitFor();
  // A message arriving in the open conversation is read at once.
  await customer.getByText("Dibaca ✓✓").waitFor();

  assert.equal(await staffLog.locator(".msg").count(), 3);
  assert.equal(await staffLog.locator(".msg.mine").count(), 1);
  await shot(staff, "admin-chat");
  await shot(customer, "app-chat-live");

  // Handed over to a colleague (an operator types the colleague's id).
  const admin = sql("SELECT id FROM users WHERE email = 'admin@tirta.demo'");
  await staff.getByLabel("ID petugas tujuan").fill(admin);
  await staff.getByRole("button", { name: "Serahkan" }).click();
  await staff.getByText(`Sekarang ditangani: #${admin}`).waitFor();
  await entry.filter({ hasText: `Ditangani: #${admin}` }).waitFor();
  assert.equal(sql(`SELECT assigned_to FROM chat_conversations WHERE id =
    ${Number(conv)}`), admin);
  await done(customer);
  await done(staff);
});
