// op_requisites.js: the operator's requisites (op.req.* strings): the pool
// and a trader's, a new requisite with its limits, the limits changed, the
// trader's pause and the operator's on/off switch; the device a requisite is
// bound to is shown. Used by op_traders.js (#/requisites and a trader's page).
import { act, addStrings, api, badge, confirmDialog, field, fill, h, money, t, table } from "./lib.js";
import { askForm, CURRENCIES, limitOrNull, intOrNull, loadAll, onOff, select } from "./op_forms.js";

addStrings({
  en: {
    "op.req.nav": "Requisites",
    "op.req.id": "ID",
    "op.req.type": "Type",
    "op.req.requisite": "Requisite",
    "op.req.owner": "Holder",
    "op.req.bank": "Bank",
    "op.req.bank_code": "Bank code",
    "op.req.bank_name_ru": "Bank name (ru)",
    "op.req.bank_name_en": "Bank name (en)",
    "op.req.currency": "Currency",
    "op.req.country": "Country code",
    "op.req.trader": "Trader",
    "op.req.pool": "the pool",
    "op.req.limits": "Limits",
    "op.req.min_amount": "Smallest order",
    "op.req.max_amount": "Largest order",
    "op.req.daily_amount": "Amount a day",
    "op.req.daily_count": "Orders a day",
    "op.req.max_pending": "Open orders at once",
    "op.req.limit_hint": "Empty: no limit.",
    "op.req.state": "State",
    "op.req.paused": "paused",
    "op.req.pending": "Open orders",
    "op.req.device": "Device",
    "op.req.actions": "Actions",
    "op.req.new": "New requisite",
    "op.req.create": "Add the requisite",
    "op.req.create_q": "Add requisite {requisite} ({type}, {currency})?",
    "op.req.created": "Requisite added",
    "op.req.edit_limits": "Limits",
    "op.req.limits_q": "Limits of requisite {id}",
    "op.req.limits_saved": "Limits saved",
    "op.req.pause": "Pause",
    "op.req.resume": "Resume",
    "op.req.pause_q": "Pause requisite {id}? It takes no new orders until resumed.",
    "op.req.resume_q": "Resume requisite {id}?",
    "op.req.paused_ok": "Requisite paused",
    "op.req.resumed_ok": "Requisite resumed",
    "op.req.off": "Switch off",
    "op.req.on": "Switch on",
    "op.req.off_q": "Switch off requisite {id}? It takes no new orders; its open ones run their course.",
    "op.req.on_q": "Switch on requisite {id}?",
    "op.req.off_ok": "Requisite switched off",
    "op.req.on_ok": "Requisite switched on",
    "op.req.owner_hint": "A trader's requisite: the trader's verified name.",
  },
  ru: {
    "op.req.nav": "Реквизиты",
    "op.req.id": "ID",
    "op.req.type": "Тип",
    "op.req.requisite": "Реквизит",
    "op.req.owner": "Владелец",
    "op.req.bank": "Банк",
    "op.req.bank_code": "Код банка",
    "op.req.bank_name_ru": "Название банка (ru)",
    "op.req.bank_name_en": "Название банка (en)",
    "op.req.currency": "Валюта",
    "op.req.country": "Код страны",
    "op.req.trader": "Трейдер",
    "op.req.pool": "пул",
    "op.req.limits": "Лимиты",
    "op.req.min_amount": "Минимальный заказ",
    "op.req.max_amount": "Максимальный заказ",
    "op.req.daily_amount": "Сумма в день",
    "op.req.daily_count": "Заказов в день",
    "op.req.max_pending": "Открытых заказов одновременно",
    "op.req.limit_hint": "Пусто — без лимита.",
    "op.req.state": "Состояние",
    "op.req.paused": "на паузе",
    "op.req.pending": "Открытые заказы",
    "op.req.device": "Устройство",
    "op.req.actions": "Действия",
    "op.req.new": "Новый реквизит",
    "op.req.create": "Добавить реквизит",
    "op.req.create_q": "Добавить реквизит {requisite} ({type}, {currency})?",
    "op.req.created": "Реквизит добавлен",
    "op.req.edit_limits": "Лимиты",
    "op.req.limits_q": "Лимиты реквизита {id}",
    "op.req.limits_saved": "Лимиты сохранены",
    "op.req.pause": "Пауза",
    "op.req.resume": "Продолжить",
    "op.req.pause_q": "Поставить реквизит {id} на паузу? Новые заказы он не получит, пока пауза не снята.",
    "op.req.resume_q": "Снять реквизит {id} с паузы?",
    "op.req.paused_ok": "Реквизит на паузе",
    "op.req.resumed_ok": "Реквизит снят с паузы",
    "op.req.off": "Выключить",
    "op.req.on": "Включить",
    "op.req.off_q": "Выключить реквизит {id}? Новые заказы он не получит; открытые доживут свой срок.",
    "op.req.on_q": "Включить реквизит {id}?",
    "op.req.off_ok": "Реквизит выключен",
    "op.req.on_ok": "Реквизит включён",
    "op.req.owner_hint": "Реквизит трейдера: подтверждённое имя трейдера.",
  },
});

