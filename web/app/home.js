// Home: each meter with what is left, when it runs out, its alerts and
// its use by day and by hour.
import * as api from "/lib/api.js";
import { t, current } from "/lib/i18n.js";
import { h, clear, barChart } from "/lib/ui.js";
import { volume, days, dateTime, date } from "/lib/format.js";

function unitOf(m) {
  return m.service_type === "water" ? "litre" : "Wh";
}

function meterCard(m, st, ctx) {
  const s = st && st.state;
  const zone = ctx.user.timezone;
  const alerts = [];
  if (s && !s.valve_open) alerts.push(t("meter.valve_closed"));
  if (s && s.tamper) alerts.push(t("meter.tamper"));
  if (s && s.battery_low) alerts.push(t("meter.battery_low"));
  let chartBox = h("div");
  const showChart = (kind) => {
    const items = kind === "daily" ?
      (st.daily || []).map((d) => ({ label: date(d.day, zone, current()),
        value: d.units })) :
      (st.hourly || []).map((x) => ({ label: dateTime(x.hour, zone,
        current()), value: x.units }));
    clear(chartBox, h("h4", {}, t("meter." + kind)), items.length ?
      barChart(items, { label: t("meter." + kind),
        format: (v) => volume(v, unitOf(m)) }) :
      h("p", { class: "muted" }, t("none")));
  };
  const card = h("section", { class: "card", "aria-label": m.number,
    dataset: { meter: m.id } },
    h("h3", {}, `${m.number} · ${m.install_address || ""}`),
    h("div", { class: "stat" },
      h("span", { class: "muted" }, t("meter.left")),
      h("span", { class: "big", dataset: { credit: "" } },
        s ? volume(s.credit, unitOf(m)) : "–")),
    h("p", {}, `${t("meter.days")}: `, h("strong", {},
      s ? days(s.days_left, current()) : "–")),
    h("p", { class: "muted" }, s ? `${t("meter.reported")}: ${dateTime(
      s.reported_at, zone, current())}` : t("meter.unread")),
    alerts.length ? h("p", { class: "warn", role: "note" },
      alerts.join(" · ")) : null,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: () => ctx.go("buy/" + m.id) },
        t("meter.buy")),
      h("button", { type: "button", class: "secondary",
        onclick: () => ctx.go("meter/" + m.id) }, t("meter.read"))),
    st ? h("div", { class: "row" },
      h("button", { type: "button", class: "secondary",
        onclick: () => showChart("daily") }, t("meter.daily")),
      h("button", { type: "button", class: "secondary",
        onclick: () => showChart("hourly") }, t("meter.hourly"))) : null,
    chartBox);
  if (st) showChart("daily");
  return card;
}

export async function homeView(view, params, ctx) {
  const render = async () => {
    const list = await api.get("/api/v1/meters?limit=50");
    const meters = list.items || [];
    const states = await Promise.all(meters.map((m) =>
      api.get(`/api/v1/meters/${m.id}/state`).catch(() => null)));
    clear(view, h("h1", {}, t("home.title")),
      meters.length ? h("div", { class: "cards" },
        meters.map((m, i) => meterCard(m, states[i], ctx))) :
        h("p", {}, t("home.none")));
  };
  await render();
  // A token or a fresh reading changes what is left: show it.
  return ctx.onPush((d) => {
    if (d.kind === "token" || d.kind === "low_balance")
      render().catch(() => {});
  });
}
