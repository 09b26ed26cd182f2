// op_shops.js: the operator's "Shops" views (op.shops.* strings): the list,
// a new shop with its credentials shown once, and a shop's page: its
// settings (PATCH), tariff, payment methods, switch off/on, key rotation
// with the overlap, balances and its merchant's users.
import {
  act,
  addStrings,
  api,
  badge,
  confirmDialog,
  copyButton,
  facts,
  field,
  fill,
  go,
  h,
  money,
  pagedList,
  query,
  t,
  table,
  toast,
} from "./lib.js";
import { askForm, feeFixedEditor, onceCard, onOff, select } from "./op_forms.js";

addStrings({
  en: {
    "op.shops.nav": "Shops",
    "op.shops.new": "New shop",
    "op.shops.search": "Name, shop_id or id",
    "op.shops.id": "ID",
    "op.shops.name": "Name",
    "op.shops.shop_id": "Public key (shop_id)",
    "op.shops.merchant": "Merchant",
    "op.shops.merchant_hint": "An existing merchant's id; empty: a new merchant.",
    "op.shops.status": "Status",
    "op.shops.active": "active",
    "op.shops.disabled": "switched off",
    "op.shops.test": "test mode",
    "op.shops.balances": "Balances",
    "op.shops.url": "Site URL",
    "op.shops.callback_url": "Callback URL",
    "op.shops.fee_percent": "Fee, %",
    "op.shops.tariff": "Tariff",
    "op.shops.create": "Create the shop",
    "op.shops.create_q": "Create the shop “{name}”?",
    "op.shops.created": "Shop created",
    "op.shops.creds": "Credentials of shop {id}",
    "op.shops.open": "Open the shop",
    "op.shops.panda_key": "panda api_key",
    "op.shops.panda_secret": "panda secret",
    "op.shops.tegro_key": "tegro api_key",
    "op.shops.tegro_secret": "tegro secret",
    "op.shops.back": "All shops",
    "op.shops.disable": "Switch off",
    "op.shops.enable": "Switch on",
    "op.shops.disable_q": "Switch off shop “{name}”? Its merchant calls are refused; pending orders run their course.",
    "op.shops.enable_q": "Switch on shop “{name}”?",
    "op.shops.switched_off": "Shop switched off",
    "op.shops.switched_on": "Shop switched on",
    "op.shops.rotate": "Rotate keys",
    "op.shops.rotate_q": "New credentials for one dialect of shop “{name}”",
    "op.shops.dialect": "Dialect",
    "op.shops.overlap": "Old keys keep working for, seconds",
    "op.shops.overlap_hint": "86400 = one day; 0: the old keys stop now.",
    "op.shops.rotated": "New {dialect} credentials",
    "op.shops.old_until": "Old keys valid until",
    "op.shops.api_key": "api_key",
    "op.shops.secret": "secret",
    "op.shops.currency": "Currency",
    "op.shops.available": "Available",
    "op.shops.held": "Held",
    "op.shops.settings": "Settings",
    "op.shops.callback_version": "panda callback version",
    "op.shops.panda_order_ttl": "panda order lifetime, s",
    "op.shops.tegro_order_ttl": "tegro order lifetime, s",
    "op.shops.notification_format": "tegro notification format",
    "op.shops.test_mode": "Test mode (every order is a sandbox test order)",
    "op.shops.test_short": "Test mode",
    "op.shops.allowed_hosts": "Allowed hosts",
    "op.shops.allowed_hosts_hint": "Further hosts the tegro form's URLs may name, separated by spaces or commas.",
    "op.shops.strict_signing": "Strict panda signatures only",
    "op.shops.amount_adjust_max": "Amount adjustment, whole units at most",
    "op.shops.dispute_ttl": "Dispute answer time, s",
    "op.shops.dispute_callbacks": "Dispute callbacks",
    "op.shops.dispute_auto_success": "Unanswered disputes go to the payer",
    "op.shops.rate_limit": "Requests a second (0: no limit)",
    "op.shops.rate_burst": "Burst (0: the rate)",
    "op.shops.save_q": "Save {n} change(s) of shop “{name}”?",
    "op.shops.saved": "Settings saved",
    "op.shops.nochange": "Nothing changed.",
    "op.shops.tariff_q": "Set the tariff of shop “{name}” to {tariff}?",
    "op.shops.tariff_saved": "Tariff saved",
    "op.shops.methods": "Payment methods",
    "op.shops.method": "Method",
    "op.shops.requisite_type": "Requisite type",
    "op.shops.method_on_q": "Switch on {method} for shop “{name}”?",
    "op.shops.method_off_q": "Switch off {method} for shop “{name}”?",
    "op.shops.method_saved": "Payment method saved",
    "op.shops.users": "Merchant users",
    "op.shops.users_hint": "People of merchant {id} who sign in to the merchant console; they see every shop of the merchant.",
    "op.shops.user_name": "Name",
    "op.shops.user_login": "Login",
    "op.shops.user_password": "Password",
    "op.shops.user_add": "Add a user",
    "op.shops.user_q": "Add user “{login}” to merchant {id}?",
    "op.shops.user_added": "User added",
    "op.shops.user_off_q": "Switch off user “{name}”? They are signed out at once.",
    "op.shops.user_on_q": "Switch on user “{name}”?",
    "op.shops.user_off_ok": "User switched off",
    "op.shops.user_on_ok": "User switched on",
    "op.shops.users_unavailable": "Merchant users are not available on this server: {msg}",
    "op.shops.actions": "Actions",
  },
  ru: {
    "op.shops.nav": "Магазины",
    "op.shops.new": "Новый магазин",
    "op.shops.search": "Название, shop_id или id",
    "op.shops.id": "ID",
    "op.shops.name": "Название",
    "op.shops.shop_id": "Публичный ключ (shop_id)",
    "op.shops.merchant": "Мерчант",
    "op.shops.merchant_hint": "id существующего мерчанта; пусто — новый мерчант.",
    "op.shops.status": "Состояние",
    "op.shops.active": "работает",
    "op.shops.disabled": "выключен",
    "op.shops.test": "тестовый режим",
    "op.shops.balances": "Балансы",
    "op.shops.url": "Адрес сайта",
    "op.shops.callback_url": "Адрес для уведомлений",
    "op.shops.fee_percent": "Комиссия, %",
    "op.shops.tariff": "Тариф",
    "op.shops.create": "Создать магазин",
    "op.shops.create_q": "Создать магазин «{name}»?",
    "op.shops.created": "Магазин создан",
    "op.shops.creds": "Ключи магазина {id}",
    "op.shops.open": "Открыть магазин",
    "op.shops.panda_key": "panda api_key",
    "op.shops.panda_secret": "panda secret",
    "op.shops.tegro_key": "tegro api_key",
    "op.shops.tegro_secret": "tegro secret",
    "op.shops.back": "Все магазины",
    "op.shops.disable": "Выключить",
    "op.shops.enable": "Включить",
    "op.shops.disable_q": "Выключить магазин «{name}»? Запросы мерчанта будут отклоняться; открытые заказы доживут свой срок.",
    "op.shops.enable_q": "Включить магазин «{name}»?",
    "op.shops.switched_off": "Магазин выключен",
    "op.shops.switched_on": "Магазин включён",
    "op.shops.rotate": "Сменить ключи",
    "op.shops.rotate_q": "Новые ключи для одного протокола магазина «{name}»",
    "op.shops.dialect": "Протокол",
    "op.shops.overlap": "Старые ключи работают ещё, секунд",
    "op.shops.overlap_hint": "86400 — сутки; 0 — старые ключи перестают работать сразу.",
    "op.shops.rotated": "Новые ключи {dialect}",
    "op.shops.old_until": "Старые ключи действуют до",
    "op.shops.api_key": "api_key",
    "op.shops.secret": "secret",
    "op.shops.currency": "Валюта",
    "op.shops.available": "Доступно",
    "op.shops.held": "Удержано",
    "op.shops.settings": "Настройки",
    "op.shops.callback_version": "Версия уведомлений panda",
    "op.shops.panda_order_ttl": "Срок заказа panda, с",
    "op.shops.tegro_order_ttl": "Срок заказа tegro, с",
    "op.shops.notification_format": "Формат уведомлений tegro",
    "op.shops.test_mode": "Тестовый режим (каждый заказ — тестовый, в песочнице)",
    "op.shops.test_short": "Тестовый режим",
    "op.shops.allowed_hosts": "Разрешённые хосты",
    "op.shops.allowed_hosts_hint": "Другие хосты, которые могут быть в адресах формы tegro, через пробел или запятую.",
    "op.shops.strict_signing": "Только строгие подписи panda",
    "op.shops.amount_adjust_max": "Подстройка суммы, не больше целых единиц",
    "op.shops.dispute_ttl": "Время на ответ по спору, с",
    "op.shops.dispute_callbacks": "Уведомления о спорах",
    "op.shops.dispute_auto_success": "Спор без ответа решается в пользу плательщика",
    "op.shops.rate_limit": "Запросов в секунду (0 — без ограничения)",
    "op.shops.rate_burst": "Всплеск (0 — как лимит)",
    "op.shops.save_q": "Сохранить изменения магазина «{name}» ({n})?",
    "op.shops.saved": "Настройки сохранены",
    "op.shops.nochange": "Ничего не изменено.",
    "op.shops.tariff_q": "Установить тариф магазина «{name}»: {tariff}?",
    "op.shops.tariff_saved": "Тариф сохранён",
    "op.shops.methods": "Способы оплаты",
    "op.shops.method": "Способ",
    "op.shops.requisite_type": "Тип реквизита",
    "op.shops.method_on_q": "Включить {method} для магазина «{name}»?",
    "op.shops.method_off_q": "Выключить {method} для магазина «{name}»?",
    "op.shops.method_saved": "Способ оплаты сохранён",
    "op.shops.users": "Пользователи мерчанта",
    "op.shops.users_hint": "Люди мерчанта {id}, которые входят в кабинет мерчанта; они видят все его магазины.",
    "op.shops.user_name": "Имя",
    "op.shops.user_login": "Логин",
    "op.shops.user_password": "Пароль",
    "op.shops.user_add": "Добавить пользователя",
    "op.shops.user_q": "Добавить пользователя «{login}» мерчанту {id}?",
    "op.shops.user_added": "Пользователь добавлен",
    "op.shops.user_off_q": "Выключить пользователя «{name}»? Его сеансы сразу завершатся.",
    "op.shops.user_on_q": "Включить пользователя «{name}»?",
    "op.shops.user_off_ok": "Пользователь выключен",
    "op.shops.user_on_ok": "Пользователь включён",
    "op.shops.users_unavailable": "Пользователи мерчантов на этом сервере недоступны: {msg}",
    "op.shops.actions": "Действия",
  },
});

