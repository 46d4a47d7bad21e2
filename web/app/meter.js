// A meter over Bluetooth: connect (the browser's chooser), open a session
// with the grant the server issued (the phone never holds the meter's
// key), send a bought token, read what is left, the battery and the last
// hours of use, and upload the signed reading so the utility sees it.
// Without Web Bluetooth (iPhone, Firefox) the token is for the keypad.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { volume, token as grouped } from "/lib/format.js";
import { bleSupported, BleTransport, Session } from "/lib/ble.js";

export async function meterView(view, [meterId, purchaseId], ctx) {
  const meter = await api.get(`/api/v1/meters/${meterId}`);
  const unit = meter.service_type === "water" ? "litre" : "Wh";
  const purchase = purchaseId ?
    await api.get(`/api/v1/purchases/${purchaseId}`) : null;
  const tokens = purchase && purchase.token ?
    [...(purchase.key_change_tokens || []), purchase.token] : [];
  const title = h("h1", {}, `${t("ble.title")} · ${meter.number}`);

  if (!bleSupported()) {
    clear(view, title, h("p", { class: "card", role: "note" },
      t("ble.unsupported")),
      tokens.map((d) => h("p", { class: "token huge" }, grouped(d))));
    return;
  }
  const out = h("div", { "aria-live": "polite" });
  const log = (text, cls) => out.append(h("p", { class: cls || "" }, text));
  let transport = null;

  const run = async () => {
    clear(out);
    btn.disabled = true;
    try {
      const grant = await api.get(`/api/v1/meters/${meterId}/grant`);
      if (!transport) transport = await BleTransport.choose();
      const s = new Session(transport);
      await s.open(grant);
      log(t("ble.connected"), "ok");
      for (const d of tokens) {
        log(`${t("ble.sending")} ${grouped(d)}`);
        const r = await s.token(d);
        const ok = ["credit", "key_pending", "key_changed", "used"]
          .includes(r.result);
        log(`${ok ? t("ble.accepted") : t("ble.rejected")} (${r.result})`,
          ok ? "ok" : "bad");
      }
      const st = await s.status();
      const info = await s.info();
      await s.log(0);
      const body = await s.upload();
      await api.post(`/api/v1/meters/${meterId}/telemetry`, body);
      out.append(h("dl", { class: "card" },
        h("dt", {}, t("ble.credit")), h("dd", { dataset: { credit:
          String(st.credit) } }, volume(st.credit, unit)),
        h("dt", {}, t("ble.battery")), h("dd", {},
          `${(info.battery_mv / 1000).toFixed(2).replace(".", ",")} V`)));
      log(t("ble.uploaded"), "ok");
    } catch (e) {
      log(`${t("error")}: ${e.message}`, "bad");
      if (transport) { transport.close(); transport = null; }
    } finally {
      btn.disabled = false;
      btn.textContent = t("ble.read");
    }
  };
  const btn = h("button", { type: "button", onclick: run }, t("ble.connect"));
  clear(view, title,
    tokens.length ? h("section", { class: "card" },
      tokens.map((d) => h("p", { class: "token" }, grouped(d)))) : null,
    btn, out);
  return () => { if (transport) transport.close(); };
}
