// One conversation on screen, for the customer app and the staff inbox:
// history, live messages, typing, read receipts, photo attachments.
// Messages are deduplicated by id, so a resume after a reconnect that
// repeats some is harmless.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, toast } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";

export function chatPanel(live, conversation, me, { zone, label } = {}) {
  const seen = new Map();
  const list = h("div", { class: "chat", role: "log", "aria-live": "polite",
    "aria-label": label || t("chat.title") });
  const typing = h("p", { class: "typing", "aria-live": "polite" });
  const receipt = h("p", { class: "muted", "aria-live": "polite" });
  const input = h("input", { type: "text", maxlength: "4000",
    placeholder: t("chat.placeholder"), "aria-label": t("chat.placeholder") });
  const photo = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp",
    "aria-label": t("chat.photo"), class: "sr-only" });
  let typingTimer, lastTyping = 0, lastId = 0;

  const render = (m) => {
    if (seen.has(m.id)) return;
    const el = h("div", { class: "msg" + (m.sender === me ? " mine" : ""),
      dataset: { id: m.id } },
      m.body ? h("span", {}, m.body) : null,
      m.attachment ? h("img", { src: `/api/v1/chat/attachments/${m.attachment}`,
        alt: t("chat.photo"), class: "chat-photo" }) : null,
      h("small", {}, `${m.sender_name || m.sender} · ${dateTime(m.at, zone,
        current())}`));
    seen.set(m.id, el);
    // In id order: a resumed history may arrive after newer messages.
    const after = [...seen.keys()].filter((id) => id > m.id).sort((a, b) =>
      a - b)[0];
    if (after !== undefined && seen.get(after).parentNode === list)
      list.insertBefore(el, seen.get(after));
    else
      list.append(el);
    list.scrollTop = list.scrollHeight;
    if (m.id > lastId) lastId = m.id;
  };
  const markRead = () => {
    if (lastId > 0 && document.visibilityState === "visible")
      live.send({ type: "read", conversation, last: lastId });
  };

  const offs = [
    live.on("result", (m) => {
      if (m.of === "history" && m.data && m.data.conversation === conversation) {
        (m.data.messages || []).forEach(render);
        markRead();
      }
    }),
    live.on("message", (m) => {
      if (m.message && m.message.conversation === conversation) {
        render(m.message);
        typing.textContent = "";
        if (m.message.sender !== me) markRead();
      }
    }),
    live.on("ack", (m) => { if (m.message) render(m.message); }),
    live.on("typing", (m) => {
      if (m.conversation !== conversation || m.who === me) return;
      typing.textContent = t("chat.typing");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ""; }, 4000);
    }),
    live.on("read", (m) => {
      if (m.conversation === conversation && m.reader !== me)
        receipt.textContent = `${t("chat.read")} ✓✓`;
    }),
  ];
  live.follow(conversation, 0);
  live.send({ type: "history", conversation, limit: 50 });

  const send = (body, attachment) => {
    const client_id = api.idempotencyKey();
    live.send({ type: "send", conversation, body, client_id,
      attachment: attachment || undefined });
    receipt.textContent = "";
  };
  input.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      live.send({ type: "typing", conversation });
    }
  });
  photo.addEventListener("change", async () => {
    const f = photo.files[0];
    if (!f) return;
    try {
      const a = await api.post(`/api/v1/chat/conversations/${conversation}/attachments`,
        f, { "Content-Type": f.type });
      send("", a.id);
    } catch (e) { toast(e.message, "bad"); }
    photo.value = "";
  });
  const form = h("form", { class: "row", onsubmit: (ev) => {
    ev.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    send(body);
    input.value = "";
  } }, input,
  h("button", { type: "button", class: "secondary",
    onclick: () => photo.click() }, t("chat.photo")), photo,
  h("button", { type: "submit" }, t("send")));
  const el = h("div", {}, list, typing, receipt, form);
  document.addEventListener("visibilitychange", markRead);
  return { el, destroy() {
    offs.forEach((off) => off && off());
    document.removeEventListener("visibilitychange", markRead);
  } };
}
