// op_orders.js: the operator's order queue (#/orders, the list API's
// filters kept in the hash's query, so a filtered view is a link) and an
// order's page (#/orders/:ref): its facts, timeline, the payer's receipt,
// every callback with every attempt, and the actions (complete, complete
// with another amount, fail, reverse, resend a callback), each behind a
// confirmation. What the operator's role may do is the admin API's answer.
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
  go,
  h,
  money,
  pagedList,
  query,
  t,
  table,
} from "./lib.js";

addStrings({
  en: {
    "op.orders.nav": "Orders",
    "op.orders.title": "Orders",
    "op.orders.q": "Uuid, id or merchant's order id",
    "op.orders.status": "Status",
    "op.orders.any": "Any",
    "op.orders.shop_id": "Shop id",
    "op.orders.merchant_id": "Merchant id",
    "op.orders.dialect": "Dialect",
    "op.orders.requisite_id": "Requisite id",
    "op.orders.confirmed_by_customer": "Payer says paid",
    "op.orders.currency": "Currency",
    "op.orders.amount_min": "Amount from",
    "op.orders.amount_max": "Amount to",
    "op.orders.merchant_order_id": "Merchant's order id",
    "op.orders.from": "Created from",
    "op.orders.to": "Created before",
    "op.orders.order": "Sort",
    "op.orders.newest": "Newest first",
    "op.orders.oldest": "Oldest first",
    "op.orders.more_filters": "More filters",
    "op.orders.queue": "Payer says paid",
    "op.orders.pending": "Pending",
    "op.orders.all": "All",
    "op.orders.id": "Id",
    "op.orders.created": "Created",
    "op.orders.shop": "Shop",
    "op.orders.amount": "Amount",
    "op.orders.origin": "Dialect",
    "op.orders.empty": "No orders match.",
    "op.orders.order_title": "Order {id}",
    "op.orders.test": "test",
    "op.orders.payer_paid": "payer says paid",
    "op.orders.facts": "Facts",
    "op.orders.uuid": "Uuid",
    "op.orders.amount_requested": "Requested",
    "op.orders.amount_received": "Received",
    "op.orders.fee": "Fee",
    "op.orders.requisite": "Requisite",
    "op.orders.trader": "Trader",
    "op.orders.own_pool": "the operator's own pool",
    "op.orders.customer": "Payer",
    "op.orders.expires": "Expires",
    "op.orders.paid": "Paid",
    "op.orders.reversed": "Reversed",
    "op.orders.confirmed_by": "Completed by",
    "op.orders.no_requisite_reason": "Why no requisite",
    "op.orders.actions": "Actions",
    "op.orders.complete": "Complete",
    "op.orders.complete_other": "Complete with another amount",
    "op.orders.fail": "Fail",
    "op.orders.reverse": "Reverse",
    "op.orders.complete_q": "Mark order {id} paid with {amount}?",
    "op.orders.complete_other_q": "Mark order {id} paid with the amount actually received?",
    "op.orders.fail_q": "Mark order {id} failed?",
    "op.orders.reverse_q": "Reverse order {id}? The merchant's balance is debited.",
    "op.orders.completed_toast": "Order {id} is completed.",
    "op.orders.failed_toast": "Order {id} is failed.",
    "op.orders.reversed_toast": "Order {id} is reversed.",
    "op.orders.received_label": "Amount received ({currency})",
    "op.orders.timeline": "Timeline",
    "op.orders.receipt": "Payer's receipt",
    "op.orders.no_receipt": "The payer has uploaded no receipt.",
    "op.orders.receipt_alt": "The payer's receipt for order {id}",
    "op.orders.callbacks": "Callbacks",
    "op.orders.no_callbacks": "No callbacks for this order.",
    "op.orders.attempts": "{n} attempts",
    "op.orders.next_attempt": "Next attempt",
    "op.orders.resend": "Resend",
    "op.orders.resend_q": "Deliver callback {id} ({event}) to {url} once more?",
    "op.orders.resent": "Callback {id} is queued again.",
    "op.orders.at": "At",
    "op.orders.http": "Answer",
    "op.orders.latency": "Time",
    "op.orders.response": "Body",
    "op.orders.ms": "{n} ms",
    "op.orders.back": "All orders",
    "op.orders.status.pending": "pending",
    "op.orders.status.completed": "completed",
    "op.orders.status.failed": "failed",
    "op.orders.status.expired": "expired",
    "op.orders.status.canceled": "canceled",
    "op.orders.status.no_requisite": "no requisite",
    "op.orders.status.reversed": "reversed",
    "op.orders.cb.pending": "pending",
    "op.orders.cb.delivered": "delivered",
    "op.orders.cb.failed": "failed",
    "op.orders.cb.refused": "refused",
  },
  ru: {
    "op.orders.nav": "Заказы",
    "op.orders.title": "Заказы",
    "op.orders.q": "Uuid, номер или номер заказа мерчанта",
    "op.orders.status": "Статус",
    "op.orders.any": "Любой",
    "op.orders.shop_id": "Магазин (id)",
    "op.orders.merchant_id": "Мерчант (id)",
    "op.orders.dialect": "Диалект",
    "op.orders.requisite_id": "Реквизит (id)",
    "op.orders.confirmed_by_customer": "Плательщик сообщил об оплате",
    "op.orders.currency": "Валюта",
    "op.orders.amount_min": "Сумма от",
    "op.orders.amount_max": "Сумма до",
    "op.orders.merchant_order_id": "Номер заказа мерчанта",
    "op.orders.from": "Создан с",
    "op.orders.to": "Создан до",
    "op.orders.order": "Порядок",
    "op.orders.newest": "Сначала новые",
    "op.orders.oldest": "Сначала старые",
    "op.orders.more_filters": "Ещё фильтры",
    "op.orders.queue": "Плательщик оплатил",
    "op.orders.pending": "Ожидают",
    "op.orders.all": "Все",
    "op.orders.id": "Номер",
    "op.orders.created": "Создан",
    "op.orders.shop": "Магазин",
    "op.orders.amount": "Сумма",
    "op.orders.origin": "Диалект",
    "op.orders.empty": "Подходящих заказов нет.",
    "op.orders.order_title": "Заказ {id}",
    "op.orders.test": "тест",
    "op.orders.payer_paid": "плательщик оплатил",
    "op.orders.facts": "Сведения",
    "op.orders.uuid": "Uuid",
    "op.orders.amount_requested": "Запрошено",
    "op.orders.amount_received": "Получено",
    "op.orders.fee": "Комиссия",
    "op.orders.requisite": "Реквизит",
    "op.orders.trader": "Трейдер",
    "op.orders.own_pool": "собственный пул оператора",
    "op.orders.customer": "Плательщик",
    "op.orders.expires": "Истекает",
    "op.orders.paid": "Оплачен",
    "op.orders.reversed": "Отменён после оплаты",
    "op.orders.confirmed_by": "Кем подтверждён",
    "op.orders.no_requisite_reason": "Почему нет реквизита",
    "op.orders.actions": "Действия",
    "op.orders.complete": "Провести",
    "op.orders.complete_other": "Провести на другую сумму",
    "op.orders.fail": "Отклонить",
    "op.orders.reverse": "Сторнировать",
    "op.orders.complete_q": "Отметить заказ {id} оплаченным на {amount}?",
    "op.orders.complete_other_q": "Отметить заказ {id} оплаченным на фактически полученную сумму?",
    "op.orders.fail_q": "Отметить заказ {id} неуспешным?",
    "op.orders.reverse_q": "Сторнировать заказ {id}? С баланса мерчанта будет списана сумма.",
    "op.orders.completed_toast": "Заказ {id} проведён.",
    "op.orders.failed_toast": "Заказ {id} отклонён.",
    "op.orders.reversed_toast": "Заказ {id} сторнирован.",
    "op.orders.received_label": "Получено ({currency})",
    "op.orders.timeline": "История",
    "op.orders.receipt": "Чек плательщика",
    "op.orders.no_receipt": "Плательщик не загрузил чек.",
    "op.orders.receipt_alt": "Чек плательщика по заказу {id}",
    "op.orders.callbacks": "Уведомления",
    "op.orders.no_callbacks": "Уведомлений по заказу нет.",
    "op.orders.attempts": "попыток: {n}",
    "op.orders.next_attempt": "Следующая попытка",
    "op.orders.resend": "Отправить снова",
    "op.orders.resend_q": "Доставить уведомление {id} ({event}) на {url} ещё раз?",
    "op.orders.resent": "Уведомление {id} снова в очереди.",
    "op.orders.at": "Когда",
    "op.orders.http": "Ответ",
    "op.orders.latency": "Время",
    "op.orders.response": "Тело",
    "op.orders.ms": "{n} мс",
    "op.orders.back": "Все заказы",
    "op.orders.status.pending": "ожидает",
    "op.orders.status.completed": "оплачен",
    "op.orders.status.failed": "неуспешен",
    "op.orders.status.expired": "истёк",
    "op.orders.status.canceled": "отменён",
    "op.orders.status.no_requisite": "нет реквизита",
    "op.orders.status.reversed": "сторнирован",
    "op.orders.cb.pending": "в очереди",
    "op.orders.cb.delivered": "доставлено",
    "op.orders.cb.failed": "не доставлено",
    "op.orders.cb.refused": "отклонено",
  },
});

