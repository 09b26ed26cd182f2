// merchant.js: the merchant user's views (merchant.* strings), on the
// merchant API (/merchant/v1/..., docs/openapi/merchant.json): shops and
// balances with credentials and the test payment, orders, withdrawals,
// callbacks. Every change asks first (confirmDialog) and shows the API's
// error (act).
import {
  act,
  addStrings,
  api,
  badge,
  confirmDialog,
  copyButton,
  dt,
  facts,
  field,
  fill,
  formValues,
  go,
  h,
  money,
  pagedList,
  showError,
  t,
  table,
  toast,
} from "./lib.js";

addStrings({
  en: {
    "merchant.shops": "Shops",
    "merchant.orders": "Orders",
    "merchant.withdrawals": "Withdrawals",
    "merchant.callbacks": "Callbacks",
    "merchant.balance": "Balance",
    "merchant.available": "Available",
    "merchant.held": "Held",
    "merchant.no_money": "No money yet",
    "merchant.api_key": "{dialect} API key",
    "merchant.old_until": "old key works until {at}",
    "merchant.rotate": "Rotate keys",
    "merchant.rotate_q": "Issue new API keys for {shop}?",
    "merchant.dialect": "API",
    "merchant.overlap": "Old key keeps working (hours)",
    "merchant.secret_once": "The secret is shown only now. Store it before closing.",
    "merchant.secret": "Secret",
    "merchant.test": "Test payment",
    "merchant.test_q": "Create a test payment in {shop}? No money moves.",
    "merchant.test_made": "Test order {id} created",
    "merchant.open_pay": "Open the payer page",
    "merchant.amount": "Amount",
    "merchant.currency": "Currency",
    "merchant.status": "Status",
    "merchant.shop": "Shop",
    "merchant.created": "Created",
    "merchant.order": "Order",
    "merchant.your_id": "Your order id",
    "merchant.test_badge": "test",
    "merchant.timeline": "Timeline",
    "merchant.event": "Event",
    "merchant.account": "Account",
    "merchant.request": "Request a withdrawal",
    "merchant.request_q": "Withdraw {amount} from {shop}?",
    "merchant.requested": "Withdrawal requested",
    "merchant.attempts": "Attempts",
    "merchant.resend": "Resend",
    "merchant.resend_q": "Send callback {id} once more?",
    "merchant.resent": "Callback queued",
    "merchant.url": "URL",
    "merchant.any": "any",
  },
  ru: {
    "merchant.shops": "Магазины",
    "merchant.orders": "Заказы",
    "merchant.withdrawals": "Выводы",
    "merchant.callbacks": "Уведомления",
    "merchant.balance": "Баланс",
    "merchant.available": "Доступно",
    "merchant.held": "Удержано",
    "merchant.no_money": "Денег пока нет",
    "merchant.api_key": "Ключ API {dialect}",
    "merchant.old_until": "старый ключ действует до {at}",
    "merchant.rotate": "Сменить ключи",
    "merchant.rotate_q": "Выпустить новые ключи API для «{shop}»?",
    "merchant.dialect": "API",
    "merchant.overlap": "Старый ключ действует ещё (часов)",
    "merchant.secret_once": "Секрет показан только сейчас. Сохраните его, прежде чем закрыть.",
    "merchant.secret": "Секрет",
    "merchant.test": "Тестовый платёж",
    "merchant.test_q": "Создать тестовый платёж в «{shop}»? Деньги не двигаются.",
    "merchant.test_made": "Тестовый заказ {id} создан",
    "merchant.open_pay": "Открыть страницу плательщика",
    "merchant.amount": "Сумма",
    "merchant.currency": "Валюта",
    "merchant.status": "Статус",
    "merchant.shop": "Магазин",
    "merchant.created": "Создан",
    "merchant.order": "Заказ",
    "merchant.your_id": "Ваш номер заказа",
    "merchant.test_badge": "тест",
    "merchant.timeline": "История",
    "merchant.event": "Событие",
    "merchant.account": "Счёт",
    "merchant.request": "Запросить вывод",
    "merchant.request_q": "Вывести {amount} из «{shop}»?",
    "merchant.requested": "Вывод запрошен",
    "merchant.attempts": "Попытки",
    "merchant.resend": "Отправить снова",
    "merchant.resend_q": "Отправить уведомление {id} ещё раз?",
    "merchant.resent": "Уведомление поставлено в очередь",
    "merchant.url": "Адрес",
    "merchant.any": "все",
  },
});