const TYPES = [
  "SBP", "card", "accountNumber", "crossBorderTransfer", "crossBorderCard", "internalTransfer",
  "internalTransferMobile", "internalTransferAccountNumber", "NSPK", "phoneTopUp", "QR", "tips", "localExchange",
];

const LIMITS = [
  ["min_amount", "money"],
  ["max_amount", "money"],
  ["daily_amount", "money"],
  ["daily_count", "int"],
  ["max_pending", "int"],
];

function limitFields(r) {
  return LIMITS.map(([name, kind]) =>
    field(
      t(`op.req.${name}`),
      h("input", {
        name,
        inputmode: kind === "int" ? "numeric" : "decimal",
        value: r && r[name] != null ? String(r[name]) : "",
        placeholder: t("op.nolimit"),
      }),
    ),
  );
}

function limitBody(v) {
  const out = {};
  for (const [name, kind] of LIMITS) out[name] = kind === "int" ? intOrNull(v[name]) : limitOrNull(v[name]);
  return out;
}

function limitsText(r) {
  const parts = [];
  const m = (v) => money(v, r.currency);
  if (r.min_amount != null || r.max_amount != null)
    parts.push(`${r.min_amount != null ? m(r.min_amount) : "0"} – ${r.max_amount != null ? m(r.max_amount) : "∞"}`);
  if (r.daily_amount != null) parts.push(`${t("op.req.daily_amount")}: ${m(r.daily_amount)}`);
  if (r.daily_count != null) parts.push(`${t("op.req.daily_count")}: ${r.daily_count}`);
  if (r.max_pending != null) parts.push(`${t("op.req.max_pending")}: ${r.max_pending}`);
  if (parts.length === 0) return h("span.muted", { text: t("op.nolimit") });
  return h("ul.limits", {}, parts.map((p) => h("li", { text: p })));
}

// The actions on one requisite: its limits, pause/resume, on/off.
function actions(r, reload) {
  const patch = async (btn, q, body, done) => {
    if (!(await confirmDialog(q))) return;
    const ok = await act(btn, () => api("PATCH", `/admin/v1/requisites/${r.id}`, body), done);
    if (ok) reload();
  };
  const limits = h("button.req-limits", { type: "button", text: t("op.req.edit_limits") });
  limits.addEventListener("click", async () => {
    const v = await askForm(t("op.req.limits_q", { id: r.id }), [...limitFields(r), h("p.hint", { text: t("op.req.limit_hint") })], {
      ok: t("save"),
      keepEmpty: true,
    });
    if (!v) return;
    const done = await act(limits, () => api("PATCH", `/admin/v1/requisites/${r.id}`, limitBody(v)), t("op.req.limits_saved"));
    if (done) reload();
  });
  const pause = h("button.req-pause", { type: "button", text: r.paused ? t("op.req.resume") : t("op.req.pause") });
  pause.addEventListener("click", () =>
    patch(
      pause,
      t(r.paused ? "op.req.resume_q" : "op.req.pause_q", { id: r.id }),
      { paused: !r.paused },
      t(r.paused ? "op.req.resumed_ok" : "op.req.paused_ok"),
    ),
  );
  const onoff = h("button.req-onoff", { type: "button", text: r.active ? t("op.req.off") : t("op.req.on") });
  onoff.addEventListener("click", () =>
    patch(
      onoff,
      t(r.active ? "op.req.off_q" : "op.req.on_q", { id: r.id }),
      { active: !r.active },
      t(r.active ? "op.req.off_ok" : "op.req.on_ok"),
    ),
  );
  return h("div.row.req-actions", {}, limits, pause, onoff);
}

