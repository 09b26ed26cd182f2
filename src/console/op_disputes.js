// op_disputes.js: the dispute queue (#/disputes, those awaiting the
// operator first, as the API lists them) and a dispute's page
// (#/disputes/:uuid): the merchant's and payer's evidence beside the
// trader's (images inline, PDFs as links), the log, and the operator's
// moves: decide (success with an amount, or cancel), pause, resume.
import { act, addStrings, api, badge, confirmDialog, dt, duration, field, fill, go, h, money, pagedList, query, t, table } from "./lib.js";
import { opFacts } from "./op_forms.js";

addStrings({
  en: {
    "op.disputes.nav": "Disputes",
    "op.disputes.title": "Disputes",
    "op.disputes.open": "Open",
    "op.disputes.awaiting_operator": "Awaiting me",
    "op.disputes.awaiting_trader": "Awaiting the trader",
    "op.disputes.resolved": "Resolved",
    "op.disputes.created": "Opened",
    "op.disputes.order": "Order",
    "op.disputes.shop": "Shop",
    "op.disputes.trader": "Trader",
    "op.disputes.amount": "Payer says sent",
    "op.disputes.status": "Status",
    "op.disputes.awaiting": "Whose move",
    "op.disputes.deadline": "Deadline",
    "op.disputes.empty": "No disputes here.",
    "op.disputes.dispute_title": "Dispute on order {order}",
    "op.disputes.facts": "Facts",
    "op.disputes.initiator": "Opened by",
    "op.disputes.merchant_order_id": "Merchant's order id",
    "op.disputes.comment": "Comment",
    "op.disputes.reject_reason": "Trader's reason",
    "op.disputes.paused_for": "Paused for",
    "op.disputes.amount_received": "Resolved with",
    "op.disputes.evidence": "Evidence",
    "op.disputes.side_claim": "Merchant and payer",
    "op.disputes.side_trader": "Trader",
    "op.disputes.side_operator": "Operator",
    "op.disputes.no_evidence": "None.",
    "op.disputes.pdf": "PDF document, {when}",
    "op.disputes.evidence_alt": "Evidence from {who}, {when}",
    "op.disputes.log": "Log",
    "op.disputes.decide": "Decide",
    "op.disputes.success": "Payment received",
    "op.disputes.cancel": "No payment",
    "op.disputes.pause": "Pause",
    "op.disputes.resume": "Resume",
    "op.disputes.success_q": "Resolve the dispute as paid? The order completes with the amount below.",
    "op.disputes.cancel_q": "Resolve the dispute as not paid? The order stays as it is.",
    "op.disputes.pause_q": "Pause the dispute's clock?",
    "op.disputes.resume_q": "Resume the dispute's clock?",
    "op.disputes.received_label": "Amount received ({currency})",
    "op.disputes.comment_label": "Comment (optional)",
    "op.disputes.decided": "The dispute is resolved.",
    "op.disputes.paused": "The dispute is paused.",
    "op.disputes.resumed": "The dispute is resumed.",
    "op.disputes.back": "All disputes",
    "op.disputes.s.in_progress": "in progress",
    "op.disputes.s.paused": "paused",
    "op.disputes.s.resolved_success": "resolved: paid",
    "op.disputes.s.resolved_cancel": "resolved: not paid",
    "op.disputes.w.trader": "trader",
    "op.disputes.w.operator": "operator",
    "op.disputes.p.merchant": "merchant",
    "op.disputes.p.customer": "payer",
    "op.disputes.p.trader": "trader",
    "op.disputes.p.operator": "operator",
    "op.disputes.p.system": "system",
    "op.disputes.r.payment_not_found": "payment not found",
    "op.disputes.r.fake_proof": "fake proof",
    "op.disputes.r.invalid_proof_datetime": "wrong date or time on the proof",
    "op.disputes.r.invalid_proof_requisites": "wrong requisites on the proof",
    "op.disputes.r.bank_account_blocked": "bank account blocked",
  },
  ru: {
    "op.disputes.nav": "Споры",
    "op.disputes.title": "Споры",
    "op.disputes.open": "Открытые",
    "op.disputes.awaiting_operator": "Ждут меня",
    "op.disputes.awaiting_trader": "Ждут трейдера",
    "op.disputes.resolved": "Решённые",
    "op.disputes.created": "Открыт",
    "op.disputes.order": "Заказ",
    "op.disputes.shop": "Магазин",
    "op.disputes.trader": "Трейдер",
    "op.disputes.amount": "Плательщик отправил",
    "op.disputes.status": "Статус",
    "op.disputes.awaiting": "Чей ход",
    "op.disputes.deadline": "Срок",
    "op.disputes.empty": "Споров нет.",
    "op.disputes.dispute_title": "Спор по заказу {order}",
    "op.disputes.facts": "Сведения",
    "op.disputes.initiator": "Кто открыл",
    "op.disputes.merchant_order_id": "Номер заказа мерчанта",
    "op.disputes.comment": "Комментарий",
    "op.disputes.reject_reason": "Причина трейдера",
    "op.disputes.paused_for": "На паузе",
    "op.disputes.amount_received": "Решён на сумму",
    "op.disputes.evidence": "Доказательства",
    "op.disputes.side_claim": "Мерчант и плательщик",
    "op.disputes.side_trader": "Трейдер",
    "op.disputes.side_operator": "Оператор",
    "op.disputes.no_evidence": "Нет.",
    "op.disputes.pdf": "Документ PDF, {when}",
    "op.disputes.evidence_alt": "Доказательство от: {who}, {when}",
    "op.disputes.log": "Журнал",
    "op.disputes.decide": "Решение",
    "op.disputes.success": "Оплата поступила",
    "op.disputes.cancel": "Оплаты нет",
    "op.disputes.pause": "Пауза",
    "op.disputes.resume": "Продолжить",
    "op.disputes.success_q": "Решить спор в пользу оплаты? Заказ будет проведён на сумму ниже.",
    "op.disputes.cancel_q": "Решить спор: оплаты не было? Заказ останется как есть.",
    "op.disputes.pause_q": "Остановить отсчёт времени спора?",
    "op.disputes.resume_q": "Продолжить отсчёт времени спора?",
    "op.disputes.received_label": "Получено ({currency})",
    "op.disputes.comment_label": "Комментарий (необязательно)",
    "op.disputes.decided": "Спор решён.",
    "op.disputes.paused": "Спор на паузе.",
    "op.disputes.resumed": "Спор продолжен.",
    "op.disputes.back": "Все споры",
    "op.disputes.s.in_progress": "идёт",
    "op.disputes.s.paused": "на паузе",
    "op.disputes.s.resolved_success": "решён: оплачен",
    "op.disputes.s.resolved_cancel": "решён: не оплачен",
    "op.disputes.w.trader": "трейдер",
    "op.disputes.w.operator": "оператор",
    "op.disputes.p.merchant": "мерчант",
    "op.disputes.p.customer": "плательщик",
    "op.disputes.p.trader": "трейдер",
    "op.disputes.p.operator": "оператор",
    "op.disputes.p.system": "система",
    "op.disputes.r.payment_not_found": "платёж не найден",
    "op.disputes.r.fake_proof": "поддельное подтверждение",
    "op.disputes.r.invalid_proof_datetime": "неверные дата или время в подтверждении",
    "op.disputes.r.invalid_proof_requisites": "неверные реквизиты в подтверждении",
    "op.disputes.r.bank_account_blocked": "банковский счёт заблокирован",
  },
});