const CURRENCIES = ["RUB", "USD", "EUR", "UAH", "KZT", "USDT"];

async function allShops() {
  const page = await api("GET", "/merchant/v1/shops?limit=500");
  return page.items || [];
}

// The values of the named controls in a dialog's body (a div: a form
// cannot nest in the dialog's own form).
function bodyValues(box) {
  const out = {};
  for (const el of box.querySelectorAll("input[name], select[name]")) if (el.value !== "") out[el.name] = el.value;
  return out;
}

function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label })),
  );
}

// ---- shops ----------------------------------------------------------------------

function balances(shop) {
  const rows = Object.entries(shop.balances || {});
  if (rows.length === 0) return h("p.muted", { text: t("merchant.no_money") });
  return table(
    [
      { label: t("merchant.currency"), cell: ([c]) => c },
      { label: t("merchant.available"), cell: ([c, b]) => money(b.available, c), class: "num" },
      { label: t("merchant.held"), cell: ([c, b]) => money(b.held, c), class: "num" },
    ],
    rows,
  );
}

async function rotate(button, shop, reload) {
  const dialects = Object.keys(shop.credentials || {});
  const form = h(
    "div",
    {},
    field(t("merchant.dialect"), select("dialect", dialects.map((d) => [d, d]), dialects[0])),
    field(t("merchant.overlap"), h("input", { name: "hours", type: "number", min: "0", max: "720", value: "24" })),
  );
  const ok = await confirmDialog(t("merchant.rotate_q", { shop: shop.name }), { body: form, danger: true });
  if (!ok) return;
  const v = bodyValues(form);
  const r = await act(button, () =>
    api("POST", `/merchant/v1/shops/${shop.id}/rotate`, {
      dialect: v.dialect,
      overlap_seconds: Math.round(Number(v.hours || 0) * 3600),
    }),
  );
  if (!r) return;
  const secretBox = facts([
    [t("merchant.api_key", { dialect: r.dialect }), h("code.mono", { text: r.api_key })],
    [t("merchant.secret"), h("span", {}, h("code.mono.secret", { text: r.secret }), copyButton(r.secret))],
  ]);
  await confirmDialog(t("merchant.secret_once"), { body: secretBox });
  reload();
}

async function testPayment(button, shop) {
  const form = h(
    "div",
    {},
    field(t("merchant.amount"), h("input", { name: "amount", inputmode: "decimal", value: "100.00" })),
    field(t("merchant.currency"), select("currency", CURRENCIES.map((c) => [c, c]), "RUB")),
  );
  if (!(await confirmDialog(t("merchant.test_q", { shop: shop.name }), { body: form }))) return;
  const r = await act(button, () => api("POST", `/merchant/v1/shops/${shop.id}/test-payment`, bodyValues(form)));
  if (!r) return;
  toast(t("merchant.test_made", { id: r.order.id }));
  const link = h("a.button.primary", { href: r.pay_url, target: "_blank", rel: "noopener", text: t("merchant.open_pay") });
  button.after(link);
}