const STATUSES = ["pending", "completed", "failed", "expired", "canceled", "no_requisite", "reversed"];
const CURRENCIES = ["RUB", "USD", "EUR", "UAH", "KZT", "UZS", "KGS", "TJS", "AZN", "GEL", "BYN", "TRY", "INR", "CNY", "GBP", "USDT", "TON", "BTC", "ETH", "LTC"];

// lib.facts, its labels kept to at most 45 % of the width (op-facts in
// style.css): a long label wraps between words instead of squeezing the
// values into single letters on a phone.
function opFacts(pairs) {
  const dl = facts(pairs);
  dl.classList.add("op-facts");
  return dl;
}

// An order's status as a badge (its class is the API's word).
export function orderStatus(s) {
  return badge(t(`op.orders.status.${s}`), s);
}

// The list API's filters: name, control, and whether it shows without
// "More filters". from/to are kept in the hash as the datetime-local
// text and sent as Unix seconds.
const FILTERS = [
  { name: "q", main: true, input: { type: "search" } },
  { name: "status", main: true, options: STATUSES.map((s) => [s, () => t(`op.orders.status.${s}`)]) },
  { name: "confirmed_by_customer", main: true, options: [["true", () => t("yes")], ["false", () => t("no")]] },
  { name: "shop_id", input: { type: "number", min: "1", inputmode: "numeric" } },
  { name: "merchant_id", input: { type: "number", min: "1", inputmode: "numeric" } },
  { name: "requisite_id", input: { type: "number", min: "1", inputmode: "numeric" } },
  { name: "dialect", options: [["panda", () => "panda"], ["tegro", () => "tegro"]] },
  { name: "merchant_order_id", input: {} },
  { name: "currency", options: CURRENCIES.map((c) => [c, () => c]) },
  { name: "amount_min", input: { inputmode: "decimal" } },
  { name: "amount_max", input: { inputmode: "decimal" } },
  { name: "from", input: { type: "datetime-local" } },
  { name: "to", input: { type: "datetime-local" } },
  { name: "order", options: [["asc", () => t("op.orders.oldest")]], any: () => t("op.orders.newest") },
];