// The balances object of a shop ({"RUB": {"available", "held"}}) as lines.
function balanceLines(balances) {
  const entries = Object.entries(balances || {});
  if (entries.length === 0) return h("span.muted", { text: "—" });
  return h(
    "div.shop-balances",
    {},
    entries.map(([cur, b]) => h("div.num", { dataset: { currency: cur } }, money(b.available, cur))),
  );
}

function feeText(percent, fixed) {
  const parts = [`${percent}%`];
  for (const [cur, amount] of Object.entries(fixed || {})) parts.push(`+ ${money(amount, cur)}`);
  return parts.join(" ");
}

// ---- the list and a new shop ---------------------------------------------------

function createForm(onCreated) {
  const fee = feeFixedEditor({});
  const submit = h("button.primary", { type: "submit", text: t("op.shops.create") });
  const form = h(
    "form.shop-create",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const body = {
          name: form.elements.name.value.trim(),
          url: form.elements.url.value.trim(),
          callback_url: form.elements.callback_url.value.trim(),
        };
        if (form.elements.fee_percent.value.trim() !== "") body.fee_percent = form.elements.fee_percent.value.trim();
        const fixed = fee.value();
        if (Object.keys(fixed).length) body.fee_fixed = fixed;
        if (form.elements.merchant_id.value.trim() !== "") body.merchant_id = form.elements.merchant_id.value.trim();
        if (form.elements.test_mode.checked) body.test_mode = true;
        if (!(await confirmDialog(t("op.shops.create_q", { name: body.name })))) return;
        const shop = await act(submit, () => api("POST", "/admin/v1/shops", body), t("op.shops.created"));
        if (shop) onCreated(shop);
      },
    },
    h("h2", { text: t("op.shops.new") }),
    h(
      "div.form-grid",
      {},
      field(t("op.shops.name"), h("input", { name: "name", required: true, autocomplete: "off" })),
      field(t("op.shops.url"), h("input", { name: "url", type: "url", required: true, placeholder: "https://" })),
      field(
        t("op.shops.callback_url"),
        h("input", { name: "callback_url", type: "url", required: true, placeholder: "https://" }),
      ),
      field(t("op.shops.fee_percent"), h("input", { name: "fee_percent", inputmode: "decimal", placeholder: "0" })),
      field(
        t("op.shops.merchant"),
        h("input", { name: "merchant_id", inputmode: "numeric", pattern: "[0-9]*" }),
        t("op.shops.merchant_hint"),
      ),
    ),
    fee.el,
    h("label.check", {}, h("input", { type: "checkbox", name: "test_mode" }), t("op.shops.test_mode")),
    h("div.actions", {}, submit),
  );
  return form;
}