function shopCard(shop, reload) {
  const rot = h("button", { type: "button", text: t("merchant.rotate") });
  rot.addEventListener("click", () => rotate(rot, shop, reload));
  const test = h("button.primary", { type: "button", text: t("merchant.test") });
  test.addEventListener("click", () => testPayment(test, shop));
  return h(
    "section.card.merchant-shop",
    {},
    h("h2", {}, shop.name, shop.test_mode ? badge(t("merchant.test_badge"), "test") : null),
    balances(shop),
    facts(
      Object.entries(shop.credentials || {}).map(([d, c]) => [
        t("merchant.api_key", { dialect: d }),
        h(
          "span",
          {},
          h("code.mono", { text: c.api_key }),
          c.old_valid_until ? h("span.muted", { text: ` (${t("merchant.old_until", { at: dt(c.old_valid_until) })})` }) : null,
        ),
      ]),
    ),
    h("div.actions", {}, test, rot),
  );
}

async function shopsView(main) {
  const box = h("div.merchant-shops");
  fill(main, h("h1", { text: t("merchant.shops") }), box);
  const load = async () => {
    try {
      const shops = await allShops();
      fill(box, shops.map((s) => shopCard(s, load)));
    } catch (e) {
      showError(box, e);
    }
  };
  await load();
}

// ---- orders ---------------------------------------------------------------------

const STATUSES = ["pending", "completed", "failed", "expired", "canceled", "no_requisite", "reversed"];

function orderRows(items) {
  return table(
    [
      { label: t("merchant.order"), cell: (o) => h("span", {}, String(o.id), o.test ? badge(t("merchant.test_badge"), "test") : null) },
      { label: t("merchant.your_id"), cell: (o) => o.merchant_order_id || "—" },
      { label: t("merchant.amount"), cell: (o) => money(o.amount, o.currency), class: "num" },
      { label: t("merchant.status"), cell: (o) => badge(o.status) },
      { label: t("merchant.created"), cell: (o) => dt(o.created_at) },
    ],
    items,
    { onrow: (o) => go(`/orders/${o.uuid}`) },
  );
}

async function ordersView(main, params, q) {
  const status = q.get("status") || "";
  const list = h("div");
  const filter = select("status", [["", t("merchant.any")], ...STATUSES.map((s) => [s, s])], status);
  filter.addEventListener("change", () => go(filter.value ? `/orders?status=${filter.value}` : "/orders"));
  fill(main, h("h1", { text: t("merchant.orders") }), h("div.toolbar", {}, field(t("merchant.status"), filter)), list);
  try {
    await pagedList(list, "/merchant/v1/orders", { status }, orderRows);
  } catch (e) {
    showError(list, e);
  }
}

function callbackRows(items, reload) {
  return table(
    [
      { label: "#", cell: (c) => String(c.id) },
      { label: t("merchant.event"), cell: (c) => c.event },
      { label: t("merchant.status"), cell: (c) => badge(c.state) },
      { label: t("merchant.attempts"), cell: (c) => String(c.attempt_count), class: "num" },
      {
        label: "",
        cell: (c) => {
          const b = h("button", { type: "button", text: t("merchant.resend") });
          b.addEventListener("click", async () => {
            if (!(await confirmDialog(t("merchant.resend_q", { id: c.id })))) return;
            if (await act(b, () => api("POST", `/merchant/v1/callbacks/${c.id}/resend`), t("merchant.resent"))) reload();
          });
          return b;
        },
      },
    ],
    items,
  );
}

async function orderView(main, params) {
  const ref = encodeURIComponent(params.ref);
  try {
    const o = await api("GET", `/merchant/v1/orders/${ref}`);
    const events = await api("GET", `/merchant/v1/orders/${ref}/events?order=asc`);
    const cbBox = h("div");
    fill(
      main,
      h("h1", {}, `${t("merchant.order")} ${o.id}`, o.test ? badge(t("merchant.test_badge"), "test") : null),
      facts([
        ["UUID", h("code.mono", { text: o.uuid })],
        [t("merchant.your_id"), o.merchant_order_id || "—"],
        [t("merchant.amount"), money(o.amount, o.currency)],
        [t("merchant.status"), badge(o.status)],
        [t("merchant.created"), dt(o.created_at)],
      ]),
      h("h2", { text: t("merchant.timeline") }),
      table(
        [
          { label: t("merchant.event"), cell: (e) => e.kind },
          { label: t("merchant.created"), cell: (e) => dt(e.at) },
        ],
        events.items,
      ),
      h("h2", { text: t("merchant.callbacks") }),
      cbBox,
    );
    const list = await pagedList(cbBox, "/merchant/v1/callbacks", { order: o.uuid }, (items) =>
      callbackRows(items, () => list.reload()),
    );
  } catch (e) {
    showError(main, e);
  }
}

