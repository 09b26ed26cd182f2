// trader_money.js: the trader's deposit (GET /trader/v1/me): what is free
// to back new orders, what is frozen by the orders waiting, what was earned;
// and the ledger lines of the trader's accounts (GET /trader/v1/ledger).
import { addStrings, api, dt, fill, h, money, pagedList, poll, t, table } from "./lib.js";
import { word } from "./trader_common.js";

addStrings({
  en: {
    "tr.money.nav": "Deposit",
    "tr.money.title": "Deposit",
    "tr.money.available": "Available",
    "tr.money.available_hint": "backs new orders",
    "tr.money.reserved": "Frozen",
    "tr.money.reserved_hint": "reserved by waiting orders",
    "tr.money.earned": "Earned",
    "tr.money.earned_hint": "your reward, {rate} of each order",
    "tr.money.ledger": "Ledger",
    "tr.money.at": "Time",
    "tr.money.kind": "Entry",
    "tr.money.account": "Account",
    "tr.money.amount": "Amount",
    "tr.account.trader_available": "available",
    "tr.account.trader_reserved": "frozen",
    "tr.account.trader_earned": "earned",
  },
  ru: {
    "tr.money.nav": "Депозит",
    "tr.money.title": "Депозит",
    "tr.money.available": "Доступно",
    "tr.money.available_hint": "обеспечивает новые заказы",
    "tr.money.reserved": "Заморожено",
    "tr.money.reserved_hint": "под ожидающие заказы",
    "tr.money.earned": "Заработано",
    "tr.money.earned_hint": "ваше вознаграждение, {rate} от заказа",
    "tr.money.ledger": "Проводки",
    "tr.money.at": "Время",
    "tr.money.kind": "Операция",
    "tr.money.account": "Счёт",
    "tr.money.amount": "Сумма",
    "tr.account.trader_available": "доступно",
    "tr.account.trader_reserved": "заморожено",
    "tr.account.trader_earned": "заработано",
  },
});

// Basis points as a percentage without a float: 150 -> "1.5 %".
function percent(bps) {
  const n = Number(bps) || 0;
  const whole = Math.floor(n / 100);
  const frac = String(n % 100).padStart(2, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""}\u00a0%`;
}

function stat(cls, label, value, hint) {
  return h(`div.card.stat.tr-stat.${cls}`, {}, h("div.label", { text: label }), h("div.value", { text: value }), h("div.hint.muted", { text: hint }));
}

export default function setup(app) {
  app.nav("/money", t("tr.money.nav"));
  app.route("/money", async (main) => {
    const stats = h("div.cards.tr-balances");
    const ledger = h("div.tr-ledger");
    fill(main, h("h1", { text: t("tr.money.title") }), stats, h("h2", { text: t("tr.money.ledger") }), ledger);
    poll(async () => {
      const p = await api("GET", "/trader/v1/me");
      const b = p.balances || {};
      fill(
        stats,
        stat("available", t("tr.money.available"), money(b.available, p.currency), t("tr.money.available_hint")),
        stat("reserved", t("tr.money.reserved"), money(b.reserved, p.currency), t("tr.money.reserved_hint")),
        stat("earned", t("tr.money.earned"), money(b.earned, p.currency), t("tr.money.earned_hint", { rate: percent(p.reward_bps) })),
      );
    }, 5000);
    await pagedList(ledger, "/trader/v1/ledger", { limit: 20 }, (items) =>
      table(
        [
          { label: t("tr.money.at"), cell: (x) => dt(x.at) },
          { label: t("tr.money.kind"), cell: (x) => word("tr.kind", x.kind) },
          { label: t("tr.money.account"), cell: (x) => word("tr.account", x.account_kind) },
          { label: t("tr.money.amount"), class: "num", cell: (x) => money(x.amount, x.currency) },
        ],
        items,
      ),
    );
  });
}