function credentialsCard(shop) {
  return onceCard(
    t("op.shops.creds", { id: shop.id }),
    [
      [t("op.shops.shop_id"), shop.shop_id, "shop_id"],
      [t("op.shops.panda_key"), shop.panda.api_key, "panda.api_key"],
      [t("op.shops.panda_secret"), shop.panda.secret, "panda.secret"],
      [t("op.shops.tegro_key"), shop.tegro.api_key, "tegro.api_key"],
      [t("op.shops.tegro_secret"), shop.tegro.secret, "tegro.secret"],
    ],
    h("p", {}, h("a.button", { href: `#/shops/${shop.id}`, text: t("op.shops.open") })),
  );
}

async function listView(main, params, q) {
  const list = h("div.shop-list");
  const createBox = h("div.create-box", { hidden: true });
  const search = h("input", { name: "q", type: "search", value: q.get("q") || "", "aria-label": t("op.shops.search") });
  let paged = null;
  const newBtn = h("button.primary", {
    type: "button",
    text: t("op.shops.new"),
    onclick: () => {
      fill(
        createBox,
        h(
          "section.card",
          {},
          createForm((shop) => {
            fill(createBox, credentialsCard(shop));
            if (paged) paged.reload();
          }),
        ),
      );
      createBox.hidden = false;
    },
  });
  fill(
    main,
    h("h1", { text: t("op.shops.nav") }),
    h(
      "div.toolbar",
      {},
      h(
        "form.inline",
        {
          role: "search",
          onsubmit: (ev) => {
            ev.preventDefault();
            go(`/shops${query({ q: search.value.trim() })}`);
          },
        },
        field(t("op.shops.search"), search),
        h("button", { type: "submit", text: t("search") }),
      ),
      newBtn,
    ),
    createBox,
    list,
  );
  const cols = [
    { label: t("op.shops.id"), cell: (s) => String(s.id), class: "num" },
    { label: t("op.shops.name"), cell: (s) => h("a", { href: `#/shops/${s.id}`, text: s.name }) },
    { label: t("op.shops.shop_id"), cell: (s) => h("code.mono", { text: s.shop_id }) },
    { label: t("op.shops.merchant"), cell: (s) => String(s.merchant_id), class: "num" },
    {
      label: t("op.shops.status"),
      cell: (s) =>
        h(
          "span.badges",
          {},
          badge(s.active ? t("op.shops.active") : t("op.shops.disabled"), s.active ? "ok" : "failed"),
          s.test_mode ? badge(t("op.shops.test"), "pending") : null,
        ),
    },
    { label: t("op.shops.tariff"), cell: (s) => feeText(s.fee_percent, s.fee_fixed) },
    { label: t("op.shops.balances"), cell: (s) => balanceLines(s.balances), class: "num" },
  ];
  paged = await pagedList(list, "/admin/v1/shops", { q: q.get("q") || "" }, (items) =>
    table(cols, items, { onrow: (s) => go(`/shops/${s.id}`) }),
  );
}

