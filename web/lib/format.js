// Numbers, money, volumes and dates as Indonesians read them.

const ZONES = { "Asia/Jakarta": "WIB", "Asia/Makassar": "WITA",
  "Asia/Jayapura": "WIT" };

// Rp52.500
export function rupiah(n) {
  const v = Math.round(Number(n) || 0);
  const s = Math.abs(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return (v < 0 ? "-Rp" : "Rp") + s;
}

function decimal(n, digits) {
  return Number(n).toFixed(digits).replace(".", ",")
    .replace(/\B(?=(\d{3})+(?!\d))(?=.*,)/g, ".");
}

// Water in m³ with the litres beside it: "4,5 m³ (4.500 L)"; electricity
// in kWh from Wh: "12,3 kWh".
export function volume(units, service) {
  const v = Number(units) || 0;
  if (service === "electricity" || service === "Wh")
    return decimal(v / 1000, 1) + " kWh";
  const litres = Math.round(v).toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${decimal(v / 1000, 1)} m³ (${litres} L)`;
}

export function days(n, lang) {
  if (n === null || n === undefined) return "–";
  const v = decimal(n, 1);
  return lang === "en" ? `${v} days` : `${v} hari`;
}

// "6 Des 2026 14.05 WIB" in the utility's zone.
export function dateTime(iso, zone = "Asia/Jakarta", lang = "id") {
  if (!iso) return "–";
  const d = new Date(iso);
  const s = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    timeZone: zone, day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit" }).format(d);
  return `${s} ${ZONES[zone] || zone}`;
}

export function date(iso, zone = "Asia/Jakarta", lang = "id") {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    timeZone: zone, day: "numeric", month: "short" }).format(new Date(iso));
}

export function zoneName(zone) {
  return ZONES[zone] || zone;
}

// 20 digits in groups of four, as on a keypad receipt.
export function token(digits) {
  return String(digits).replace(/(\d{4})(?=\d)/g, "$1 ");
}
