// trader_disputes.js: disputes on the trader's orders (GET
// /trader/v1/disputes: the open ones, those awaiting the trader first) and
// one dispute's page: the payer's evidence, the log, and the trader's answer
// while it is the trader's move: accept (with the amount that arrived) or
// reject with a reason code and evidence files (multipart/form-data, as the
// trader API takes them: reason, comment, up to 5 `evidence` JPG/PNG/PDF).
import { act, addStrings, api, ApiError, badge, confirmDialog, dt, facts, field, fill, h, money, pagedList, t } from "./lib.js";
import { countdown, word } from "./trader_common.js";

const REASONS = ["payment_not_found", "fake_proof", "invalid_proof_datetime", "invalid_proof_requisites", "bank_account_blocked"];

addStrings({
  en: {
    "tr.disp.nav": "Disputes",
    "tr.disp.title": "Disputes",
    "tr.disp.none": "No open disputes on your orders.",
    "tr.disp.awaiting.trader": "your answer",
    "tr.disp.awaiting.operator": "with the operator",
    "tr.disp.status.in_progress": "open",
    "tr.disp.status.paused": "paused",
    "tr.disp.status.resolved_success": "paid",
    "tr.disp.status.resolved_cancel": "canceled",
    "tr.disp.payer_says": "The payer says {amount} was sent",
    "tr.disp.order": "Order",
    "tr.disp.status": "Status",
    "tr.disp.initiator": "Opened by",
    "tr.disp.left": "Time to answer",
    "tr.disp.deadline": "Answer by",
    "tr.disp.comment": "Comment",
    "tr.disp.reject_reason": "Your reason",
    "tr.disp.received": "Received",
    "tr.disp.created": "Opened",
    "tr.disp.evidence": "Evidence",
    "tr.disp.no_evidence": "No files.",
    "tr.disp.uploader": "from {who}",
    "tr.disp.file": "File {n} ({type})",
    "tr.disp.log": "History",
    "tr.disp.open": "Open",
    "tr.disp.back": "All disputes",
    "tr.disp.notfound": "Dispute not found",
    "tr.disp.answer": "Your answer",
    "tr.disp.accept": "The money arrived",
    "tr.disp.accept_amount": "Amount that arrived",
    "tr.disp.accept_hint": "The order completes for this amount.",
    "tr.disp.accept_btn": "Accept",
    "tr.disp.accept_q": "Accept the dispute: {amount} arrived? The order completes for this amount.",
    "tr.disp.accepted": "Dispute accepted",
    "tr.disp.reject": "The money did not arrive",
    "tr.disp.reason": "Reason",
    "tr.disp.files": "Evidence files (JPG, PNG or PDF, up to 5)",
    "tr.disp.files_hint": "A bank statement or a screenshot showing the money did not arrive.",
    "tr.disp.reject_btn": "Reject",
    "tr.disp.reject_q": "Reject the dispute ({reason})? The operator decides with your evidence.",
    "tr.disp.rejected": "Dispute rejected: the operator decides",
    "tr.disp.files_n": "{n} file(s) attached",
    "tr.reason.payment_not_found": "Payment not found",
    "tr.reason.fake_proof": "Fake proof",
    "tr.reason.invalid_proof_datetime": "Wrong date or time on the proof",
    "tr.reason.invalid_proof_requisites": "Wrong requisites on the proof",
    "tr.reason.bank_account_blocked": "Bank account blocked",
  },
  ru: {
    "tr.disp.nav": "Споры",
    "tr.disp.title": "Споры",
    "tr.disp.none": "Открытых споров по вашим заказам нет.",
    "tr.disp.awaiting.trader": "ждёт вашего ответа",
    "tr.disp.awaiting.operator": "у оператора",
    "tr.disp.status.in_progress": "открыт",
    "tr.disp.status.paused": "на паузе",
    "tr.disp.status.resolved_success": "оплачен",
    "tr.disp.status.resolved_cancel": "отклонён",
    "tr.disp.payer_says": "Плательщик говорит, что перевёл {amount}",
    "tr.disp.order": "Заказ",
    "tr.disp.status": "Статус",
    "tr.disp.initiator": "Открыл",
    "tr.disp.left": "Время на ответ",
    "tr.disp.deadline": "Ответить до",
    "tr.disp.comment": "Комментарий",
    "tr.disp.reject_reason": "Ваша причина",
    "tr.disp.received": "Получено",
    "tr.disp.created": "Открыт",
    "tr.disp.evidence": "Доказательства",
    "tr.disp.no_evidence": "Файлов нет.",
    "tr.disp.uploader": "от: {who}",
    "tr.disp.file": "Файл {n} ({type})",
    "tr.disp.log": "История",
    "tr.disp.open": "Открыть",
    "tr.disp.back": "Все споры",
    "tr.disp.notfound": "Спор не найден",
    "tr.disp.answer": "Ваш ответ",
    "tr.disp.accept": "Деньги поступили",
    "tr.disp.accept_amount": "Поступившая сумма",
    "tr.disp.accept_hint": "Заказ будет выполнен на эту сумму.",
    "tr.disp.accept_btn": "Принять",
    "tr.disp.accept_q": "Принять спор: поступило {amount}? Заказ будет выполнен на эту сумму.",
    "tr.disp.accepted": "Спор принят",
    "tr.disp.reject": "Деньги не поступили",
    "tr.disp.reason": "Причина",
    "tr.disp.files": "Файлы (JPG, PNG или PDF, до 5)",
    "tr.disp.files_hint": "Выписка или снимок экрана, показывающие, что деньги не поступили.",
    "tr.disp.reject_btn": "Отклонить",
    "tr.disp.reject_q": "Отклонить спор ({reason})? Оператор решит по вашим доказательствам.",
    "tr.disp.rejected": "Спор отклонён: решает оператор",
    "tr.disp.files_n": "Файлов: {n}",
    "tr.reason.payment_not_found": "Платёж не найден",
    "tr.reason.fake_proof": "Поддельный чек",
    "tr.reason.invalid_proof_datetime": "Неверные дата или время в чеке",
    "tr.reason.invalid_proof_requisites": "Неверные реквизиты в чеке",
    "tr.reason.bank_account_blocked": "Счёт заблокирован",
  },
});