// ---- a shop's page ---------------------------------------------------------------

const SETTINGS = [
  // [member, kind, label key]
  ["name", "text", "op.shops.name"],
  ["url", "text", "op.shops.url"],
  ["callback_url", "text", "op.shops.callback_url"],
  ["callback_version", "select:2,3", "op.shops.callback_version"],
  ["panda_order_ttl", "int", "op.shops.panda_order_ttl"],
  ["tegro_order_ttl", "int", "op.shops.tegro_order_ttl"],
  ["notification_format", "select:form,json", "op.shops.notification_format"],
  ["allowed_hosts", "hosts", "op.shops.allowed_hosts"],
  ["amount_adjust_max", "int", "op.shops.amount_adjust_max"],
  ["dispute_ttl", "int", "op.shops.dispute_ttl"],
  ["rate_limit", "int", "op.shops.rate_limit"],
  ["rate_burst", "int", "op.shops.rate_burst"],
  ["test_mode", "bool", "op.shops.test_mode"],
  ["strict_signing", "bool", "op.shops.strict_signing"],
  ["dispute_callbacks", "bool", "op.shops.dispute_callbacks"],
  ["dispute_auto_success", "bool", "op.shops.dispute_auto_success"],
];

function settingControl(shop, [name, kind, label]) {
  const v = shop[name];
  if (kind === "bool")
    return h("label.check", {}, h("input", { type: "checkbox", name, checked: !!v }), t(label));
  if (kind.startsWith("select:")) {
    const opts = kind.slice(7).split(",").map((o) => [o, o]);
    return field(t(label), select(name, [["", t("op.default")], ...opts], v ?? ""));
  }
  if (kind === "hosts")
    return field(
      t(label),
      h("input", { name, value: (v || []).join(" "), autocomplete: "off" }),
      t("op.shops.allowed_hosts_hint"),
    );
  if (kind === "int")
    return field(
      t(label),
      h("input", { name, inputmode: "numeric", pattern: "[0-9]*", value: v ?? "", placeholder: v == null ? t("op.default") : "" }),
    );
  return field(t(label), h("input", { name, value: v ?? "", required: true }));
}

