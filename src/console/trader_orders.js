// trader_orders.js: the trader's first screen (a phone in one hand): the
// online switch and the orders waiting on the trader's requisites, each with
// the exact amount to expect, the requisite, the time left and one-tap
// "Received" / "Not received"; refreshed every few seconds, so a new order
// appears without a reload. And one order's page (#/orders/<uuid>).
import { act, addStrings, api, ApiError, confirmDialog, dt, facts, fill, h, money, poll, query, t } from "./lib.js";
import { countdown, orderCard, statusBadge } from "./trader_common.js";

addStrings({
  en: {
    "tr.orders.nav": "Orders",
    "tr.orders.title": "Orders",
    "tr.orders.none": "No orders are waiting for your requisites.",
    "tr.orders.none_offline": "You are offline: no new orders come to your requisites.",
    "tr.orders.none_other": "No orders in this state.",
    "tr.online.on": "Online",
    "tr.online.off": "Offline",
    "tr.online.on_text": "New orders come to your requisites.",
    "tr.online.off_text": "No new orders come to your requisites.",
    "tr.online.go_on": "Go online",
    "tr.online.go_off": "Go offline",
    "tr.online.go_on_q": "Go online? New orders will come to your active requisites.",
    "tr.online.go_off_q": "Go offline? No new orders will come; the waiting ones stay yours to answer.",
    "tr.online.now_on": "You are online",
    "tr.online.now_off": "You are offline",
    "tr.filter.pending": "Waiting",
    "tr.filter.completed": "Completed",
    "tr.filter.failed": "Failed",
    "tr.filter.expired": "Expired",
    "tr.order.title": "Order",
    "tr.order.notfound": "Order not found",
    "tr.order.uuid": "Order",
    "tr.order.status": "Status",
    "tr.order.amount": "Amount",
    "tr.order.requisite": "Requisite",
    "tr.order.created": "Created",
    "tr.order.expires": "Expires",
    "tr.order.paid": "Completed at",
    "tr.order.left": "Time left",
    "tr.order.back": "All orders",
    "tr.orders.disputes_one": "A dispute awaits your answer",
    "tr.orders.disputes_many": "Disputes await your answer: {n}",
  },
  ru: {
    "tr.orders.nav": "Заказы",
    "tr.orders.title": "Заказы",
    "tr.orders.none": "Нет заказов, ожидающих оплаты на ваши реквизиты.",
    "tr.orders.none_offline": "Вы не в сети: новые заказы на ваши реквизиты не поступают.",
    "tr.orders.none_other": "Нет заказов в этом состоянии.",
    "tr.online.on": "В сети",
    "tr.online.off": "Не в сети",
    "tr.online.on_text": "Новые заказы поступают на ваши реквизиты.",
    "tr.online.off_text": "Новые заказы на ваши реквизиты не поступают.",
    "tr.online.go_on": "Выйти в сеть",
    "tr.online.go_off": "Уйти из сети",
    "tr.online.go_on_q": "Выйти в сеть? Новые заказы будут поступать на ваши активные реквизиты.",
    "tr.online.go_off_q": "Уйти из сети? Новые заказы поступать не будут; ожидающие остаются за вами.",
    "tr.online.now_on": "Вы в сети",
    "tr.online.now_off": "Вы не в сети",
    "tr.filter.pending": "Ожидают",
    "tr.filter.completed": "Выполнены",
    "tr.filter.failed": "Отклонены",
    "tr.filter.expired": "Истекли",
    "tr.order.title": "Заказ",
    "tr.order.notfound": "Заказ не найден",
    "tr.order.uuid": "Заказ",
    "tr.order.status": "Статус",
    "tr.order.amount": "Сумма",
    "tr.order.requisite": "Реквизит",
    "tr.order.created": "Создан",
    "tr.order.expires": "Истекает",
    "tr.order.paid": "Выполнен",
    "tr.order.left": "Осталось",
    "tr.order.back": "Все заказы",
    "tr.orders.disputes_one": "Спор ждёт вашего ответа",
    "tr.orders.disputes_many": "Споры ждут вашего ответа: {n}",
  },
});

const FILTERS = ["pending", "completed", "failed", "expired"];
const POLL_MS = 3000;

// The online switch: the state and one button, asking first.
function onlineCard(profile, changed) {
  const on = !!profile.online;
  const btn = h(`button.big.tr-online-toggle${on ? "" : ".primary"}`, { type: "button", text: on ? t("tr.online.go_off") : t("tr.online.go_on") });
  btn.addEventListener("click", async () => {
    if (!(await confirmDialog(on ? t("tr.online.go_off_q") : t("tr.online.go_on_q"), { ok: on ? t("tr.online.go_off") : t("tr.online.go_on") }))) return;
    const p = await act(btn, () => api("POST", "/trader/v1/me/online", { online: !on }), on ? t("tr.online.now_off") : t("tr.online.now_on"));
    if (p) changed(p);
  });
  return h(
    `section.card.tr-online.${on ? "on" : "off"}`,
    { dataset: { online: String(on) } },
    h("div.tr-online-state", {}, h("span.tr-dot"), h("strong", { text: on ? t("tr.online.on") : t("tr.online.off") }), h("span.muted", { text: on ? t("tr.online.on_text") : t("tr.online.off_text") })),
    btn,
  );
}