function awaitingBadge(d) {
  if (!d.awaiting) return badge(t(`tr.disp.status.${d.status}`), d.status === "resolved_success" ? "completed" : d.status === "resolved_cancel" ? "canceled" : "open");
  return badge(t(`tr.disp.awaiting.${d.awaiting}`), `awaiting-${d.awaiting}`);
}

function disputeCard(d) {
  return h(
    "a.card.tr-dispute",
    { href: `#/disputes/${encodeURIComponent(d.uuid)}`, dataset: { uuid: d.uuid, awaiting: d.awaiting || "" } },
    h("div.tr-order-head", {}, h("span.tr-amount", { text: money(d.amount, d.currency) }), awaitingBadge(d)),
    h(
      "div.tr-order-meta",
      {},
      h("span.muted", { text: `${t("tr.disp.order")} ${d.order_uuid.slice(0, 8)}` }),
      d.awaiting === "trader" && d.ttl_sec > 0 ? h("span.tr-left", {}, countdown(d.ttl_sec), h("span.tr-left-label", { text: t("tr.left") })) : null,
    ),
  );
}

function evidenceList(d) {
  const ev = d.evidence || [];
  if (ev.length === 0) return h("p.muted", { text: t("tr.disp.no_evidence") });
  return h(
    "ul.tr-evidence",
    {},
    ev.map((e, i) => {
      const type = String(e.content_type || "");
      const name = t("tr.disp.file", { n: i + 1, type: (type.split("/")[1] || "file").toUpperCase() });
      return h(
        "li",
        {},
        type.startsWith("image/")
          ? h("a.tr-evidence-img", { href: e.url, target: "_blank", rel: "noopener" }, h("img", { src: e.url, alt: name, loading: "lazy" }))
          : h("a.tr-evidence-file", { href: e.url, target: "_blank", rel: "noopener", text: name }),
        h("span.muted", { text: ` ${t("tr.disp.uploader", { who: word("tr.role", e.uploader) })} · ${dt(e.created_at)}` }),
      );
    }),
  );
}