// The members of the settings form that differ from the shop: the PATCH.
function settingChanges(shop, form) {
  const out = {};
  for (const [name, kind] of SETTINGS) {
    const el = form.elements[name];
    const old = shop[name];
    if (kind === "bool") {
      if (el.checked !== !!old) out[name] = el.checked;
    } else if (kind === "hosts") {
      const hosts = el.value.split(/[\s,]+/).filter(Boolean);
      if (hosts.join(" ") !== (old || []).join(" ")) out[name] = hosts;
    } else if (kind === "int" || kind === "select:2,3") {
      if (el.value.trim() === "") continue; /* empty: left as it is */
      const n = Number(el.value.trim());
      if (n !== old) out[name] = Number.isInteger(n) ? n : el.value.trim();
    } else if (kind.startsWith("select:")) {
      if (el.value !== "" && el.value !== old) out[name] = el.value;
    } else if (el.value.trim() !== (old ?? "")) {
      out[name] = el.value.trim();
    }
  }
  return out;
}

function settingsCard(shop, reload) {
  const save = h("button.primary", { type: "submit", text: t("save") });
  const form = h(
    "form.shop-settings",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const changes = settingChanges(shop, form);
        const n = Object.keys(changes).length;
        if (n === 0) {
          toast(t("op.shops.nochange"));
          return;
        }
        const list = h(
          "ul.changes",
          {},
          Object.entries(changes).map(([k, v]) =>
            h("li", {}, h("code", { text: k }), `: ${JSON.stringify(shop[k] ?? null)} → ${JSON.stringify(v)}`),
          ),
        );
        if (!(await confirmDialog(t("op.shops.save_q", { n, name: shop.name }), { body: list }))) return;
        const r = await act(save, () => api("PATCH", `/admin/v1/shops/${shop.id}`, changes), t("op.shops.saved"));
        if (r) reload();
      },
    },
    h("h2", { text: t("op.shops.settings") }),
    h("div.form-grid", {}, SETTINGS.filter(([, k]) => k !== "bool").map((s) => settingControl(shop, s))),
    h("div.checks", {}, SETTINGS.filter(([, k]) => k === "bool").map((s) => settingControl(shop, s))),
    h("div.actions", {}, save),
  );
  return h("section.card", {}, form);
}