function listView(main, q) {
  const status = FILTERS.includes(q.get("status")) ? q.get("status") : "pending";
  const online = h("div.tr-online-box");
  const disputes = h("div.tr-disputes-box");
  const list = h("div.tr-orders", { dataset: { status } });
  const chips = h(
    "nav.tr-chips",
    { "aria-label": t("tr.orders.title") },
    FILTERS.map((s) => h(`a.tr-chip${s === status ? ".active" : ""}`, { href: s === "pending" ? "#/" : `#/?status=${s}`, text: t(`tr.filter.${s}`) })),
  );
  fill(main, h("h1", { text: t("tr.orders.title") }), online, disputes, chips, list);

  let profile = null;
  let shown = null; // what the list shows: uuid:status:confirmed, to redraw only on a change
  const drawOnline = (p) => {
    profile = p;
    fill(online, onlineCard(p, (after) => (drawOnline(after), refresh())));
  };
  const refresh = async () => {
    const [p, page, disp] = await Promise.all([
      api("GET", "/trader/v1/me"),
      api("GET", "/trader/v1/orders" + query({ status: status === "pending" ? null : status, limit: 100 })),
      api("GET", "/trader/v1/disputes?awaiting=trader&limit=100"),
    ]);
    if (!profile || profile.online !== p.online) drawOnline(p);
    const n = (disp.items || []).length;
    const label = n === 0 ? "" : n === 1 ? t("tr.orders.disputes_one") : t("tr.orders.disputes_many", { n: disp.next_cursor ? `${n}+` : n });
    if (disputes.textContent !== label) fill(disputes, n ? h("a.alert.info.tr-disputes-banner", { href: "#/disputes", text: label }) : null);
    const items = page.items || [];
    const key = items.map((o) => `${o.uuid}:${o.status}:${o.confirmed_by_customer}`).join(",") + `|${p.online}`;
    if (key === shown) return;
    shown = key;
    if (items.length === 0) {
      const text = status !== "pending" ? t("tr.orders.none_other") : p.online ? t("tr.orders.none") : t("tr.orders.none_offline");
      fill(list, h("p.muted.empty.tr-empty", { text }));
      return;
    }
    fill(list, items.map((o) => orderCard(o, () => ((shown = null), refresh()))));
  };
  poll(refresh, POLL_MS);
}

async function orderView(main, uuid) {
  let o;
  try {
    o = await api("GET", `/trader/v1/orders/${encodeURIComponent(uuid)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      fill(main, h("h1.tr-notfound", { text: t("tr.order.notfound") }), h("p", { text: e.message }), h("a", { href: "#/", text: t("tr.order.back") }));
      return;
    }
    throw e;
  }
  const draw = (order) => {
    o = order;
    fill(
      main,
      h("p.tr-back", {}, h("a", { href: "#/", text: `← ${t("tr.order.back")}` })),
      h("h1", { text: t("tr.order.title") }),
      orderCard(o, (after) => draw(after), { link: false }),
      h(
        "section.card.tr-facts",
        {},
        facts([
          [t("tr.order.uuid"), h("span.mono.tr-uuid", { text: o.uuid })],
          [t("tr.order.status"), statusBadge(o.status)],
          [t("tr.order.amount"), money(o.amount, o.currency)],
          [t("tr.order.requisite"), h("span.mono", { text: `${o.requisite.type} ${o.requisite.requisite}` })],
          [t("tr.order.created"), dt(o.created_at)],
          [t("tr.order.expires"), dt(o.expires_at)],
          o.status === "pending" ? [t("tr.order.left"), countdown(o.seconds_left)] : null,
          o.paid_at ? [t("tr.order.paid"), dt(o.paid_at)] : null,
        ]),
      ),
    );
  };
  draw(o);
  // a pending order may change meanwhile (the payer's word, the operator,
  // its expiry): follow it
  poll(async () => {
    if (o.status !== "pending") return;
    const now = await api("GET", `/trader/v1/orders/${encodeURIComponent(uuid)}`);
    if (now.status !== o.status || now.confirmed_by_customer !== o.confirmed_by_customer) draw(now);
  }, POLL_MS);
}

export default function setup(app) {
  app.nav("/", t("tr.orders.nav"));
  app.route("/", (main, params, q) => listView(main, q));
  app.route("/orders/:uuid", (main, params) => orderView(main, params.uuid));
}
