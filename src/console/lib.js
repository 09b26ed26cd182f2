// lib.js: what every view of the console shares: the API call, a DOM
// builder, strings in two languages, hash routes, formatting, dialogs and
// polling that stops when the view changes.
//
// The console adds no rule of its own: a view shows what an API answers and
// sends what the user asked for; the API decides. A view module registers
// its routes with route() from the setup function app.js calls for the
// signed-in user's kind (operator.js, trader.js, merchant.js).

import { strings } from "./i18n.js";

// ---- the API ----------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let csrf = "";
let onSignedOut = null;

export function setSession(token, signedOut) {
  csrf = token || "";
  onSignedOut = signedOut || null;
}

// The message of an error answer, whatever the API's shape: the admin and
// merchant APIs' {"error": "..."}, the trader API's, panda's
// {"error": {"message"}} and the like.
function errorText(data, text, status) {
  if (data && typeof data === "object") {
    const e = data.error ?? data.message ?? data.detail ?? data.desc;
    if (typeof e === "string") return e;
    if (e && typeof e === "object" && typeof e.message === "string") return e.message;
  }
  if (text && text.length < 300) return text;
  return `HTTP ${status}`;
}

// Call an API of kassad: JSON in and out (a FormData body is sent as
// multipart), the CSRF header on every state-changing request. Resolves to
// the answer's JSON (null when empty); rejects with ApiError.
export async function api(method, path, body) {
  const opt = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") opt.headers["X-CSRF-Token"] = csrf;
  if (body instanceof FormData) {
    opt.body = body;
  } else if (body !== undefined) {
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opt);
  } catch (e) {
    throw new ApiError(0, t("error.network"), null);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && onSignedOut && !path.startsWith("/console/api/session")) onSignedOut();
    throw new ApiError(res.status, errorText(data, text, res.status), data);
  }
  return data;
}

// A query string of the non-empty members of `params` ("" when none).
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---- the DOM ------------------------------------------------------------------