function tariffCard(shop, reload) {
  const fee = feeFixedEditor(shop.fee_fixed);
  const percent = h("input", { name: "fee_percent", inputmode: "decimal", value: shop.fee_percent, required: true });
  const save = h("button.primary", { type: "submit", text: t("save") });
  return h(
    "section.card",
    {},
    h(
      "form.shop-tariff",
      {
        onsubmit: async (ev) => {
          ev.preventDefault();
          const body = { fee_percent: percent.value.trim(), fee_fixed: fee.value() };
          const q = t("op.shops.tariff_q", { name: shop.name, tariff: feeText(body.fee_percent, body.fee_fixed) });
          if (!(await confirmDialog(q))) return;
          const r = await act(save, () => api("PUT", `/admin/v1/shops/${shop.id}/tariff`, body), t("op.shops.tariff_saved"));
          if (r) reload();
        },
      },
      h("h2", { text: t("op.shops.tariff") }),
      field(t("op.shops.fee_percent"), percent),
      fee.el,
      h("div.actions", {}, save),
    ),
  );
}

async function methodsCard(shop) {
  const box = h("section.card", {}, h("h2", { text: t("op.shops.methods") }));
  let methods;
  try {
    methods = await api("GET", `/admin/v1/shops/${shop.id}/methods`);
  } catch (e) {
    box.appendChild(h("div.alert.error", { text: e.message }));
    return box;
  }
  const cols = [
    { label: t("op.shops.method"), cell: (m) => `${m.name} (${m.payment_system})` },
    { label: t("op.shops.requisite_type"), cell: (m) => m.requisite_type || "—" },
    { label: t("op.shops.status"), cell: (m) => onOff(m.enabled) },
    {
      label: t("op.shops.actions"),
      cell: (m) => {
        const b = h("button", {
          type: "button",
          class: "method-toggle",
          dataset: { ps: String(m.payment_system) },
          text: m.enabled ? t("op.shops.disable") : t("op.shops.enable"),
        });
        b.addEventListener("click", async () => {
          const q = t(m.enabled ? "op.shops.method_off_q" : "op.shops.method_on_q", { method: m.name, name: shop.name });
          if (!(await confirmDialog(q))) return;
          const r = await act(
            b,
            () => api("PUT", `/admin/v1/shops/${shop.id}/methods/${m.payment_system}`, { enabled: !m.enabled }),
            t("op.shops.method_saved"),
          );
          if (r) fill(box, ...(await methodsCard(shop)).childNodes);
        });
        return b;
      },
    },
  ];
  box.appendChild(table(cols, methods));
  return box;
}