function statusBadge(d) {
  return badge(t(`op.disputes.s.${d.status}`), d.status.replace(/_/g, "-"));
}

function awaitingBadge(d) {
  return d.awaiting ? badge(t(`op.disputes.w.${d.awaiting}`), `awaiting-${d.awaiting}`) : "—";
}

// The queue's tabs: the API's filters (no status: the open ones, those
// awaiting the operator first).
const TABS = [
  ["", "op.disputes.open", {}],
  ["operator", "op.disputes.awaiting_operator", { awaiting: "operator" }],
  ["trader", "op.disputes.awaiting_trader", { awaiting: "trader" }],
  ["resolved_success", "op.disputes.s.resolved_success", { status: "resolved_success" }],
  ["resolved_cancel", "op.disputes.s.resolved_cancel", { status: "resolved_cancel" }],
];

async function listView(main, params, q) {
  const tab = q.get("tab") || "";
  const chosen = TABS.find((x) => x[0] === tab) || TABS[0];
  const tabs = h(
    "div.row.presets",
    {},
    TABS.map(([key, label]) =>
      h("a.button", { href: `#/disputes${query({ tab: key })}`, class: key === chosen[0] ? "primary" : null, text: t(label) }),
    ),
  );
  const list = h("div.disputes-list");
  fill(main, h("h1", { text: t("op.disputes.title") }), tabs, list);
  const cols = [
    { label: t("op.disputes.created"), cell: (d) => h("a", { href: `#/disputes/${d.uuid}`, text: dt(d.created_at) }) },
    { label: t("op.disputes.order"), cell: (d) => h("a", { href: `#/orders/${d.order_uuid}`, text: String(d.order_id) }) },
    { label: t("op.disputes.shop"), class: "num", cell: (d) => String(d.shop_id) },
    { label: t("op.disputes.amount"), class: "num", cell: (d) => money(d.amount, d.currency) },
    { label: t("op.disputes.status"), cell: (d) => statusBadge(d) },
    { label: t("op.disputes.awaiting"), cell: (d) => awaitingBadge(d) },
    { label: t("op.disputes.deadline"), cell: (d) => dt(d.deadline) },
  ];
  await pagedList(list, "/admin/v1/disputes", chosen[2], (items) =>
    table(cols, items, { empty: t("op.disputes.empty"), onrow: (d) => go(`/disputes/${d.uuid}`) }),
  );
}

