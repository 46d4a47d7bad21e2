// Notification settings (the low-balance threshold the customer picks,
// channels per kind, SMS quiet hours), profile and password.
import * as api from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { h, clear, toast, field } from "/lib/ui.js";

const KINDS = ["token", "low_balance", "payment", "bill", "tamper",
  "battery"];

export async function settingsView(view, params, ctx) {
  const cid = ctx.user.customer_id;
  const prefs = await api.get(`/api/v1/customers/${cid}/notification-settings`);
  const lowUnits = h("input", { type: "number", min: "0", step: "0.1",
    inputmode: "decimal", value: prefs.low_units !== null &&
      prefs.low_units !== undefined ? prefs.low_units / 1000 : "" });
  const lowDays = h("input", { type: "number", min: "0", step: "0.5",
    inputmode: "decimal", value: prefs.low_days ?? "" });
  const qs = h("input", { type: "time", value: prefs.quiet_start || "" });
  const qe = h("input", { type: "time", value: prefs.quiet_end || "" });
  const boxes = {};
  const grid = h("table", {}, h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("settings.channels")),
    h("th", { scope: "col" }, "Push"), h("th", { scope: "col" }, "SMS"))),
  h("tbody", {}, KINDS.map((k) => h("tr", {},
    h("th", { scope: "row" }, t("kind." + k)),
    ["push", "sms"].map((c) => {
      const box = h("input", { type: "checkbox",
        "aria-label": `${t("kind." + k)} ${c}`,
        checked: (prefs.channels[k] || []).includes(c) });
      boxes[k + ":" + c] = box;
      return h("td", {}, box);
    })))));
  const form = h("form", { class: "card", onsubmit: async (ev) => {
    ev.preventDefault();
    const body = { channels: {} };
    for (const k of KINDS)
      body.channels[k] = ["push", "sms"].filter((c) =>
        boxes[k + ":" + c].checked);
    if (lowUnits.value !== "")
      body.low_units = Math.round(parseFloat(lowUnits.value) * 1000);
    if (lowDays.value !== "") body.low_days = parseFloat(lowDays.value);
    if (qs.value && qe.value) {
      body.quiet_start = qs.value;
      body.quiet_end = qe.value;
    }
    try {
      await api.put(`/api/v1/customers/${cid}/notification-settings`, body);
      toast(t("settings.saved"));
    } catch (e) { toast(e.message, "bad"); }
  } },
  h("h2", {}, t("settings.notify")),
  field(t("settings.low_units"), lowUnits),
  field(t("settings.low_days"), lowDays),
  h("fieldset", {}, h("legend", {}, t("settings.quiet")),
    h("div", { class: "row" }, field(t("settings.quiet_start"), qs),
      field(t("settings.quiet_end"), qe))),
  grid, h("button", { type: "submit" }, t("save")));

  const cur = h("input", { type: "password", autocomplete: "current-password" });
  const nw = h("input", { type: "password", autocomplete: "new-password" });
  const pw = h("form", { class: "card", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api.post("/api/v1/auth/password", { current: cur.value,
        new: nw.value });
      toast(t("settings.changed"));
      cur.value = nw.value = "";
    } catch (e) { toast(e.message, "bad"); }
  } }, h("h2", {}, t("settings.password")),
  field(t("settings.old"), cur), field(t("settings.new"), nw),
  h("button", { type: "submit" }, t("save")));

  clear(view, h("h1", {}, t("settings.title")),
    h("section", { class: "card" }, h("h2", {}, t("settings.profile")),
      h("dl", {}, h("dt", {}, t("email")), h("dd", {}, ctx.user.email),
        h("dt", {}, "Nama"), h("dd", {}, ctx.user.name),
        h("dt", {}, "PDAM"), h("dd", {}, ctx.user.utility_name || ""))),
    form, pw);
}
