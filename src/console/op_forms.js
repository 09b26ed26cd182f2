// op_forms.js: what the operator's views of shops, traders, requisites,
// the ledger, the audit log and operators share: a card of credentials shown
// once, a form asked in a dialog, a per-currency fixed fee editor, whole
// lists loaded page by page, and the values of a block of controls.
import { addStrings, api, confirmDialog, copyButton, h, query, t } from "./lib.js";

addStrings({
  en: {
    "op.once.warning": "Shown only now: copy it and keep it safe. kassa cannot show it again.",
    "op.fee.add": "Add a currency",
    "op.fee.remove": "Remove",
    "op.fee.currency": "Currency",
    "op.fee.amount": "Fixed fee",
    "op.on": "on",
    "op.off": "off",
    "op.none": "none",
    "op.nolimit": "no limit",
    "op.default": "default",
  },
  ru: {
    "op.once.warning": "Показано только сейчас: скопируйте и сохраните. Повторно kassa это не покажет.",
    "op.fee.add": "Добавить валюту",
    "op.fee.remove": "Убрать",
    "op.fee.currency": "Валюта",
    "op.fee.amount": "Фиксированная комиссия",
    "op.on": "вкл.",
    "op.off": "выкл.",
    "op.none": "нет",
    "op.nolimit": "без лимита",
    "op.default": "по умолчанию",
  },
});

export const CURRENCIES = [
  "RUB", "USD", "EUR", "UAH", "KZT", "UZS", "KGS", "TJS", "AZN", "GEL",
  "BYN", "TRY", "INR", "CNY", "GBP", "USDT", "TON", "BTC", "ETH", "LTC",
];

// A card of secrets the API gives once (new credentials, a token): each
// value with its copy button, and the warning that it is not shown again.
export function onceCard(title, rows, extra) {
  return h(
    "section.card.once",
    { role: "status" },
    h("h2", { text: title }),
    h("div.alert.info", { text: t("op.once.warning") }),
    h(
      "dl.facts.once-values",
      {},
      rows.map(([label, value, key]) => [
        h("dt", { text: label }),
        h(
          "dd",
          {},
          h("code.mono.once-value", { dataset: { key: key || label }, text: String(value) }),
          " ",
          copyButton(String(value)),
        ),
      ]),
    ),
    extra || null,
  );
}

// The values of the named controls inside el (a form or any block):
// text as typed (empty ones left out unless keepEmpty), checkboxes as
// booleans.
export function valuesOf(el, keepEmpty = false) {
  const out = {};
  for (const c of el.querySelectorAll("input[name], select[name], textarea[name]")) {
    if (c.type === "checkbox") out[c.name] = c.checked;
    else if (c.value !== "" || keepEmpty) out[c.name] = c.value;
  }
  return out;
}

// Ask for a few values in a dialog: resolves to valuesOf(body) when
// confirmed, null when cancelled.
export async function askForm(question, body, opts = {}) {
  const box = h("div.ask", {}, body);
  const ok = await confirmDialog(question, { ...opts, body: box });
  return ok ? valuesOf(box, opts.keepEmpty) : null;
}

// A fixed fee per currency ({"RUB": "10.00"}): rows of currency and amount,
// one more row on demand. value() gives the object (rows without an amount
// left out).
export function feeFixedEditor(initial) {
  const rows = h("div.fee-rows");
  const addRow = (cur, amount) => {
    const sel = h(
      "select",
      { "aria-label": t("op.fee.currency"), class: "fee-currency" },
      CURRENCIES.map((c) => h("option", { value: c, text: c, selected: c === cur })),
    );
    const input = h("input.fee-amount", {
      inputmode: "decimal",
      "aria-label": t("op.fee.amount"),
      placeholder: "0.00",
      value: amount || "",
    });
    const row = h(
      "div.fee-row",
      {},
      sel,
      input,
      h("button.remove", { type: "button", text: t("op.fee.remove"), onclick: () => row.remove() }),
    );
    rows.appendChild(row);
  };
  for (const [cur, amount] of Object.entries(initial || {})) addRow(cur, amount);
  const el = h(
    "div.fee-fixed",
    {},
    h("span.label", { text: t("op.fee.amount") }),
    rows,
    h("button.add", { type: "button", text: t("op.fee.add"), onclick: () => addRow("RUB", "") }),
  );
  return {
    el,
    value: () => {
      const out = {};
      for (const row of rows.querySelectorAll(".fee-row")) {
        const amount = row.querySelector(".fee-amount").value.trim();
        if (amount !== "") out[row.querySelector(".fee-currency").value] = amount;
      }
      return out;
    },
  };
}

// Every item of an admin list (page by page, 500 at a time, at most `max`).
export async function loadAll(path, q = {}, max = 5000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", path + query({ ...q, limit: 500, cursor }));
    items.push(...(page.items || []));
    cursor = page.next_cursor || null;
  } while (cursor && items.length < max);
  return items;
}

// A yes/no badge ("on"/"off").
export function onOff(v) {
  return h(`span.badge.${v ? "on" : "off"}`, { text: v ? t("op.on") : t("op.off") });
}

// A limit for a form: "" means no limit (null in the API).
export function limitOrNull(v) {
  return v === undefined || v === null || String(v).trim() === "" ? null : String(v).trim();
}

// An integer for a form: "" -> null.
export function intOrNull(v) {
  return v === undefined || v === null || String(v).trim() === "" ? null : Number.parseInt(String(v), 10);
}

// A select of values [value, label] with `current` selected.
export function select(name, options, current, attrs = {}) {
  return h(
    "select",
    { name, ...attrs },
    options.map(([v, label]) => h("option", { value: v, text: label, selected: String(v) === String(current ?? "") })),
  );
}
