// A small DOM kit: elements from data, never from HTML strings, so text
// the server or a customer wrote can never become markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function")
      el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) =>
    c !== undefined && c !== null && c !== false));
  return el;
}

// A polite status line for screen readers and eyes alike.
export function toast(text, kind = "info") {
  let box = document.getElementById("toast");
  if (!box) {
    box = h("div", { id: "toast", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = h("p", { class: `toast ${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

// A labelled form field.
export function field(label, input, hint) {
  const id = input.id || "f-" + Math.random().toString(36).slice(2, 9);
  input.id = id;
  return h("div", { class: "field" },
    h("label", { for: id }, label), input,
    hint ? h("small", { id: id + "-hint" }, hint) : null);
}

// A bar chart in SVG: values with labels, the tallest bar full height.
export function barChart(items, { label, format, height = 140 } = {}) {
  const ns = "http://www.w3.org/2000/svg";
  const w = Math.max(items.length * 14, 280);
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${height + 16}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label || "");
  svg.classList.add("chart");
  const bw = w / Math.max(items.length, 1);
  items.forEach((it, i) => {
    const bh = Math.round((it.value / max) * height);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", String(i * bw + 1));
    r.setAttribute("y", String(height - bh));
    r.setAttribute("width", String(Math.max(bw - 2, 1)));
    r.setAttribute("height", String(bh));
    const t = document.createElementNS(ns, "title");
    t.textContent = `${it.label}: ${format ? format(it.value) : it.value}`;
    r.append(t);
    svg.append(r);
  });
  return svg;
}
