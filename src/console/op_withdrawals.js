// op_withdrawals.js: the merchants' withdrawals (#/withdrawals?status=...):
// the pending ones first, approve (pay out) or reject each behind a
// confirmation. The API decides whether the operator's role may.
import { act, addStrings, api, badge, confirmDialog, dt, fill, go, h, money, pagedList, query, t, table } from "./lib.js";

addStrings({
  en: {
    "op.withdrawals.nav": "Withdrawals",
    "op.withdrawals.title": "Withdrawals",
    "op.withdrawals.all": "All",
    "op.withdrawals.id": "Id",
    "op.withdrawals.shop": "Shop",
    "op.withdrawals.amount": "Amount",
    "op.withdrawals.account": "Account",
    "op.withdrawals.payment_id": "Merchant's id",
    "op.withdrawals.created": "Requested",
    "op.withdrawals.completed": "Decided",
    "op.withdrawals.status": "Status",
    "op.withdrawals.actions": "Actions",
    "op.withdrawals.approve": "Pay out",
    "op.withdrawals.reject": "Reject",
    "op.withdrawals.approve_q": "Pay out withdrawal {id}: {amount} to {account}?",
    "op.withdrawals.reject_q": "Reject withdrawal {id} of {amount}? The amount returns to the shop's balance.",
    "op.withdrawals.approved": "Withdrawal {id} is paid out.",
    "op.withdrawals.rejected": "Withdrawal {id} is rejected.",
    "op.withdrawals.empty": "No withdrawals here.",
    "op.withdrawals.s.pending": "pending",
    "op.withdrawals.s.completed": "paid out",
    "op.withdrawals.s.rejected": "rejected",
  },
  ru: {
    "op.withdrawals.nav": "Выводы",
    "op.withdrawals.title": "Выводы средств",
    "op.withdrawals.all": "Все",
    "op.withdrawals.id": "Номер",
    "op.withdrawals.shop": "Магазин",
    "op.withdrawals.amount": "Сумма",
    "op.withdrawals.account": "Счёт",
    "op.withdrawals.payment_id": "Номер у мерчанта",
    "op.withdrawals.created": "Запрошен",
    "op.withdrawals.completed": "Решён",
    "op.withdrawals.status": "Статус",
    "op.withdrawals.actions": "Действия",
    "op.withdrawals.approve": "Выплатить",
    "op.withdrawals.reject": "Отклонить",
    "op.withdrawals.approve_q": "Выплатить по заявке {id}: {amount} на {account}?",
    "op.withdrawals.reject_q": "Отклонить заявку {id} на {amount}? Сумма вернётся на баланс магазина.",
    "op.withdrawals.approved": "Заявка {id} выплачена.",
    "op.withdrawals.rejected": "Заявка {id} отклонена.",
    "op.withdrawals.empty": "Заявок нет.",
    "op.withdrawals.s.pending": "ожидает",
    "op.withdrawals.s.completed": "выплачен",
    "op.withdrawals.s.rejected": "отклонён",
  },
});

const TABS = ["pending", "completed", "rejected", ""];

function actions(w, reload) {
  if (w.status !== "pending") return w.completed_at ? dt(w.completed_at) : "—";
  const amount = money(w.amount, w.currency);
  const approve = h("button.primary.approve", { type: "button", text: t("op.withdrawals.approve") });
  const reject = h("button.danger.reject", { type: "button", text: t("op.withdrawals.reject") });
  approve.addEventListener("click", async () => {
    if (!(await confirmDialog(t("op.withdrawals.approve_q", { id: w.id, amount, account: w.account })))) return;
    const r = await act(approve, () => api("POST", `/admin/v1/withdrawals/${w.id}/complete`), t("op.withdrawals.approved", { id: w.id }));
    if (r !== undefined) reload();
  });
  reject.addEventListener("click", async () => {
    if (!(await confirmDialog(t("op.withdrawals.reject_q", { id: w.id, amount }), { danger: true }))) return;
    const r = await act(reject, () => api("POST", `/admin/v1/withdrawals/${w.id}/reject`), t("op.withdrawals.rejected", { id: w.id }));
    if (r !== undefined) reload();
  });
  return h("div.row", { dataset: { withdrawal: String(w.id) } }, approve, reject);
}

async function listView(main, params, q) {
  const status = q.get("status") ?? "pending";
  const shop = q.get("shop_id") || "";
  const tabs = h(
    "div.row.presets",
    { role: "tablist" },
    TABS.map((s) =>
      h("a.button", {
        href: `#/withdrawals${query({ status: s || "all", shop_id: shop })}`,
        class: s === status || (s === "" && status === "all") ? "primary" : null,
        "aria-selected": String(s === status),
        text: s ? t(`op.withdrawals.s.${s}`) : t("op.withdrawals.all"),
      }),
    ),
  );
  const list = h("div.withdrawals-list");
  fill(main, h("h1", { text: t("op.withdrawals.title") }), tabs, list);
  let pager = null;
  const reload = () => (pager ? pager.reload() : go(`/withdrawals${query({ status, shop_id: shop })}`));
  const cols = [
    { label: t("op.withdrawals.id"), cell: (w) => String(w.id) },
    { label: t("op.withdrawals.created"), cell: (w) => dt(w.created_at) },
    { label: t("op.withdrawals.shop"), class: "num", cell: (w) => String(w.shop_id) },
    { label: t("op.withdrawals.amount"), class: "num", cell: (w) => h("span.amount", { text: money(w.amount, w.currency) }) },
    { label: t("op.withdrawals.account"), cell: (w) => h("span.mono", { text: w.account || "—" }) },
    { label: t("op.withdrawals.payment_id"), cell: (w) => h("span.mono", { text: w.payment_id || "—" }) },
    { label: t("op.withdrawals.status"), cell: (w) => badge(t(`op.withdrawals.s.${w.status}`), w.status) },
    { label: t("op.withdrawals.actions"), cell: (w) => actions(w, reload) },
  ];
  const apiStatus = status === "all" ? "" : status;
  pager = await pagedList(list, "/admin/v1/withdrawals", { status: apiStatus, shop_id: shop }, (items) =>
    table(cols, items, { empty: t("op.withdrawals.empty") }),
  );
}

export default function setup(app) {
  app.nav("/withdrawals", t("op.withdrawals.nav"));
  app.route("/withdrawals", async (main, params, q) => {
    await listView(main, params, q);
  });
}