function filterControl(f, value) {
  if (f.options) {
    return h(
      "select",
      { name: f.name },
      h("option", { value: "", text: f.any ? f.any() : t("op.orders.any") }),
      f.options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label() })),
    );
  }
  return h("input", { name: f.name, value: value || "", ...f.input });
}

// The hash's query -> the list API's query.
function apiQuery(q) {
  const out = {};
  for (const f of FILTERS) {
    const v = q.get(f.name);
    if (!v) continue;
    if (f.name === "from" || f.name === "to") {
      const ms = new Date(v).getTime();
      out[f.name] = isNaN(ms) ? v : String(Math.floor(ms / 1000));
    } else {
      out[f.name] = v;
    }
  }
  return out;
}

function listView(main, params, q) {
  const form = h("form.filters", {
    onsubmit: (ev) => {
      ev.preventDefault();
      const v = {};
      for (const el of form.elements) if (el.name && el.value !== "") v[el.name] = el.value.trim();
      go(`/orders${query(v)}`);
    },
  });
  const more = FILTERS.filter((f) => !f.main);
  const anyMore = more.some((f) => q.get(f.name));
  fill(
    form,
    h(
      "div.toolbar",
      {},
      FILTERS.filter((f) => f.main).map((f) => field(t(`op.orders.${f.name}`), filterControl(f, q.get(f.name)))),
    ),
    h(
      "details.more-filters",
      { open: anyMore },
      h("summary", { text: t("op.orders.more_filters") }),
      h("div.toolbar", {}, more.map((f) => field(t(`op.orders.${f.name}`), filterControl(f, q.get(f.name))))),
    ),
    h(
      "div.row",
      {},
      h("button.primary", { type: "submit", text: t("apply") }),
      h("button", { type: "button", text: t("reset"), onclick: () => go("/orders") }),
    ),
  );
  const presets = h(
    "div.row.presets",
    {},
    h("a.button", { href: "#/orders?status=pending&confirmed_by_customer=true&order=asc", text: t("op.orders.queue") }),
    h("a.button", { href: "#/orders?status=pending", text: t("op.orders.pending") }),
    h("a.button", { href: "#/orders", text: t("op.orders.all") }),
  );
  const list = h("div.orders-list");
  fill(main, h("h1", { text: t("op.orders.title") }), presets, h("section.card.filters-card", {}, form), list);
  const cols = [
    { label: t("op.orders.id"), cell: (o) => h("a", { href: `#/orders/${o.uuid}`, text: String(o.id) }) },
    { label: t("op.orders.created"), cell: (o) => dt(o.created_at) },
    { label: t("op.orders.shop"), class: "num", cell: (o) => String(o.shop_id) },
    {
      label: t("op.orders.amount"),
      class: "num",
      cell: (o) => (o.amount_received ? [money(o.amount_received, o.currency), h("s.muted.was", { text: money(o.amount) })] : money(o.amount, o.currency)),
    },
    {
      label: t("op.orders.status"),
      cell: (o) =>
        h(
          "span.badges",
          {},
          orderStatus(o.status),
          o.confirmed_by_customer && o.status === "pending" ? [" ", badge(t("op.orders.payer_paid"), "waiting")] : null,
          o.test ? [" ", badge(t("op.orders.test"), "test")] : null,
        ),
    },
    { label: t("op.orders.merchant_order_id"), cell: (o) => h("span.mono", { text: o.merchant_order_id || "—" }) },
    { label: t("op.orders.origin"), cell: (o) => o.origin },
  ];
  return pagedList(list, "/admin/v1/orders", apiQuery(q), (items) =>
    table(cols, items, { empty: t("op.orders.empty"), onrow: (o) => go(`/orders/${o.uuid}`) }),
  );
}

