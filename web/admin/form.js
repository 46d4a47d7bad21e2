// Forms in the console: labelled controls with room for their own error,
// and the API's error shown where it belongs.  The server names the bad
// field (ApiError.field, e.g. "number" or "blocks[1].price"); a control
// with that name gets the message beside it and the focus, and the form's
// alert line repeats it so a screen reader hears it at once.
import { t } from "/lib/i18n.js";
import { h, field } from "/lib/ui.js";

// A labelled control.  The hint and the error are tied to the control
// with aria-describedby, which ui.field leaves to its caller.
export function labelled(label, control, hint) {
  const box = field(label, control, hint);
  const err = h("p", { class: "field-error", id: control.id + "-err",
    hidden: true });
  box.append(err);
  const ids = [hint ? control.id + "-hint" : null, err.id].filter(Boolean);
  control.setAttribute("aria-describedby", ids.join(" "));
  return box;
}

// An input with a name (the API's field name) and attributes.
export function input(name, attrs = {}) {
  return h("input", { name, type: "text", ...attrs });
}

// A select of [value, label] pairs.
export function select(name, options, selected, attrs = {}) {
  return h("select", { name, ...attrs }, options.map(([v, label]) =>
    h("option", { value: v, selected: String(v) === String(selected ?? "") },
      label)));
}

export function checkbox(name, label, checked) {
  const box = h("input", { type: "checkbox", name, checked: Boolean(checked) });
  return { input: box, el: h("label", { class: "check" }, box, " ", label) };
}

// The line under a form where its outcome is announced.
export function alertLine() {
  return h("p", { class: "form-alert", role: "alert" });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]"))
    el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) {
    el.textContent = "";
    el.hidden = true;
  }
  const line = form.querySelector(".form-alert");
  if (line) {
    line.textContent = "";
    line.className = "form-alert";
  }
}

// Show an API error on the form: beside the named field when there is
// one, always on the form's alert line.  Returns true if a field took it.
export function showError(form, err) {
  clearErrors(form);
  const line = form.querySelector(".form-alert");
  const message = err && err.message ? err.message : t("error");
  let control = null;
  if (err && err.field)
    control = form.querySelector(`[name="${CSS.escape(err.field)}"]`);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    const slot = document.getElementById(control.id + "-err");
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    }
    control.focus();
  }
  if (line) {
    line.className = "form-alert bad";
    line.textContent = `${t("a.failed")}: ${message}` +
      (err && err.field && !control ? ` (${err.field})` : "");
  }
  return Boolean(control);
}

export function showOk(form, text) {
  clearErrors(form);
  const line = form.querySelector(".form-alert");
  if (line) {
    line.className = "form-alert ok";
    line.textContent = text;
  }
}

// Run an async submit with its button disabled, so a double click cannot
// send the same change twice.
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// The trimmed value of a control, or undefined when it is empty: optional
// fields are left out of a create rather than sent empty.
export function value(control) {
  const v = control.value.trim();
  return v === "" ? undefined : v;
}
