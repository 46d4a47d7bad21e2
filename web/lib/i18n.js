// Bahasa Indonesia first, English second.  Each page registers its own
// strings; t() falls back to Indonesian, then to the key itself.

const dicts = { id: {}, en: {} };
let lang = localStorage.getItem("hs.lang") ||
  (navigator.language && navigator.language.startsWith("en") ? "en" : "id");

export function register(strings) {
  for (const l of Object.keys(dicts))
    Object.assign(dicts[l], strings[l] || {});
}

export function t(key, vars) {
  let s = dicts[lang][key] ?? dicts.id[key] ?? key;
  for (const [k, v] of Object.entries(vars || {}))
    s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function current() {
  return lang;
}

export function setLang(l) {
  lang = l === "en" ? "en" : "id";
  localStorage.setItem("hs.lang", lang);
  document.documentElement.lang = lang;
}

register({
  id: {
    "app.name": "HydroSync", "login": "Masuk", "logout": "Keluar",
    "email": "Email", "password": "Kata sandi", "save": "Simpan",
    "cancel": "Batal", "loading": "Memuat…", "error": "Terjadi kesalahan",
    "offline": "Anda sedang offline", "language": "Bahasa",
    "bad_login": "Email atau kata sandi salah", "retry": "Coba lagi",
    "search": "Cari", "none": "Belum ada data", "next": "Berikutnya",
    "previous": "Sebelumnya", "close": "Tutup", "send": "Kirim",
  },
  en: {
    "app.name": "HydroSync", "login": "Sign in", "logout": "Sign out",
    "email": "Email", "password": "Password", "save": "Save",
    "cancel": "Cancel", "loading": "Loading…", "error": "Something went wrong",
    "offline": "You are offline", "language": "Language",
    "bad_login": "Wrong email or password", "retry": "Try again",
    "search": "Search", "none": "Nothing yet", "next": "Next",
    "previous": "Previous", "close": "Close", "send": "Send",
  },
});
document.documentElement.lang = lang;