// ---- an order's page ----

function requisiteText(r) {
  if (!r) return "—";
  return h(
    "span",
    {},
    h("span.mono", { text: r.requisite }),
    " ",
    h("span.muted", { text: `${r.type}, ${[r.bank_name_en || r.bank_name_ru, r.owner_full_name].filter(Boolean).join(", ")}` }),
    ` (#${r.id})`,
  );
}

function orderFacts(o) {
  return opFacts([
    [t("op.orders.uuid"), h("span", {}, h("span.mono", { text: o.uuid }), " ", copyButton(o.uuid))],
    [t("op.orders.status"), [orderStatus(o.status), o.test ? [" ", badge(t("op.orders.test"), "test")] : null]],
    [t("op.orders.amount"), h("span.amount", { id: "order-amount", text: money(o.amount, o.currency) })],
    o.amount_requested ? [t("op.orders.amount_requested"), money(o.amount_requested, o.currency)] : null,
    [t("op.orders.amount_received"), h("span", { id: "order-received", text: o.amount_received ? money(o.amount_received, o.currency) : "—" })],
    [t("op.orders.fee"), money(o.fee, o.currency)],
    [t("op.orders.shop"), h("a", { href: `#/orders?shop_id=${o.shop_id}`, text: String(o.shop_id) })],
    [t("op.orders.origin"), o.origin],
    [t("op.orders.merchant_order_id"), h("span.mono", { text: o.merchant_order_id || "—" })],
    [t("op.orders.requisite"), requisiteText(o.requisite)],
    [t("op.orders.trader"), o.trader_id ? String(o.trader_id) : o.requisite ? t("op.orders.own_pool") : "—"],
    o.customer_name || o.customer_requisite
      ? [t("op.orders.customer"), [o.customer_name, " ", h("span.mono", { text: o.customer_requisite })]]
      : null,
    [t("op.orders.confirmed_by_customer"), o.confirmed_by_customer ? t("yes") : t("no")],
    [t("op.orders.created"), dt(o.created_at)],
    [t("op.orders.expires"), dt(o.expires_at)],
    [t("op.orders.paid"), dt(o.paid_at)],
    o.reversed_at ? [t("op.orders.reversed"), dt(o.reversed_at)] : null,
    [t("op.orders.confirmed_by"), o.confirmed_by || "—"],
    o.no_requisite_reason ? [t("op.orders.no_requisite_reason"), h("span.mono", { text: o.no_requisite_reason })] : null,
  ]);
}