// ---- a dispute's page ----

function evidenceItem(d, e) {
  const src = `/admin/v1/disputes/${encodeURIComponent(d.uuid)}/evidence/${encodeURIComponent(e.uuid)}`;
  const who = t(`op.disputes.p.${e.uploader}`);
  const when = dt(e.created_at);
  if (e.content_type === "application/pdf")
    return h(
      "li.evidence.pdf",
      { dataset: { uploader: e.uploader } },
      h("a", { href: src, target: "_blank", rel: "noopener", text: t("op.disputes.pdf", { when }) }),
    );
  return h(
    "li.evidence.image",
    { dataset: { uploader: e.uploader } },
    h("a", { href: src, target: "_blank", rel: "noopener" }, h("img", { src, alt: t("op.disputes.evidence_alt", { who, when }), loading: "lazy" })),
    h("span.muted", { text: `${who}, ${when}` }),
  );
}

function evidenceSide(d, title, cls, items) {
  return h(
    `div.evidence-side.${cls}`,
    {},
    h("h3", { text: title }),
    items.length ? h("ul.evidence-list", {}, items.map((e) => evidenceItem(d, e))) : h("p.muted", { text: t("op.disputes.no_evidence") }),
  );
}

function evidence(d) {
  const ev = d.evidence || [];
  const claim = ev.filter((e) => e.uploader === "merchant" || e.uploader === "customer");
  const trader = ev.filter((e) => e.uploader === "trader");
  const operator = ev.filter((e) => e.uploader === "operator");
  return h(
    "section.card",
    {},
    h("h2", { text: t("op.disputes.evidence") }),
    h(
      "div.evidence-sides",
      {},
      evidenceSide(d, t("op.disputes.side_claim"), "claim", claim),
      evidenceSide(d, t("op.disputes.side_trader"), "trader", trader),
    ),
    operator.length ? evidenceSide(d, t("op.disputes.side_operator"), "operator", operator) : null,
  );
}

