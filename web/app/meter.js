// Reading a meter over Bluetooth, and sending it a token; where the
// browser has no Web Bluetooth, the token is for the keypad.
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { bleSupported } from "/lib/ble.js";

export async function meterView(view, [meterId], ctx) {
  if (!bleSupported()) {
    clear(view, h("h1", {}, t("ble.title")),
      h("p", { class: "card", role: "note" }, t("ble.unsupported")));
    return;
  }
  clear(view, h("h1", {}, t("ble.title")), h("p", {}, meterId));
}