// The actions an order's status admits (the API still decides, the role
// included): pending -> complete, complete with another amount, fail;
// expired -> complete (a late payment); completed -> reverse.
function orderActions(o, reload) {
  const path = `/admin/v1/orders/${encodeURIComponent(o.uuid)}`;
  const id = o.id;
  const btns = [];
  const run = (btn, q, opts, call, done) =>
    btn.addEventListener("click", async () => {
      const body = opts.body || null;
      if (!(await confirmDialog(q, opts))) return;
      const r = await act(btn, () => call(body), done);
      if (r !== undefined) reload();
    });
  if (o.status === "pending" || o.status === "expired") {
    const b1 = h("button.primary", { type: "button", id: "act-complete", text: t("op.orders.complete") });
    run(b1, t("op.orders.complete_q", { id, amount: money(o.amount, o.currency) }), {}, () => api("POST", `${path}/complete`, {}), t("op.orders.completed_toast", { id }));
    const input = () =>
      h("input", { name: "amount_received", inputmode: "decimal", required: true, value: o.amount, autocomplete: "off" });
    const b2 = h("button", { type: "button", id: "act-complete-other", text: t("op.orders.complete_other") });
    b2.addEventListener("click", async () => {
      const el = input();
      const ok = await confirmDialog(t("op.orders.complete_other_q", { id }), {
        body: field(t("op.orders.received_label", { currency: o.currency }), el),
      });
      if (!ok) return;
      const r = await act(b2, () => api("POST", `${path}/complete`, { amount_received: el.value.trim() }), t("op.orders.completed_toast", { id }));
      if (r !== undefined) reload();
    });
    btns.push(b1, b2);
  }
  if (o.status === "pending") {
    const b = h("button.danger", { type: "button", id: "act-fail", text: t("op.orders.fail") });
    run(b, t("op.orders.fail_q", { id }), { danger: true }, () => api("POST", `${path}/fail`), t("op.orders.failed_toast", { id }));
    btns.push(b);
  }
  if (o.status === "completed") {
    const b = h("button.danger", { type: "button", id: "act-reverse", text: t("op.orders.reverse") });
    run(b, t("op.orders.reverse_q", { id }), { danger: true }, () => api("POST", `${path}/reverse`), t("op.orders.reversed_toast", { id }));
    btns.push(b);
  }
  if (!btns.length) return null;
  return h("section.card.order-actions", {}, h("h2", { text: t("op.orders.actions") }), h("div.row", {}, btns));
}

// The order's creation, then its events (each a change of status).
function timeline(o, events) {
  return h(
    "ol.timeline",
    {},
    h("li", {}, h("span.when", { text: dt(o.created_at) }), " ", h("strong", { text: t("op.orders.created") }), " ", h("span.muted", { text: money(o.amount_requested || o.amount, o.currency) })),
    events.map((e) => h("li", {}, h("span.when", { text: dt(e.at) }), " ", orderStatus(e.status), " ", h("span.muted.mono", { text: e.kind }))),
  );
}

