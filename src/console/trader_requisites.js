// trader_requisites.js: the trader's requisites (GET /trader/v1/requisites)
// with their limits, and the trader's own switch: pause (takes no new
// order) and resume (POST .../pause, .../resume). `active` is the
// operator's switch, shown, not changed here.
import { act, addStrings, api, badge, confirmDialog, facts, fill, h, money, pagedList, t } from "./lib.js";

addStrings({
  en: {
    "tr.req.nav": "Requisites",
    "tr.req.title": "Requisites",
    "tr.req.none": "You have no requisites yet: ask the operator to add one.",
    "tr.req.taking": "taking orders",
    "tr.req.paused": "paused",
    "tr.req.inactive": "off (operator)",
    "tr.req.pause": "Pause",
    "tr.req.resume": "Resume",
    "tr.req.pause_q": "Pause {requisite}? It takes no new orders; the waiting ones run their course.",
    "tr.req.resume_q": "Resume {requisite}? It takes new orders again.",
    "tr.req.paused_ok": "Requisite paused",
    "tr.req.resumed_ok": "Requisite takes orders again",
    "tr.req.owner": "Holder",
    "tr.req.bank": "Bank",
    "tr.req.amounts": "Order amount",
    "tr.req.daily_amount": "Per day, amount",
    "tr.req.daily_count": "Per day, orders",
    "tr.req.max_pending": "Open at once",
    "tr.req.pending": "Open now",
    "tr.req.any": "any",
    "tr.req.from": "from {min}",
    "tr.req.upto": "up to {max}",
    "tr.req.range": "{min} – {max}",
    "tr.req.nolimit": "no limit",
  },
  ru: {
    "tr.req.nav": "Реквизиты",
    "tr.req.title": "Реквизиты",
    "tr.req.none": "У вас пока нет реквизитов: попросите оператора добавить.",
    "tr.req.taking": "принимает заказы",
    "tr.req.paused": "на паузе",
    "tr.req.inactive": "выключен оператором",
    "tr.req.pause": "Пауза",
    "tr.req.resume": "Возобновить",
    "tr.req.pause_q": "Поставить {requisite} на паузу? Новые заказы на него не поступят; ожидающие остаются.",
    "tr.req.resume_q": "Возобновить {requisite}? На него снова будут поступать заказы.",
    "tr.req.paused_ok": "Реквизит на паузе",
    "tr.req.resumed_ok": "Реквизит снова принимает заказы",
    "tr.req.owner": "Владелец",
    "tr.req.bank": "Банк",
    "tr.req.amounts": "Сумма заказа",
    "tr.req.daily_amount": "В день, сумма",
    "tr.req.daily_count": "В день, заказов",
    "tr.req.max_pending": "Открытых сразу",
    "tr.req.pending": "Открыто сейчас",
    "tr.req.any": "любая",
    "tr.req.from": "от {min}",
    "tr.req.upto": "до {max}",
    "tr.req.range": "{min} – {max}",
    "tr.req.nolimit": "без ограничения",
  },
});

function amounts(r) {
  const min = r.min_amount ? money(r.min_amount, r.currency) : null;
  const max = r.max_amount ? money(r.max_amount, r.currency) : null;
  if (min && max) return t("tr.req.range", { min, max });
  if (min) return t("tr.req.from", { min });
  if (max) return t("tr.req.upto", { max });
  return t("tr.req.any");
}

function requisiteCard(r, reload) {
  const state = !r.active ? badge(t("tr.req.inactive"), "offline") : r.paused ? badge(t("tr.req.paused"), "waiting") : badge(t("tr.req.taking"), "online");
  const btn = h(`button.tr-req-toggle${r.paused ? ".primary" : ""}`, { type: "button", text: r.paused ? t("tr.req.resume") : t("tr.req.pause") });
  btn.addEventListener("click", async () => {
    const what = `${r.type} ${r.requisite}`;
    if (!(await confirmDialog(r.paused ? t("tr.req.resume_q", { requisite: what }) : t("tr.req.pause_q", { requisite: what }), { ok: r.paused ? t("tr.req.resume") : t("tr.req.pause") })))
      return;
    const after = await act(btn, () => api("POST", `/trader/v1/requisites/${r.id}/${r.paused ? "resume" : "pause"}`), r.paused ? t("tr.req.resumed_ok") : t("tr.req.paused_ok"));
    if (after) reload();
  });
  const lang = document.documentElement.lang;
  return h(
    "article.card.tr-requisite",
    { dataset: { id: String(r.id), paused: String(r.paused) } },
    h("div.tr-requisite-head", {}, h("span.tr-req-type", { text: r.type }), h("span.tr-req-value.mono", { text: r.requisite }), state),
    facts([
      [t("tr.req.owner"), r.owner_full_name],
      [t("tr.req.bank"), (lang === "ru" ? r.bank_name_ru : r.bank_name_en) || r.bank_code],
      [t("tr.req.amounts"), amounts(r)],
      [t("tr.req.daily_amount"), r.daily_amount ? money(r.daily_amount, r.currency) : t("tr.req.nolimit")],
      [t("tr.req.daily_count"), r.daily_count ? String(r.daily_count) : t("tr.req.nolimit")],
      [t("tr.req.max_pending"), r.max_pending ? String(r.max_pending) : t("tr.req.nolimit")],
      [t("tr.req.pending"), String(r.pending_orders)],
    ]),
    h("div.actions", {}, btn),
  );
}

export default function setup(app) {
  app.nav("/requisites", t("tr.req.nav"));
  app.route("/requisites", async (main) => {
    const box = h("div.tr-requisites");
    fill(main, h("h1", { text: t("tr.req.title") }), box);
    const list = await pagedList(box, "/trader/v1/requisites", { limit: 100 }, (items) =>
      items.length ? items.map((r) => requisiteCard(r, () => list.reload())) : h("p.muted.empty", { text: t("tr.req.none") }),
    );
  });
}
