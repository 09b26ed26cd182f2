// trader_common.js: what the trader's views share (tr.* strings): a live
// countdown, an order's card with its "Received" / "Not received" actions,
// a requisite's one-line description.
//
// Times left come from the API (seconds_left, ttl_sec: kassad's clock), never
// from the browser's clock: a countdown counts down from the answer's figure.
import { act, addStrings, api, badge, confirmDialog, duration, field, h, money, t } from "./lib.js";

addStrings({
  en: {
    "tr.left": "left",
    "tr.expired": "time is up",
    "tr.order.received": "Received",
    "tr.order.not_received": "Not received",
    "tr.order.received_q": "Did {amount} arrive on {requisite}?",
    "tr.order.received_ok": "Yes, it arrived",
    "tr.order.other_amount": "Another amount arrived",
    "tr.order.other_amount_hint": "Only when the payer sent a different sum: the amount that actually arrived, e.g. 950.00.",
    "tr.order.not_received_q": "{amount} did not arrive on {requisite}? The order fails.",
    "tr.order.not_received_ok": "No, it did not arrive",
    "tr.order.completed": "Order completed",
    "tr.order.failed": "Order failed",
    "tr.order.payer_paid": "payer says paid",
    "tr.order.received_amount": "Received: {amount}",
    "tr.order.details": "Details",
    "tr.status.pending": "waiting",
    "tr.status.completed": "completed",
    "tr.status.failed": "failed",
    "tr.status.expired": "expired",
    "tr.status.canceled": "canceled",
    "tr.status.reversed": "reversed",
    "tr.status.no_requisite": "no requisite",
    "tr.role.merchant": "merchant",
    "tr.role.customer": "payer",
    "tr.role.trader": "you",
    "tr.role.operator": "operator",
    "tr.role.system": "kassa",
    "tr.kind.trader.deposit": "deposit",
    "tr.kind.trader.withdrawal": "withdrawal",
    "tr.kind.order.reserved": "order reserved",
    "tr.kind.order.released": "reserve released",
    "tr.kind.order.completed": "order completed",
    "tr.kind.order.reward": "reward",
    "tr.kind.order.reversed": "order reversed",
  },
  ru: {
    "tr.left": "осталось",
    "tr.expired": "время вышло",
    "tr.order.received": "Получено",
    "tr.order.not_received": "Не получено",
    "tr.order.received_q": "Поступило {amount} на {requisite}?",
    "tr.order.received_ok": "Да, поступило",
    "tr.order.other_amount": "Поступила другая сумма",
    "tr.order.other_amount_hint": "Только если плательщик перевёл другую сумму: сколько поступило на самом деле, например 950.00.",
    "tr.order.not_received_q": "{amount} не поступило на {requisite}? Заказ будет отклонён.",
    "tr.order.not_received_ok": "Нет, не поступило",
    "tr.order.completed": "Заказ выполнен",
    "tr.order.failed": "Заказ отклонён",
    "tr.order.payer_paid": "плательщик оплатил",
    "tr.order.received_amount": "Получено: {amount}",
    "tr.order.details": "Подробнее",
    "tr.status.pending": "ожидает",
    "tr.status.completed": "выполнен",
    "tr.status.failed": "отклонён",
    "tr.status.expired": "истёк",
    "tr.status.canceled": "отменён",
    "tr.status.reversed": "возвращён",
    "tr.status.no_requisite": "нет реквизита",
    "tr.role.merchant": "мерчант",
    "tr.role.customer": "плательщик",
    "tr.role.trader": "вы",
    "tr.role.operator": "оператор",
    "tr.role.system": "kassa",
    "tr.kind.trader.deposit": "пополнение депозита",
    "tr.kind.trader.withdrawal": "вывод",
    "tr.kind.order.reserved": "резерв под заказ",
    "tr.kind.order.released": "резерв снят",
    "tr.kind.order.completed": "заказ выполнен",
    "tr.kind.order.reward": "вознаграждение",
    "tr.kind.order.reversed": "заказ возвращён",
  },
});

// A word the API gives (a role, a ledger entry's kind) in the user's
// language when there is a string for it, else as the API wrote it.
export function word(prefix, value) {
  const key = `${prefix}.${value}`;
  const s = t(key);
  return s === key ? String(value ?? "—") : s;
}

// ---- countdowns ---------------------------------------------------------------

const ticking = new Set();
let timer = null;

