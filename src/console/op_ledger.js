// op_ledger.js: the operator's "Ledger" view (op.ledger.* strings): every
// account's balance (the platform's included), the postings of an account
// or of a transaction, and `verify` (every balance recomputed from the
// postings) showing ok or what does not add up.
import { act, addStrings, api, badge, facts, field, fill, go, h, money, dt, pagedList, query, t, table } from "./lib.js";
import { CURRENCIES, loadAll, select } from "./op_forms.js";

addStrings({
  en: {
    "op.ledger.nav": "Ledger",
    "op.ledger.accounts": "Accounts",
    "op.ledger.id": "Account",
    "op.ledger.owner": "Owner",
    "op.ledger.kind": "Kind",
    "op.ledger.currency": "Currency",
    "op.ledger.balance": "Balance",
    "op.ledger.any": "any",
    "op.ledger.shop": "Shop id (0: the platform)",
    "op.ledger.verify": "Verify the ledger",
    "op.ledger.verify_ok": "The ledger adds up",
    "op.ledger.verify_bad": "The ledger does not add up: {n} problem(s)",
    "op.ledger.checked": "Accounts checked",
    "op.ledger.transactions": "Transactions",
    "op.ledger.postings": "Postings",
    "op.ledger.postings_of_account": "Postings of account {id}",
    "op.ledger.postings_of_tx": "Postings of transaction {id}",
    "op.ledger.postings_hint": "Choose an account (or a transaction) to see its postings.",
    "op.ledger.tx": "Transaction",
    "op.ledger.what": "What",
    "op.ledger.ref": "Of",
    "op.ledger.amount": "Amount",
    "op.ledger.at": "At",
    "op.ledger.show": "Show postings",
    "op.ledger.tx_id": "Transaction id",
    "op.ledger.account_id": "Account id",
  },
  ru: {
    "op.ledger.nav": "Книга",
    "op.ledger.accounts": "Счета",
    "op.ledger.id": "Счёт",
    "op.ledger.owner": "Владелец",
    "op.ledger.kind": "Вид",
    "op.ledger.currency": "Валюта",
    "op.ledger.balance": "Баланс",
    "op.ledger.any": "любой",
    "op.ledger.shop": "id магазина (0 — платформа)",
    "op.ledger.verify": "Проверить книгу",
    "op.ledger.verify_ok": "Книга сходится",
    "op.ledger.verify_bad": "Книга не сходится: проблем — {n}",
    "op.ledger.checked": "Проверено счетов",
    "op.ledger.transactions": "Проводок",
    "op.ledger.postings": "Записи",
    "op.ledger.postings_of_account": "Записи счёта {id}",
    "op.ledger.postings_of_tx": "Записи проводки {id}",
    "op.ledger.postings_hint": "Выберите счёт (или проводку), чтобы увидеть записи.",
    "op.ledger.tx": "Проводка",
    "op.ledger.what": "Что",
    "op.ledger.ref": "К чему",
    "op.ledger.amount": "Сумма",
    "op.ledger.at": "Когда",
    "op.ledger.show": "Показать записи",
    "op.ledger.tx_id": "id проводки",
    "op.ledger.account_id": "id счёта",
  },
});

const KINDS = [
  "shop_available", "shop_held", "platform_fees", "provider_clearing", "payouts",
  "trader_available", "trader_reserved", "platform_custody", "platform_exchange",
];

function verifyResult(box, r) {
  const problems = r.problems || [];
  fill(
    box,
    h(
      `div.alert.${r.ok ? "ok" : "error"}.verify-result`,
      { role: "status", dataset: { ok: String(!!r.ok) } },
      h("strong", { text: r.ok ? t("op.ledger.verify_ok") : t("op.ledger.verify_bad", { n: r.problem_count }) }),
      facts([
        [t("op.ledger.checked"), String(r.accounts)],
        [t("op.ledger.transactions"), String(r.transactions)],
      ]),
      problems.length ? h("ul.problems", {}, problems.map((p) => h("li.mono", { text: p }))) : null,
    ),
  );
}

function refText(p) {
  const link = { order: `#/orders/${p.ref_id}`, withdrawal: `#/withdrawals/${p.ref_id}`, trader: `#/traders/${p.ref_id}` }[p.ref_type];
  return link ? h("a", { href: link, text: `${p.ref_type} ${p.ref_id}` }) : `${p.ref_type} ${p.ref_id}`;
}