function answerForms(d, done) {
  // accept
  const amount = h("input", { name: "amount_received", inputmode: "decimal", value: d.amount, autocomplete: "off" });
  const acceptComment = h("textarea", { name: "comment", maxlength: "1023", rows: "2" });
  const acceptBtn = h("button.primary.big", { type: "submit", text: t("tr.disp.accept_btn") });
  const accept = h(
    "form.card.tr-accept",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const a = amount.value.trim() || d.amount;
        if (!(await confirmDialog(t("tr.disp.accept_q", { amount: money(a, d.currency) }), { ok: t("tr.disp.accept_btn") }))) return;
        const body = { amount_received: a };
        if (acceptComment.value.trim()) body.comment = acceptComment.value.trim();
        const r = await act(acceptBtn, () => api("POST", `/trader/v1/disputes/${encodeURIComponent(d.uuid)}/accept`, body), t("tr.disp.accepted"));
        if (r) done(r);
      },
    },
    h("h3", { text: t("tr.disp.accept") }),
    field(t("tr.disp.accept_amount"), amount, t("tr.disp.accept_hint")),
    field(t("tr.disp.comment"), acceptComment),
    h("div.actions", {}, acceptBtn),
  );
  // reject
  const reason = h(
    "select",
    { name: "reason" },
    REASONS.map((r) => h("option", { value: r, text: t(`tr.reason.${r}`) })),
  );
  const rejectComment = h("textarea", { name: "comment", maxlength: "1023", rows: "2" });
  const files = h("input", { type: "file", name: "evidence", multiple: true, accept: "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf" });
  const picked = h("span.hint.tr-files-n");
  files.addEventListener("change", () => (picked.textContent = files.files.length ? t("tr.disp.files_n", { n: files.files.length }) : ""));
  const rejectBtn = h("button.danger.big", { type: "submit", text: t("tr.disp.reject_btn") });
  const reject = h(
    "form.card.tr-reject",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (!(await confirmDialog(t("tr.disp.reject_q", { reason: t(`tr.reason.${reason.value}`) }), { ok: t("tr.disp.reject_btn"), danger: true }))) return;
        const fd = new FormData();
        fd.append("reason", reason.value);
        if (rejectComment.value.trim()) fd.append("comment", rejectComment.value.trim());
        for (const f of files.files) fd.append("evidence", f, f.name);
        const r = await act(rejectBtn, () => api("POST", `/trader/v1/disputes/${encodeURIComponent(d.uuid)}/reject`, fd), t("tr.disp.rejected"));
        if (r) done(r);
      },
    },
    h("h3", { text: t("tr.disp.reject") }),
    field(t("tr.disp.reason"), reason),
    field(t("tr.disp.comment"), rejectComment),
    field(t("tr.disp.files"), files, t("tr.disp.files_hint")),
    picked,
    h("div.actions", {}, rejectBtn),
  );
  return h("section.tr-answer", {}, h("h2", { text: t("tr.disp.answer") }), h("div.cols", {}, accept, reject));
}

async function disputeView(main, uuid) {
  let d;
  try {
    d = await api("GET", `/trader/v1/disputes/${encodeURIComponent(uuid)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      fill(main, h("h1.tr-notfound", { text: t("tr.disp.notfound") }), h("p", { text: e.message }), h("a", { href: "#/disputes", text: t("tr.disp.back") }));
      return;
    }
    throw e;
  }
  const draw = (x) => {
    d = x;
    fill(
      main,
      h("p.tr-back", {}, h("a", { href: "#/disputes", text: `← ${t("tr.disp.back")}` })),
      h("h1", { text: t("tr.disp.payer_says", { amount: money(d.amount, d.currency) }) }),
      h(
        "section.card.tr-facts.tr-dispute-facts",
        { dataset: { status: d.status, awaiting: d.awaiting || "" } },
        facts([
          [t("tr.disp.status"), awaitingBadge(d)],
          [t("tr.disp.order"), h("a.mono.tr-uuid", { href: `#/orders/${encodeURIComponent(d.order_uuid)}`, text: d.order_uuid })],
          d.awaiting === "trader" && d.ttl_sec > 0 ? [t("tr.disp.left"), countdown(d.ttl_sec)] : null,
          d.awaiting === "trader" && d.deadline ? [t("tr.disp.deadline"), dt(d.deadline)] : null,
          [t("tr.disp.initiator"), word("tr.role", d.initiator)],
          d.comment ? [t("tr.disp.comment"), d.comment] : null,
          d.reject_reason ? [t("tr.disp.reject_reason"), t(`tr.reason.${d.reject_reason}`)] : null,
          d.amount_received ? [t("tr.disp.received"), money(d.amount_received, d.currency)] : null,
          [t("tr.disp.created"), dt(d.created_at)],
        ]),
      ),
      d.awaiting === "trader" ? answerForms(d, draw) : null,
      h("section.card", {}, h("h2", { text: t("tr.disp.evidence") }), evidenceList(d)),
      h(
        "section.card",
        {},
        h("h2", { text: t("tr.disp.log") }),
        h(
          "ol.tr-log",
          {},
          (d.logs || []).map((l) => h("li", {}, h("span.muted", { text: `${dt(l.created_at)} · ${word("tr.role", l.actor_role)}` }), " ", h("span", { text: l.details }))),
        ),
      ),
    );
  };
  draw(d);
}

export default function setup(app) {
  app.nav("/disputes", t("tr.disp.nav"));
  app.route("/disputes", async (main) => {
    const box = h("div.tr-disputes");
    fill(main, h("h1", { text: t("tr.disp.title") }), box);
    await pagedList(box, "/trader/v1/disputes", { limit: 50 }, (items) => (items.length ? items.map(disputeCard) : h("p.muted.empty", { text: t("tr.disp.none") })));
  });
  app.route("/disputes/:uuid", (main, params) => disputeView(main, params.uuid));
}
