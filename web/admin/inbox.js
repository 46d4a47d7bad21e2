// The chat inbox: every conversation of the utility with its unread
// count, kept current over the live connection (the server announces new
// conversations, messages, reads and assignments; the list is asked for
// again when one arrives), and the open conversation in lib/chatui.js's
// panel.  Staff assign a conversation to themselves or hand it over.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear } from "/lib/ui.js";
import { dateTime } from "/lib/format.js";
import { chatPanel } from "/lib/chatui.js";
import { can } from "./roles.js";
import { labelled, input, select } from "./form.js";
import { badge } from "./table.js";

// Staff who can take a conversation.  Only administrators may list
// accounts (GET /api/v1/users); others hand over by the colleague's id
// until the API offers a staff directory (see /work/admin-needs.md).
async function staffOf(user) {
  if (!can(user, "users.read")) return null;
  try {
    const r = await api.get("/api/v1/users?status=active&limit=200");
    return (r.items || []).filter((u) => u.role !== "customer");
  } catch { return null; }
}

function assignee(id, me, staff) {
  if (!id) return t("chat.nobody");
  if (id === me.id) return t("chat.me");
  const u = staff && staff.find((x) => x.id === id);
  return u ? u.name : `#${id}`;
}

export async function inboxView(view, [openId], ctx) {
  const live = ctx.live;
  const me = ctx.user;
  const staff = await staffOf(me);
  const lang = current();
  const openConv = openId ? Number(openId) : null;
  // Not a live region: the list is redrawn on every event.  New messages
  // are announced by the open conversation's log and the menu's count.
  const listBox = h("div", { "aria-busy": "true" }, h("p", {}, t("loading")));
  const pane = h("section", { class: "card", "aria-labelledby": "conv-title" });
  const status = h("p", { role: "status", class: "muted" });
  let conversations = [];
  let panel = null;

  const renderList = () => {
    listBox.removeAttribute("aria-busy");
    if (!conversations.length)
      return clear(listBox, h("p", { class: "muted" }, t("chat.empty")));
    clear(listBox, h("ul", { "aria-label": t("chat.list") },
      conversations.map((c) => h("li", {}, h("a", {
        href: `#/chat/${c.id}`, "aria-current": c.id === openConv ? "true" :
          undefined, dataset: { conversation: c.id } },
      h("strong", {}, c.customer_name || `#${c.customer_id}`), " ",
      c.unread > 0 ? h("span", { class: "count",
        dataset: { unread: c.unread } },
        String(c.unread), h("span", { class: "sr-only" },
          " " + t("chat.unread_sr"))) : null,
      h("small", {}, `${c.subject || t("chat.no_subject")} · ` +
        `${t("chat.assigned")}: ${assignee(c.assigned_to, me, staff)}`),
      h("small", {}, [badge(c.state), " ", dateTime(c.updated_at, ctx.zone,
        lang)]))))));
    const cur = conversations.find((c) => c.id === openConv);
    const who = document.getElementById("conv-assignee");
    const title = document.getElementById("conv-title");
    if (!cur || !who) return;
    who.textContent = assignee(cur.assigned_to, me, staff);
    title.textContent = t("chat.conversation", { id: cur.id }) + " · " +
      (cur.customer_name || `#${cur.customer_id}`);
  };

  const assign = (user) => live.send({ type: "assign",
    conversation: openConv, user });

  const offs = [
    live.on("result", (m) => {
      if (m.of === "list" && m.data) {
        conversations = m.data.items || [];
        renderList();
      } else if (m.of === "assign" && m.data) {
        status.textContent = t("chat.assigned_to", { who:
          assignee(m.data.assigned_to, me, staff) });
      }
    }),
    live.on("error", (m) => {
      status.textContent = `${t("a.failed")}: ${m.message || m.code}`;
    }),
  ];
  ctx.chatList();

  if (openConv) {
    panel = chatPanel(live, openConv, `user:${me.id}`, { zone: ctx.zone,
      label: t("chat.messages") });
    const mine = h("button", { type: "button", onclick: () => assign(me.id) },
      t("chat.assign_me"));
    const who = staff ? select("handover", [["", t("chat.choose")]].concat(
      staff.filter((u) => u.id !== me.id).map((u) => [u.id,
        `${u.name} (${t("role." + u.role)})`])), "") :
      input("handover", { inputmode: "numeric", pattern: "[0-9]+" });
    const hand = h("button", { type: "button", class: "secondary",
      onclick: () => {
        const id = Number(who.value);
        if (id > 0) assign(id);
        else { who.setAttribute("aria-invalid", "true"); who.focus(); }
      } }, t("chat.hand_over"));
    clear(pane,
      h("h2", { id: "conv-title" }, t("chat.conversation", { id: openConv })),
      h("p", {}, `${t("chat.assigned")}: `, h("strong",
        { id: "conv-assignee" }, "…")),
      h("div", { class: "toolbar" }, mine,
        labelled(staff ? t("chat.colleague") : t("chat.colleague_id"), who,
          staff ? null : t("chat.colleague_hint")), hand),
      status, panel.el);
  } else {
    clear(pane, h("h2", { id: "conv-title" }, t("chat.pick")),
      h("p", { class: "muted" }, t("chat.pick_hint")));
  }

  clear(view, h("h1", {}, t("nav.chat")),
    h("div", { class: "inbox" },
      h("section", { "aria-labelledby": "conv-list" },
        h("h2", { id: "conv-list" }, t("chat.list")), listBox),
      pane));
  if (panel)
    panel.el.querySelector("form input[type=text]").dataset.autofocus = "";
  return () => {
    offs.forEach((off) => off());
    if (panel) panel.destroy();
  };
}