// The receipt, fetched so that "none" (404) is a sentence, not a broken image.
async function receipt(box, o) {
  fill(box, h("h2", { text: t("op.orders.receipt") }), h("p.muted", { text: t("loading") }));
  let res;
  try {
    res = await fetch(`/admin/v1/orders/${encodeURIComponent(o.uuid)}/receipt`, { credentials: "same-origin" });
  } catch (e) {
    res = null;
  }
  if (!res || !res.ok) {
    fill(box, h("h2", { text: t("op.orders.receipt") }), h("p.muted#receipt-none", { text: t("op.orders.no_receipt") }));
    return null;
  }
  const url = URL.createObjectURL(await res.blob());
  fill(
    box,
    h("h2", { text: t("op.orders.receipt") }),
    h("a.receipt", { href: url, target: "_blank", rel: "noopener" }, h("img.receipt#receipt-image", { src: url, alt: t("op.orders.receipt_alt", { id: o.id }) })),
  );
  return () => URL.revokeObjectURL(url);
}

function callbackCard(cb, reload) {
  const resend = h("button", { type: "button", class: "resend", dataset: { callback: String(cb.id) }, text: t("op.orders.resend") });
  resend.addEventListener("click", async () => {
    if (!(await confirmDialog(t("op.orders.resend_q", { id: cb.id, event: cb.event, url: cb.url })))) return;
    const r = await act(resend, () => api("POST", `/admin/v1/callbacks/${cb.id}/resend`), t("op.orders.resent", { id: cb.id }));
    if (r !== undefined) reload();
  });
  const attempts = cb.attempts || [];
  return h(
    "div.callback",
    { dataset: { callback: String(cb.id) } },
    h(
      "div.callback-head",
      {},
      h("strong", { text: `#${cb.id} ${cb.event}` }),
      " ",
      badge(t(`op.orders.cb.${cb.state}`), cb.state),
      " ",
      h("span.muted", { text: `${cb.receiver} · ${t("op.orders.attempts", { n: cb.attempt_count })}` }),
    ),
    h("p.mono.callback-url", { text: cb.url }),
    cb.next_attempt_at ? h("p.muted", { text: `${t("op.orders.next_attempt")}: ${dt(cb.next_attempt_at)}` }) : null,
    table(
      [
        { label: t("op.orders.at"), cell: (a) => dt(a.at || (a.at_ms ? a.at_ms / 1000 : null)) },
        { label: t("op.orders.http"), cell: (a) => (a.http_status ? String(a.http_status) : h("span.bad", { text: a.error || "—" })) },
        { label: t("op.orders.latency"), class: "num", cell: (a) => t("op.orders.ms", { n: a.latency_ms }) },
        { label: t("op.orders.response"), cell: (a) => h("code.response", { text: a.response || "" }) },
      ],
      attempts,
    ),
    h("div.actions", {}, resend),
  );
}

async function orderView(main, { ref }) {
  const path = `/admin/v1/orders/${encodeURIComponent(ref)}`;
  const [o, events, callbacks] = await Promise.all([
    api("GET", path),
    api("GET", `${path}/events?order=asc&limit=200`),
    api("GET", `/admin/v1/callbacks${query({ order: ref })}`),
  ]);
  const reload = () => go(`/orders/${ref}`);
  const receiptBox = h("section.card.receipt-card");
  const cbs = Array.isArray(callbacks) ? callbacks : callbacks.items || [];
  fill(
    main,
    h("p", {}, h("a", { href: "#/orders", text: `← ${t("op.orders.back")}` })),
    h("h1", {}, t("op.orders.order_title", { id: o.id }), " ", orderStatus(o.status)),
    orderActions(o, reload),
    h(
      "div.cols",
      {},
      h("section.card", {}, h("h2", { text: t("op.orders.facts") }), orderFacts(o)),
      h("div", {}, h("section.card", {}, h("h2", { text: t("op.orders.timeline") }), timeline(o, events.items || [])), receiptBox),
    ),
    h(
      "section.card.callbacks",
      {},
      h("h2", { text: t("op.orders.callbacks") }),
      cbs.length ? cbs.map((cb) => callbackCard(cb, reload)) : h("p.muted", { text: t("op.orders.no_callbacks") }),
    ),
  );
  return receipt(receiptBox, o);
}

export default function setup(app) {
  app.nav("/orders", t("op.orders.nav"));
  app.route("/orders", async (main, params, q) => {
    await listView(main, params, q);
  });
  app.route("/orders/:ref", orderView);
}