async function postings(box, q) {
  const account = q.get("account");
  const tx = q.get("tx");
  if (!account && !tx) {
    fill(box, h("p.muted", { text: t("op.ledger.postings_hint") }));
    return;
  }
  const title = h("h2", {
    text: tx ? t("op.ledger.postings_of_tx", { id: tx }) : t("op.ledger.postings_of_account", { id: account }),
  });
  const list = h("div");
  fill(box, title, list);
  const cols = [
    { label: t("op.ledger.tx"), cell: (p) => h("a", { href: `#/ledger${query({ tx: p.tx })}`, text: `#${p.tx}` }), class: "num" },
    { label: t("op.ledger.what"), cell: (p) => p.kind },
    { label: t("op.ledger.ref"), cell: refText },
    {
      label: t("op.ledger.id"),
      cell: (p) => h("a", { href: `#/ledger${query({ account: p.account })}`, text: `#${p.account} ${p.account_kind} · ${p.owner}` }),
    },
    { label: t("op.ledger.amount"), cell: (p) => money(p.amount, p.currency), class: "num" },
    { label: t("op.ledger.at"), cell: (p) => dt(p.at) },
  ];
  await pagedList(list, "/admin/v1/ledger/postings", { account, tx }, (items) => table(cols, items));
}

async function ledgerView(main, params, q) {
  const verifyBox = h("div.verify-box");
  const verify = h("button.primary.verify", { type: "button", text: t("op.ledger.verify") });
  verify.addEventListener("click", () =>
    act(verify, async () => verifyResult(verifyBox, await api("GET", "/admin/v1/ledger/verify"))),
  );
  const filters = { kind: q.get("kind") || "", currency: q.get("currency") || "", shop_id: q.get("shop_id") || "" };
  const filterForm = h(
    "form.inline.ledger-filter",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        const e = filterForm.elements;
        go(`/ledger${query({ kind: e.kind.value, currency: e.currency.value, shop_id: e.shop_id.value.trim() })}`);
      },
    },
    field(t("op.ledger.kind"), select("kind", [["", t("op.ledger.any")], ...KINDS.map((k) => [k, k])], filters.kind)),
    field(t("op.ledger.currency"), select("currency", [["", t("op.ledger.any")], ...CURRENCIES.map((c) => [c, c])], filters.currency)),
    field(t("op.ledger.shop"), h("input", { name: "shop_id", inputmode: "numeric", value: filters.shop_id })),
    h("button", { type: "submit", text: t("apply") }),
  );
  const postingForm = h(
    "form.inline.posting-find",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        const e = postingForm.elements;
        go(`/ledger${query({ ...filters, account: e.account.value.trim(), tx: e.tx.value.trim() })}`);
      },
    },
    field(t("op.ledger.account_id"), h("input", { name: "account", inputmode: "numeric", value: q.get("account") || "" })),
    field(t("op.ledger.tx_id"), h("input", { name: "tx", inputmode: "numeric", value: q.get("tx") || "" })),
    h("button", { type: "submit", text: t("op.ledger.show") }),
  );
  const accounts = await loadAll("/admin/v1/ledger/accounts", filters);
  const postingsBox = h("section.card.postings");
  fill(
    main,
    h("h1", { text: t("op.ledger.nav") }),
    h("div.toolbar", {}, verify),
    verifyBox,
    h("h2", { text: t("op.ledger.accounts") }),
    h("div.toolbar", {}, filterForm),
    table(
      [
        { label: t("op.ledger.id"), cell: (a) => `#${a.id}`, class: "num" },
        { label: t("op.ledger.owner"), cell: (a) => a.owner },
        { label: t("op.ledger.kind"), cell: (a) => badge(a.kind, "kind") },
        { label: t("op.ledger.currency"), cell: (a) => a.currency },
        { label: t("op.ledger.balance"), cell: (a) => money(a.balance, a.currency), class: "num" },
      ],
      accounts,
      { onrow: (a) => go(`/ledger${query({ ...filters, account: a.id })}`) },
    ),
    h("div.toolbar.posting-toolbar", {}, postingForm),
    postingsBox,
  );
  await postings(postingsBox, q);
}

export default function setup(app) {
  app.nav("/ledger", t("op.ledger.nav"));
  app.route("/ledger", ledgerView);
}