// Switch a merchant user off (their sessions end) or on again.
function userToggle(mid, u, reload) {
  const b = h("button.user-toggle", {
    type: "button",
    class: u.disabled ? null : "danger",
    text: u.disabled ? t("op.shops.enable") : t("op.shops.disable"),
  });
  b.addEventListener("click", async () => {
    const q = t(u.disabled ? "op.shops.user_on_q" : "op.shops.user_off_q", { name: u.name });
    if (!(await confirmDialog(q, { danger: !u.disabled }))) return;
    const done = t(u.disabled ? "op.shops.user_on_ok" : "op.shops.user_off_ok");
    if (await act(b, () => api("PATCH", `/admin/v1/merchants/${mid}/users/${u.id}`, { disabled: !u.disabled }), done))
      reload();
  });
  return b;
}

async function usersCard(shop) {
  const mid = shop.merchant_id;
  const box = h("section.card.merchant-users");
  const listBox = h("div");
  const load = async () => {
    try {
      const r = await api("GET", `/admin/v1/merchants/${mid}/users`);
      const items = Array.isArray(r) ? r : r.items || [];
      fill(
        listBox,
        table(
          [
            { label: t("op.shops.id"), cell: (u) => String(u.id), class: "num" },
            { label: t("op.shops.user_name"), cell: (u) => u.name },
            { label: t("op.shops.user_login"), cell: (u) => (u.login ? h("code.mono", { text: u.login }) : "—") },
            {
              label: t("op.shops.status"),
              cell: (u) => badge(u.disabled ? t("op.shops.disabled") : t("op.shops.active"), u.disabled ? "failed" : "ok"),
            },
            { label: t("op.shops.actions"), cell: (u) => userToggle(mid, u, load) },
          ],
          items,
        ),
      );
      return true;
    } catch (e) {
      if (e.status === 404 || e.status === 405) {
        fill(listBox, h("p.muted", { text: t("op.shops.users_unavailable", { msg: e.message }) }));
        return false;
      }
      fill(listBox, h("div.alert.error", { text: e.message }));
      return true;
    }
  };
  const add = h("button.primary", { type: "submit", text: t("op.shops.user_add") });
  const form = h(
    "form.inline.user-add",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const body = {
          name: form.elements.name.value.trim(),
          login: form.elements.login.value.trim(),
          password: form.elements.password.value,
        };
        if (!(await confirmDialog(t("op.shops.user_q", { login: body.login, id: mid })))) return;
        const r = await act(add, () => api("POST", `/admin/v1/merchants/${mid}/users`, body), t("op.shops.user_added"));
        if (r) {
          form.reset();
          load();
        }
      },
    },
    field(t("op.shops.user_name"), h("input", { name: "name", required: true, autocomplete: "off" })),
    field(t("op.shops.user_login"), h("input", { name: "login", required: true, autocomplete: "off" })),
    field(
      t("op.shops.user_password"),
      h("input", { name: "password", type: "password", required: true, minlength: "12", autocomplete: "new-password" }),
    ),
    add,
  );
  fill(
    box,
    h("h2", { text: t("op.shops.users") }),
    h("p.muted", { text: t("op.shops.users_hint", { id: mid }) }),
    listBox,
    form,
  );
  await load();
  return box;
}

