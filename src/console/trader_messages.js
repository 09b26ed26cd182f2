// trader_messages.js: bank notifications from the trader's phones that
// completed nothing (GET /trader/v1/bank-messages?state=unmatched and
// ambiguous), each with "attach to order": the chosen order of the
// trader's completes with the message's amount (POST .../attach).
import { act, addStrings, api, badge, confirmDialog, dt, field, fill, h, money, poll, t, toast } from "./lib.js";

addStrings({
  en: {
    "tr.msg.nav": "Bank messages",
    "tr.msg.title": "Bank messages",
    "tr.msg.intro": "Credits your phones reported that no waiting order took. Attach one to the order it paid.",
    "tr.msg.none": "No unmatched bank messages.",
    "tr.msg.state.unmatched": "no order",
    "tr.msg.state.ambiguous": "several orders",
    "tr.msg.from": "{bank} · {sender}",
    "tr.msg.payer": "from {payer}",
    "tr.msg.card": "card ·{last4}",
    "tr.msg.attach": "Attach to order",
    "tr.msg.order": "Order",
    "tr.msg.order_hint": "A waiting order of yours, or type another order's id.",
    "tr.msg.other_uuid": "Order id (uuid)",
    "tr.msg.pick": "— choose —",
    "tr.msg.attach_q": "Attach {amount} to this order? It completes for {amount}.",
    "tr.msg.attached": "Message attached: the order is completed",
    "tr.msg.no_order": "Choose an order or type its id.",
  },
  ru: {
    "tr.msg.nav": "Уведомления банка",
    "tr.msg.title": "Уведомления банка",
    "tr.msg.intro": "Зачисления с ваших телефонов, которые не подошли ни к одному заказу. Привяжите уведомление к заказу, который им оплачен.",
    "tr.msg.none": "Непривязанных уведомлений нет.",
    "tr.msg.state.unmatched": "нет заказа",
    "tr.msg.state.ambiguous": "несколько заказов",
    "tr.msg.from": "{bank} · {sender}",
    "tr.msg.payer": "от {payer}",
    "tr.msg.card": "карта ·{last4}",
    "tr.msg.attach": "Привязать к заказу",
    "tr.msg.order": "Заказ",
    "tr.msg.order_hint": "Ожидающий заказ или номер другого вашего заказа.",
    "tr.msg.other_uuid": "Номер заказа (uuid)",
    "tr.msg.pick": "— выберите —",
    "tr.msg.attach_q": "Привязать {amount} к этому заказу? Он будет выполнен на {amount}.",
    "tr.msg.attached": "Уведомление привязано: заказ выполнен",
    "tr.msg.no_order": "Выберите заказ или введите его номер.",
  },
});

async function attach(button, m, reload) {
  const page = await api("GET", "/trader/v1/orders?limit=100");
  const pending = (page.items || []).filter((o) => o.currency === m.currency);
  const select = h(
    "select",
    { name: "order" },
    h("option", { value: "", text: t("tr.msg.pick") }),
    pending.map((o) => h("option", { value: o.uuid, text: `${money(o.amount, o.currency)} · ${o.requisite.requisite} · ${o.uuid.slice(0, 8)}` })),
  );
  const other = h("input", { name: "uuid", autocomplete: "off", spellcheck: "false" });
  const body = h("div.tr-attach", {}, field(t("tr.msg.order"), select, t("tr.msg.order_hint")), field(t("tr.msg.other_uuid"), other));
  const amount = money(m.amount, m.currency);
  if (!(await confirmDialog(t("tr.msg.attach_q", { amount }), { ok: t("tr.msg.attach"), body }))) return;
  const order = other.value.trim() || select.value;
  if (!order) {
    toast(t("tr.msg.no_order"), "error");
    return;
  }
  const r = await act(button, () => api("POST", `/trader/v1/bank-messages/${m.id}/attach`, { order }), t("tr.msg.attached"));
  if (r) reload();
}

function messageCard(m, reload) {
  const btn = h("button.primary.tr-attach-btn", { type: "button", text: t("tr.msg.attach") });
  btn.addEventListener("click", () => attach(btn, m, reload));
  const who = [m.bank, m.sender || m.package].filter(Boolean).join(" · ");
  return h(
    "article.card.tr-message",
    { dataset: { id: String(m.id), state: m.state } },
    h("div.tr-order-head", {}, h("span.tr-amount", { text: money(m.amount, m.currency) }), badge(t(`tr.msg.state.${m.state}`), "waiting")),
    h("p.tr-message-text", { text: m.text }),
    h(
      "div.tr-order-meta",
      {},
      who ? h("span.muted", { text: who }) : null,
      m.payer ? h("span.muted", { text: t("tr.msg.payer", { payer: m.payer }) }) : null,
      m.last4 ? h("span.muted", { text: t("tr.msg.card", { last4: m.last4 }) }) : null,
      h("span.muted", { text: dt(m.received_at) }),
    ),
    h("div.actions", {}, btn),
  );
}

export default function setup(app) {
  app.nav("/messages", t("tr.msg.nav"));
  app.route("/messages", (main) => {
    const box = h("div.tr-messages");
    fill(main, h("h1", { text: t("tr.msg.title") }), h("p.muted", { text: t("tr.msg.intro") }), box);
    let shown = null;
    const load = async () => {
      const [un, amb] = await Promise.all([api("GET", "/trader/v1/bank-messages?state=unmatched&limit=100"), api("GET", "/trader/v1/bank-messages?state=ambiguous&limit=100")]);
      const items = [...(amb.items || []), ...(un.items || [])];
      const key = items.map((m) => `${m.id}:${m.state}`).join(",");
      if (key === shown) return;
      shown = key;
      fill(box, items.length ? items.map((m) => messageCard(m, () => ((shown = null), load()))) : h("p.muted.empty", { text: t("tr.msg.none") }));
    };
    poll(load, 5000);
  });
}