function tick() {
  const now = performance.now();
  for (const el of ticking) {
    if (!el.isConnected) {
      ticking.delete(el);
      continue;
    }
    const left = Math.ceil((Number(el.dataset.until) - now) / 1000);
    el.textContent = left > 0 ? duration(left) : t("tr.expired");
    el.classList.toggle("urgent", left <= 120);
    el.classList.toggle("over", left <= 0);
  }
  if (ticking.size === 0) {
    clearInterval(timer);
    timer = null;
  }
}

// A span counting `seconds` down to "time is up", once a second.
export function countdown(seconds) {
  const el = h("span.tr-countdown", { dataset: { until: String(performance.now() + seconds * 1000) } });
  ticking.add(el);
  if (!timer) timer = setInterval(tick, 1000);
  const left = Math.max(0, Math.floor(seconds));
  el.textContent = left > 0 ? duration(left) : t("tr.expired");
  el.classList.toggle("urgent", left <= 120);
  el.classList.toggle("over", left <= 0);
  return el;
}

// ---- orders -------------------------------------------------------------------

export function statusBadge(status) {
  return badge(t(`tr.status.${status}`), status === "no_requisite" ? "no-requisite" : status);
}

export function requisiteText(r) {
  return r ? `${r.requisite}` : "—";
}

// "Received" with the amount repeated and an optional "another amount";
// resolves to the order after, or undefined (canceled or refused: the
// API's message is toasted).
export async function orderReceived(button, o) {
  const other = h("input", { name: "amount_received", inputmode: "decimal", autocomplete: "off", placeholder: o.amount });
  const box = h("div.tr-confirm", {}, h("p.tr-confirm-amount", { text: money(o.amount, o.currency) }), field(t("tr.order.other_amount"), other, t("tr.order.other_amount_hint")));
  const ok = await confirmDialog(t("tr.order.received_q", { amount: money(o.amount, o.currency), requisite: requisiteText(o.requisite) }), {
    ok: t("tr.order.received_ok"),
    body: box,
  });
  if (!ok) return undefined;
  const amount = other.value.trim();
  return act(button, () => api("POST", `/trader/v1/orders/${encodeURIComponent(o.uuid)}/received`, amount ? { amount_received: amount } : undefined), t("tr.order.completed"));
}

export async function orderNotReceived(button, o) {
  const ok = await confirmDialog(t("tr.order.not_received_q", { amount: money(o.amount, o.currency), requisite: requisiteText(o.requisite) }), {
    ok: t("tr.order.not_received_ok"),
    body: h("p.tr-confirm-amount", { text: money(o.amount, o.currency) }),
    danger: true,
  });
  if (!ok) return undefined;
  return act(button, () => api("POST", `/trader/v1/orders/${encodeURIComponent(o.uuid)}/not-received`), t("tr.order.failed"));
}

// An order's card: the amount to expect (big), the requisite, the time left,
// and for a pending one the two answers. after(order) is called when an
// answer changed it.
export function orderCard(o, after, { link = true } = {}) {
  const pending = o.status === "pending";
  const received = h("button.primary.big.tr-received", { type: "button", text: t("tr.order.received") });
  const notReceived = h("button.big.tr-not-received", { type: "button", text: t("tr.order.not_received") });
  received.addEventListener("click", async () => {
    const r = await orderReceived(received, o);
    if (r) after(r);
  });
  notReceived.addEventListener("click", async () => {
    const r = await orderNotReceived(notReceived, o);
    if (r) after(r);
  });
  const req = o.requisite || {};
  return h(
    "article.card.tr-order",
    { dataset: { uuid: o.uuid, status: o.status } },
    h(
      "div.tr-order-head",
      {},
      h("span.tr-amount", { text: money(o.amount, o.currency) }),
      pending ? h("span.tr-left", {}, countdown(o.seconds_left), h("span.tr-left-label", { text: t("tr.left") })) : statusBadge(o.status),
    ),
    h(
      "div.tr-req",
      {},
      h("span.tr-req-type", { text: req.type || "" }),
      h("span.tr-req-value.mono", { text: requisiteText(req) }),
      req.bank_code ? h("span.tr-req-bank.muted", { text: req.bank_code }) : null,
    ),
    h(
      "div.tr-order-meta",
      {},
      o.confirmed_by_customer ? badge(t("tr.order.payer_paid"), "waiting") : null,
      o.amount_received ? h("span.tr-received-amount", { text: t("tr.order.received_amount", { amount: money(o.amount_received, o.currency) }) }) : null,
      link ? h("a.tr-order-link", { href: `#/orders/${encodeURIComponent(o.uuid)}`, text: `${t("tr.order.details")} · ${o.uuid.slice(0, 8)}` }) : null,
    ),
    pending ? h("div.tr-order-actions", {}, notReceived, received) : null,
  );
}