// h("button.primary", {onclick: fn, type: "button"}, "Save"): an element;
// a tag may carry .classes and one #id. attrs: `class`, `text`, `html` is
// not supported (no markup from data, ever), on<event> functions, `dataset`
// (an object), `style` is not supported either (the CSP forbids inline
// style: use classes), booleans set or drop an attribute. Children: nodes,
// strings and numbers (as text), arrays (flattened), null/undefined/false
// (skipped).
export function h(tag, attrs, ...children) {
  const m = /^([a-z0-9-]+)((?:[.#][\w-]+)*)$/i.exec(tag);
  if (!m) throw new Error(`bad tag ${tag}`);
  const el = document.createElement(m[1]);
  for (const part of m[2].match(/[.#][\w-]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") {
      for (const c of String(v).split(/\s+/)) if (c) el.classList.add(c);
    } else if (k === "text") {
      el.textContent = String(v);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "value" && "value" in el) {
      el.value = v;
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// Replace el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// ---- strings --------------------------------------------------------------------

let lang = "en";
const dict = { en: {}, ru: {} };
addStrings(strings);

// Add a view's strings: {en: {key: "text"}, ru: {key: "текст"}}.
export function addStrings(s) {
  for (const l of Object.keys(dict)) Object.assign(dict[l], s[l] || {});
}

export function setLang(l) {
  lang = l === "ru" ? "ru" : "en";
  document.documentElement.lang = lang;
  try {
    localStorage.setItem("kassa.lang", lang);
  } catch (e) {
    /* private mode */
  }
}

export function getLang() {
  return lang;
}

export function preferredLang() {
  let l = null;
  try {
    l = localStorage.getItem("kassa.lang");
  } catch (e) {
    l = null;
  }
  if (l === "ru" || l === "en") return l;
  return (navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en";
}

// The string `key` in the current language with {name} replaced from vars;
// the English one when the language lacks it; the key itself when both do.
export function t(key, vars) {
  let s = dict[lang][key] ?? dict.en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (all, n) => (n in vars ? String(vars[n]) : all));
  return s;
}

// ---- routes ---------------------------------------------------------------------

const routes = [];
let current = { stop: [] };

// route("/orders/:ref", (main, params, q) => ...): render into `main` when
// the hash is #/orders/<ref>; q holds the hash's query (#/orders?status=1).
// The render may return a function, called when the view is left.
export function route(pattern, render) {
  const names = [];
  const re = new RegExp(
    "^" +
      pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:(\w+)/g, (all, n) => {
        names.push(n);
        return "([^/]+)";
      }) +
      "$",
  );
  routes.push({ re, names, render, pattern });
}

export function clearRoutes() {
  routes.length = 0;
}

// Go to #path (a view of this application).
export function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

export function currentPath() {
  return (location.hash.slice(1) || "/").split("?")[0];
}

export function currentQuery() {
  const i = location.hash.indexOf("?");
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : "");
}

// Leave the current view: stop its polls, call its cleanup.
function leave() {
  for (const f of current.stop) {
    try {
      f();
    } catch (e) {
      /* a view's cleanup must not stop the next view */
    }
  }
  current = { stop: [] };
}

let mainEl = null;

export function setMain(el) {
  mainEl = el;
}

// Render the view the hash names (called on every hashchange by app.js).
export async function render() {
  leave();
  const view = current;
  const path = currentPath();
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    document.dispatchEvent(new CustomEvent("kassa:route", { detail: { pattern: r.pattern } }));
    fill(mainEl, h("p.muted", { text: t("loading") }));
    try {
      const stop = await r.render(mainEl, params, currentQuery());
      if (typeof stop === "function") {
        if (view === current) view.stop.push(stop);
        else stop();
      }
    } catch (e) {
      if (view === current) showError(mainEl, e);
    }
    return;
  }
  fill(mainEl, h("h1", { text: t("notfound.title") }), h("p", { text: t("notfound.text") }));
}

export function showError(el, e) {
  fill(el, h("div.alert.error", { role: "alert" }, e instanceof ApiError || e instanceof Error ? e.message : String(e)));
}

// Call fn now and every `ms` until the view is left (an error keeps the
// poll going: the next call may succeed).
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  const view = current;
  const tick = async () => {
    try {
      await fn();
    } catch (e) {
      /* shown by fn if it wants; keep polling */
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  view.stop.push(stop);
  tick();
  return stop;
}

// Run fn when the current view is left.
export function onLeave(fn) {
  current.stop.push(fn);
}

// ---- formatting -------------------------------------------------------------------

const NBSP = "\u00a0";

// An amount as the API gives it ("1500.50", "12.000000") with its currency:
// "1 500.50 RUB", grouped by thousands with non-breaking spaces, never
// through a float.
export function money(amount, currency) {
  if (amount === undefined || amount === null || amount === "") return "—";
  const s = String(amount);
  const neg = s.startsWith("-");
  const [whole, frac] = (neg ? s.slice(1) : s).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  return (neg ? "−" : "") + grouped + (frac !== undefined ? `.${frac}` : "") + (currency ? NBSP + currency : "");
}

// A time from the API (Unix seconds, or RFC 3339 text) in the user's
// language: "07.12.2026, 20:15:03".
export function dt(v) {
  if (v === undefined || v === null || v === "" || v === 0) return "—";
  const d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
  if (isNaN(d)) return String(v);
  return d.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

// Seconds as "12:05" or "1:02:05" (a countdown).
export function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const hh = Math.floor(sec / 3600);
  const mm = Math.floor((sec % 3600) / 60);
  const ss = String(sec % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

// ---- dialogs and notices ---------------------------------------------------------------

// Ask before an action: resolves true when confirmed. `body` may be a node
// (a form whose values the caller reads after) or text.
export function confirmDialog(text, { ok = t("ok"), cancel = t("cancel"), body = null, danger = false } = {}) {
  return new Promise((resolve) => {
    const okBtn = h(`button.${danger ? "danger" : "primary"}`, { type: "submit", value: "ok", text: ok });
    const dlg = h(
      "dialog.confirm",
      { "aria-label": text },
      h(
        "form",
        { method: "dialog" },
        h("p.question", { text }),
        body,
        h("div.actions", {}, h("button", { type: "submit", value: "cancel", text: cancel }), okBtn),
      ),
    );
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "ok");
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    okBtn.focus();
  });
}

// A short notice at the bottom of the screen.
export function toast(text, kind = "ok") {
  let box = document.getElementById("toasts");
  if (!box) {
    box = h("div#toasts", { role: "status", "aria-live": "polite" });
    document.body.appendChild(box);
  }
  const el = h(`div.toast.${kind}`, { text });
  box.appendChild(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 4000);
}

// Run an action from a button: disable it meanwhile, toast the outcome.
// Resolves to the action's result, or undefined when it failed.
export async function act(button, fn, done) {
  if (button) button.disabled = true;
  try {
    const r = await fn();
    if (done) toast(done);
    return r;
  } catch (e) {
    toast(e.message || String(e), "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// A table: columns [{label, cell: (row) => node|string, class?}], rows.
// On a narrow screen each row is shown as a card (style.css), every cell
// labelled with its column's name (data-label).
export function table(columns, rows, { empty = t("empty"), onrow = null } = {}) {
  if (!rows || rows.length === 0) return h("p.muted.empty", { text: empty });
  return h(
    "table.grid",
    {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.class, text: c.label })))),
    h(
      "tbody",
      {},
      rows.map((r) =>
        h(
          "tr",
          { class: onrow ? "link" : null, onclick: onrow ? () => onrow(r) : null },
          columns.map((c) => h("td", { class: c.class, "data-label": c.label }, c.cell(r))),
        ),
      ),
    ),
  );
}

// A definition list of [label, value] pairs (values: nodes or text).
export function facts(pairs) {
  return h(
    "dl.facts",
    {},
    pairs.filter(Boolean).map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v ?? "—")]),
  );
}

// A labelled form field: field(t("amount"), h("input", {name: "amount"})).
export function field(label, control, hint) {
  return h("label.field", {}, h("span.label", { text: label }), control, hint ? h("span.hint", { text: hint }) : null);
}

// The values of a form's named controls (text; checkboxes as booleans;
// empty ones left out).
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.value !== "") out[el.name] = el.value;
  }
  return out;
}

// A status badge: status text and a class from it.
export function badge(text, kind) {
  return h(`span.badge.${kind || String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-")}`, { text });
}

// A "copy" button for value (the Clipboard API; a selected text field where
// it is not available).
export function copyButton(value, label = t("copy")) {
  return h("button.copy", {
    type: "button",
    text: label,
    onclick: async (ev) => {
      try {
        await navigator.clipboard.writeText(value);
        toast(t("copied"));
      } catch (e) {
        const input = h("input", { value, readonly: true });
        ev.target.after(input);
        input.select();
      }
    },
  });
}

// A cursor-paged list: loads `path` with q, renders items with draw, and a
// "more" button while the API gives a next_cursor.
export async function pagedList(el, path, q, draw) {
  let cursor = null;
  const items = [];
  const more = h("button.more", { type: "button", text: t("more") });
  const box = h("div.list");
  const load = async () => {
    const page = await api("GET", path + query({ ...q, cursor }));
    items.push(...(page.items || []));
    cursor = page.next_cursor || null;
    fill(box, draw(items));
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => act(more, load));
  fill(el, box, more);
  await load();
  return { reload: async () => ((cursor = null), (items.length = 0), load()) };
}
