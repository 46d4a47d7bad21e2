// Bar charts with their days written under the bars.  lib/ui.js draws the
// bars in a fixed viewBox; stretched to the card's width (instead of kept
// in proportion and centred) the bars line up with the labels below,
// which are laid out in as many equal columns as there are bars.
import { h, barChart } from "/lib/ui.js";

export function dayChart(items, { label, format }) {
  const svg = barChart(items, { label, format });
  svg.setAttribute("preserveAspectRatio", "none");
  return h("figure", { class: "day-chart" }, svg,
    h("div", { class: "chart-days", "aria-hidden": "true" },
      items.map((i) => h("span", {}, i.label))));
}
