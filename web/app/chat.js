// Live chat with the utility: the customer's open conversation (opened
// on first visit), over the same live connection as the pushed tokens.
import { t } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { chatPanel } from "/lib/chatui.js";

export async function chatView(view, params, ctx) {
  const live = ctx.live;
  const conv = await new Promise((resolve, reject) => {
    let offErr = null;
    const off = live.on("result", (m) => {
      if (m.of !== "open") return;
      off();
      offErr();
      if (m.data && m.data.id) resolve(m.data); else reject(new Error("chat"));
    });
    offErr = live.on("error", (m) => { offErr(); off();
      reject(new Error(m.message)); });
    live.send({ type: "open", subject: "Chat" });
  });
  const me = `customer:${ctx.user.customer_id}`;
  const panel = chatPanel(live, conv.id, me, { zone: ctx.user.timezone });
  clear(view, h("h1", {}, t("chat.title")), panel.el);
  return () => panel.destroy();
}