function moves(d, reload) {
  if (d.status !== "in_progress" && d.status !== "paused") return null;
  const path = `/admin/v1/disputes/${encodeURIComponent(d.uuid)}`;
  const success = h("button.primary", { type: "button", id: "act-success", text: t("op.disputes.success") });
  const cancel = h("button.danger", { type: "button", id: "act-cancel", text: t("op.disputes.cancel") });
  const comment = () => h("textarea", { name: "comment", rows: "2" });
  success.addEventListener("click", async () => {
    const amount = h("input", { name: "amount_received", inputmode: "decimal", required: true, value: d.amount, autocomplete: "off" });
    const note = comment();
    const body = h("div", {}, field(t("op.disputes.received_label", { currency: d.currency }), amount), field(t("op.disputes.comment_label"), note));
    if (!(await confirmDialog(t("op.disputes.success_q"), { body }))) return;
    const b = { outcome: "success", amount_received: amount.value.trim() };
    if (note.value.trim()) b.comment = note.value.trim();
    if ((await act(success, () => api("POST", `${path}/decide`, b), t("op.disputes.decided"))) !== undefined) reload();
  });
  cancel.addEventListener("click", async () => {
    const note = comment();
    if (!(await confirmDialog(t("op.disputes.cancel_q"), { body: field(t("op.disputes.comment_label"), note), danger: true }))) return;
    const b = { outcome: "cancel" };
    if (note.value.trim()) b.comment = note.value.trim();
    if ((await act(cancel, () => api("POST", `${path}/decide`, b), t("op.disputes.decided"))) !== undefined) reload();
  });
  const paused = d.status === "paused";
  const clock = h("button", { type: "button", id: paused ? "act-resume" : "act-pause", text: t(paused ? "op.disputes.resume" : "op.disputes.pause") });
  clock.addEventListener("click", async () => {
    if (!(await confirmDialog(t(paused ? "op.disputes.resume_q" : "op.disputes.pause_q")))) return;
    const r = await act(clock, () => api("POST", `${path}/${paused ? "resume" : "pause"}`, {}), t(paused ? "op.disputes.resumed" : "op.disputes.paused"));
    if (r !== undefined) reload();
  });
  return h("section.card.dispute-actions", {}, h("h2", { text: t("op.disputes.decide") }), h("div.row", {}, success, cancel, clock));
}

async function disputeView(main, { uuid }) {
  const d = await api("GET", `/admin/v1/disputes/${encodeURIComponent(uuid)}`);
  const reload = () => go(`/disputes/${uuid}`);
  const logs = d.logs || [];
  fill(
    main,
    h("p", {}, h("a", { href: "#/disputes", text: `← ${t("op.disputes.back")}` })),
    h("h1", {}, t("op.disputes.dispute_title", { order: d.order_id }), " ", statusBadge(d)),
    moves(d, reload),
    evidence(d),
    h(
      "div.cols",
      {},
      h(
        "section.card",
        {},
        h("h2", { text: t("op.disputes.facts") }),
        opFacts([
          [t("op.disputes.order"), h("a", { href: `#/orders/${d.order_uuid}`, text: String(d.order_id) })],
          [t("op.disputes.amount"), h("span#dispute-amount", { text: money(d.amount, d.currency) })],
          d.amount_received ? [t("op.disputes.amount_received"), h("span#dispute-received", { text: money(d.amount_received, d.currency) })] : null,
          [t("op.disputes.status"), statusBadge(d)],
          [t("op.disputes.awaiting"), awaitingBadge(d)],
          [t("op.disputes.initiator"), t(`op.disputes.p.${d.initiator}`)],
          [t("op.disputes.shop"), String(d.shop_id)],
          [t("op.disputes.trader"), d.trader_id ? String(d.trader_id) : "—"],
          [t("op.disputes.merchant_order_id"), h("span.mono", { text: d.merchant_order_id || "—" })],
          d.comment ? [t("op.disputes.comment"), d.comment] : null,
          d.reject_reason ? [t("op.disputes.reject_reason"), h("span#dispute-reject-reason", { text: t(`op.disputes.r.${d.reject_reason}`) })] : null,
          [t("op.disputes.created"), dt(d.created_at)],
          [t("op.disputes.deadline"), dt(d.deadline)],
          d.pause_duration_sec ? [t("op.disputes.paused_for"), duration(d.pause_duration_sec)] : null,
        ]),
      ),
      h(
        "section.card",
        {},
        h("h2", { text: t("op.disputes.log") }),
        logs.length
          ? h(
              "ol.timeline",
              {},
              logs.map((l) =>
                h(
                  "li",
                  {},
                  h("span.when", { text: dt(l.created_at) }),
                  " ",
                  h("strong", { text: t(`op.disputes.p.${l.actor_role}`) }),
                  " ",
                  badge(t(`op.disputes.s.${l.status}`), l.status.replace(/_/g, "-")),
                  l.details ? h("div.muted", { text: l.details }) : null,
                ),
              ),
            )
          : h("p.muted", { text: t("empty") }),
      ),
    ),
  );
}

export default function setup(app) {
  app.nav("/disputes", t("op.disputes.nav"));
  app.route("/disputes", async (main, params, q) => {
    await listView(main, params, q);
  });
  app.route("/disputes/:uuid", disputeView);
}