// The table of requisites (rows as the list API gives them).
export function requisiteTable(rows, reload, { traders = null } = {}) {
  const traderCell = (r) => {
    if (r.trader_id == null) return h("span.muted", { text: t("op.req.pool") });
    const tr = traders && traders.get(r.trader_id);
    return h("a", { href: `#/traders/${r.trader_id}`, text: tr ? tr.name : `#${r.trader_id}` });
  };
  return table(
    [
      { label: t("op.req.id"), cell: (r) => String(r.id), class: "num" },
      { label: t("op.req.type"), cell: (r) => r.type },
      {
        label: t("op.req.requisite"),
        cell: (r) => h("code.mono", { class: r.requisite.length <= 24 ? "nowrap" : null, text: r.requisite }),
      },
      { label: t("op.req.owner"), cell: (r) => r.owner_full_name },
      { label: t("op.req.bank"), cell: (r) => `${r.bank_name_en || r.bank_code} · ${r.currency}` },
      { label: t("op.req.trader"), cell: traderCell },
      { label: t("op.req.limits"), cell: limitsText },
      {
        label: t("op.req.state"),
        cell: (r) => h("span.badges", {}, onOff(r.active), r.paused ? badge(t("op.req.paused"), "pending") : null),
      },
      { label: t("op.req.pending"), cell: (r) => String(r.pending_orders ?? 0), class: "num" },
      { label: t("op.req.device"), cell: (r) => (r.device_id != null ? `#${r.device_id}` : t("op.none")) },
      { label: t("op.req.actions"), cell: (r) => actions(r, reload) },
    ],
    rows,
  );
}

// A form adding a requisite; `trader` (optional) makes it that trader's.
export function requisiteForm(onCreated, { trader = null, traders = [] } = {}) {
  const submit = h("button.primary", { type: "submit", text: t("op.req.create") });
  const traderControl = trader
    ? null
    : field(
        t("op.req.trader"),
        select("trader_id", [["", t("op.req.pool")], ...traders.map((x) => [x.id, `${x.name} (#${x.id})`])], ""),
      );
  const form = h(
    "form.req-create",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const v = {};
        for (const c of form.querySelectorAll("input[name], select[name]")) v[c.name] = c.value.trim();
        const body = { type: v.type, requisite: v.requisite, currency: v.currency };
        for (const k of ["owner_full_name", "bank_code", "bank_name_ru", "bank_name_en", "country_code"])
          if (v[k]) body[k] = v[k];
        if (trader) body.trader_id = trader.id;
        else if (v.trader_id) body.trader_id = Number(v.trader_id);
        for (const [k, val] of Object.entries(limitBody(v))) if (val !== null) body[k] = val;
        const q = t("op.req.create_q", { requisite: body.requisite, type: body.type, currency: body.currency });
        if (!(await confirmDialog(q))) return;
        const r = await act(submit, () => api("POST", "/admin/v1/requisites", body), t("op.req.created"));
        if (r) {
          form.reset();
          if (trader) form.elements.owner_full_name.value = trader.verified_name;
          onCreated(r);
        }
      },
    },
    h("h2", { text: t("op.req.new") }),
    h(
      "div.form-grid",
      {},
      field(t("op.req.type"), select("type", TYPES.map((x) => [x, x]), "SBP")),
      field(t("op.req.requisite"), h("input", { name: "requisite", required: true, autocomplete: "off" })),
      field(
        t("op.req.owner"),
        h("input", { name: "owner_full_name", value: trader ? trader.verified_name : "", autocomplete: "off" }),
        trader ? t("op.req.owner_hint") : null,
      ),
      field(t("op.req.bank_code"), h("input", { name: "bank_code", autocomplete: "off" })),
      field(t("op.req.bank_name_ru"), h("input", { name: "bank_name_ru", autocomplete: "off" })),
      field(t("op.req.bank_name_en"), h("input", { name: "bank_name_en", autocomplete: "off" })),
      field(t("op.req.currency"), select("currency", CURRENCIES.map((c) => [c, c]), "RUB")),
      field(t("op.req.country"), h("input", { name: "country_code", placeholder: "RUS", autocomplete: "off" })),
      traderControl,
    ),
    h("h3", { text: t("op.req.limits") }),
    h("div.form-grid", {}, limitFields(null)),
    h("p.hint.muted", { text: t("op.req.limit_hint") }),
    h("div.actions", {}, submit),
  );
  return form;
}

// #/requisites: the whole list (the pool and every trader's), a new one.
export async function requisitesView(main) {
  const listBox = h("div.req-list");
  const [rows, traders] = await Promise.all([
    loadAll("/admin/v1/requisites"),
    loadAll("/admin/v1/traders").catch(() => []),
  ]);
  const byId = new Map(traders.map((x) => [x.id, x]));
  const draw = async () => {
    const fresh = await loadAll("/admin/v1/requisites");
    fill(listBox, requisiteTable(fresh, draw, { traders: byId }));
  };
  fill(listBox, requisiteTable(rows, draw, { traders: byId }));
  fill(
    main,
    h("h1", { text: t("op.req.nav") }),
    listBox,
    h("section.card.req-new", {}, requisiteForm(draw, { traders })),
  );
}