// ---- withdrawals ----------------------------------------------------------------

function withdrawalRows(items) {
  return table(
    [
      { label: "#", cell: (w) => String(w.id) },
      { label: t("merchant.shop"), cell: (w) => String(w.shop_id) },
      { label: t("merchant.amount"), cell: (w) => money(w.amount, w.currency), class: "num" },
      { label: t("merchant.account"), cell: (w) => h("span.mono", { text: w.account }) },
      { label: t("merchant.status"), cell: (w) => badge(w.status) },
      { label: t("merchant.created"), cell: (w) => dt(w.created_at) },
    ],
    items,
  );
}

async function withdrawalsView(main) {
  const list = h("div");
  const formBox = h("div");
  fill(main, h("h1", { text: t("merchant.withdrawals") }), formBox, list);
  try {
    const shops = await allShops();
    const btn = h("button.primary", { type: "submit", text: t("merchant.request") });
    const form = h(
      "form.merchant-withdraw",
      {},
      field(t("merchant.shop"), select("shop_id", shops.map((s) => [String(s.id), s.name]), shops[0] ? String(shops[0].id) : "")),
      field(t("merchant.amount"), h("input", { name: "amount", inputmode: "decimal", required: true })),
      field(t("merchant.currency"), select("currency", CURRENCIES.map((c) => [c, c]), "RUB")),
      field(t("merchant.account"), h("input", { name: "account", required: true, autocomplete: "off" })),
      btn,
    );
    let paged = null;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const shop = shops.find((s) => String(s.id) === v.shop_id);
      const q = t("merchant.request_q", { amount: money(v.amount, v.currency), shop: shop ? shop.name : v.shop_id });
      if (!(await confirmDialog(q))) return;
      const body = { ...v, shop_id: Number(v.shop_id) };
      if (await act(btn, () => api("POST", "/merchant/v1/withdrawals", body), t("merchant.requested"))) {
        form.reset();
        if (paged) paged.reload();
      }
    });
    fill(formBox, h("section.card", {}, h("h2", { text: t("merchant.request") }), form));
    paged = await pagedList(list, "/merchant/v1/withdrawals", {}, withdrawalRows);
  } catch (e) {
    showError(list, e);
  }
}

// ---- callbacks ------------------------------------------------------------------

async function callbacksView(main, params, q) {
  const state = q.get("state") || "";
  const list = h("div");
  const filter = select(
    "state",
    [["", t("merchant.any")], ...["pending", "delivered", "failed", "refused"].map((s) => [s, s])],
    state,
  );
  filter.addEventListener("change", () => go(filter.value ? `/callbacks?state=${filter.value}` : "/callbacks"));
  fill(main, h("h1", { text: t("merchant.callbacks") }), h("div.toolbar", {}, field(t("merchant.status"), filter)), list);
  try {
    const paged = await pagedList(list, "/merchant/v1/callbacks", { state }, (items) =>
      callbackRows(items, () => paged.reload()),
    );
  } catch (e) {
    showError(list, e);
  }
}

export default function setup(app) {
  app.nav("/", t("merchant.shops"));
  app.nav("/orders", t("merchant.orders"));
  app.nav("/withdrawals", t("merchant.withdrawals"));
  app.nav("/callbacks", t("merchant.callbacks"));
  app.route("/", shopsView);
  app.route("/orders", ordersView);
  app.route("/orders/:ref", orderView);
  app.route("/withdrawals", withdrawalsView);
  app.route("/callbacks", callbacksView);
}