async function shopView(main, { id }) {
  const shop = await api("GET", `/admin/v1/shops/${encodeURIComponent(id)}`);
  const balances = await api("GET", `/admin/v1/shops/${shop.id}/balances`);
  const reload = () => go(`/shops/${encodeURIComponent(id)}`);
  const once = h("div.once-box");
  const toggle = h("button", {
    type: "button",
    class: shop.active ? "danger shop-toggle" : "primary shop-toggle",
    text: shop.active ? t("op.shops.disable") : t("op.shops.enable"),
  });
  toggle.addEventListener("click", async () => {
    const q = t(shop.active ? "op.shops.disable_q" : "op.shops.enable_q", { name: shop.name });
    if (!(await confirmDialog(q, { danger: shop.active }))) return;
    const path = `/admin/v1/shops/${shop.id}/${shop.active ? "disable" : "enable"}`;
    const r = await act(toggle, () => api("POST", path), t(shop.active ? "op.shops.switched_off" : "op.shops.switched_on"));
    if (r) reload();
  });
  const rotate = h("button.rotate", { type: "button", text: t("op.shops.rotate") });
  rotate.addEventListener("click", async () => {
    const v = await askForm(
      t("op.shops.rotate_q", { name: shop.name }),
      [
        field(t("op.shops.dialect"), select("dialect", [["panda", "panda"], ["tegro", "tegro"]], "panda")),
        field(
          t("op.shops.overlap"),
          h("input", { name: "overlap_seconds", inputmode: "numeric", pattern: "[0-9]+", value: "86400", required: true }),
          t("op.shops.overlap_hint"),
        ),
      ],
      { ok: t("op.shops.rotate") },
    );
    if (!v) return;
    const body = { dialect: v.dialect, overlap_seconds: Number(v.overlap_seconds) };
    const r = await act(rotate, () => api("POST", `/admin/v1/shops/${shop.id}/rotate`, body));
    if (r)
      fill(
        once,
        onceCard(t("op.shops.rotated", { dialect: r.dialect }), [
          [t("op.shops.api_key"), r.api_key, "api_key"],
          [t("op.shops.secret"), r.secret, "secret"],
          [t("op.shops.old_until"), r.old_valid_until, "old_valid_until"],
        ]),
      );
  });
  const balanceRows = Object.entries(balances || {}).map(([cur, b]) => ({ cur, ...b }));
  fill(
    main,
    h("p.crumbs", {}, h("a", { href: "#/shops", text: t("op.shops.back") })),
    h(
      "div.title-row",
      {},
      h("h1", { text: shop.name }),
      badge(shop.active ? t("op.shops.active") : t("op.shops.disabled"), shop.active ? "ok" : "failed"),
      shop.test_mode ? badge(t("op.shops.test"), "pending") : null,
    ),
    h("div.toolbar", {}, toggle, rotate),
    once,
    h(
      "div.cols",
      {},
      h(
        "section.card.op-facts",
        {},
        facts([
          [t("op.shops.id"), String(shop.id)],
          [t("op.shops.shop_id"), h("span", {}, h("code.mono", { text: shop.shop_id }), " ", copyButton(shop.shop_id))],
          [t("op.shops.merchant"), String(shop.merchant_id)],
          [t("op.shops.url"), h("span.mono", { text: shop.url })],
          [t("op.shops.callback_url"), h("span.mono", { text: shop.callback_url })],
          [t("op.shops.tariff"), feeText(shop.fee_percent, shop.fee_fixed)],
          [t("op.shops.test_short"), onOff(shop.test_mode)],
        ]),
      ),
      h(
        "section.card.shop-balance-card",
        {},
        h("h2", { text: t("op.shops.balances") }),
        table(
          [
            { label: t("op.shops.currency"), cell: (b) => b.cur },
            { label: t("op.shops.available"), cell: (b) => money(b.available, b.cur), class: "num" },
            { label: t("op.shops.held"), cell: (b) => money(b.held, b.cur), class: "num" },
          ],
          balanceRows,
        ),
      ),
    ),
    settingsCard(shop, reload),
    h("div.cols.top", {}, tariffCard(shop, reload), await methodsCard(shop)),
    await usersCard(shop),
  );
}

export default function setup(app) {
  app.nav("/shops", t("op.shops.nav"));
  app.route("/shops", listView);
  app.route("/shops/:id", shopView);
}
