// trader_devices.js: the trader's phones that relay bank notifications
// (GET /trader/v1/devices), pairing a new one (POST /trader/v1/devices: a
// one-time code, shown large, typed into the relay app) and revoking one.
import { act, addStrings, api, badge, confirmDialog, dt, facts, fill, h, pagedList, t } from "./lib.js";

addStrings({
  en: {
    "tr.dev.nav": "Devices",
    "tr.dev.title": "Devices",
    "tr.dev.intro": "A paired phone forwards your bank's notifications, so the orders they pay complete by themselves.",
    "tr.dev.none": "No phone paired yet.",
    "tr.dev.pair": "Pair a phone",
    "tr.dev.pair_q": "Make a one-time pairing code for a new phone?",
    "tr.dev.code_title": "Pairing code",
    "tr.dev.code_text": "Type this code into the relay app on the phone. It works once.",
    "tr.dev.valid_until": "Valid until {time}",
    "tr.dev.done": "Done",
    "tr.dev.online": "online",
    "tr.dev.offline": "offline",
    "tr.dev.revoked": "revoked",
    "tr.dev.last_seen": "Last seen",
    "tr.dev.paired": "Paired",
    "tr.dev.revoke": "Revoke",
    "tr.dev.revoke_q": "Revoke {name}? It stops at once and its requisites are unbound.",
    "tr.dev.revoked_ok": "Device revoked",
  },
  ru: {
    "tr.dev.nav": "Устройства",
    "tr.dev.title": "Устройства",
    "tr.dev.intro": "Подключённый телефон пересылает уведомления банка, и оплаченные ими заказы выполняются сами.",
    "tr.dev.none": "Телефонов пока нет.",
    "tr.dev.pair": "Подключить телефон",
    "tr.dev.pair_q": "Создать одноразовый код для нового телефона?",
    "tr.dev.code_title": "Код подключения",
    "tr.dev.code_text": "Введите этот код в приложении на телефоне. Он действует один раз.",
    "tr.dev.valid_until": "Действует до {time}",
    "tr.dev.done": "Готово",
    "tr.dev.online": "в сети",
    "tr.dev.offline": "не в сети",
    "tr.dev.revoked": "отключён",
    "tr.dev.last_seen": "Был в сети",
    "tr.dev.paired": "Подключён",
    "tr.dev.revoke": "Отключить",
    "tr.dev.revoke_q": "Отключить {name}? Он сразу перестанет работать, его реквизиты будут отвязаны.",
    "tr.dev.revoked_ok": "Устройство отключено",
  },
});

// "K7QX2MNPRT4W" as "K7QX 2MNP RT4W" (spaces do not matter to kassa).
function grouped(code) {
  return String(code).replace(/(.{4})(?=.)/g, "$1\u2009");
}

function deviceCard(d, reload) {
  const state = d.status === "revoked" ? badge(t("tr.dev.revoked"), "canceled") : d.online ? badge(t("tr.dev.online"), "online") : badge(t("tr.dev.offline"), "offline");
  const btn =
    d.status === "revoked"
      ? null
      : h("button.danger", {
          type: "button",
          text: t("tr.dev.revoke"),
          onclick: async (ev) => {
            if (!(await confirmDialog(t("tr.dev.revoke_q", { name: d.name || `#${d.id}` }), { ok: t("tr.dev.revoke"), danger: true }))) return;
            const r = await act(ev.target, () => api("POST", `/trader/v1/devices/${d.id}/revoke`), t("tr.dev.revoked_ok"));
            if (r) reload();
          },
        });
  return h(
    "article.card.tr-device",
    { dataset: { id: String(d.id), status: d.status } },
    h("div.tr-requisite-head", {}, h("strong", { text: d.name || `#${d.id}` }), state),
    facts([
      [t("tr.dev.last_seen"), dt(d.last_seen)],
      [t("tr.dev.paired"), dt(d.created_at)],
    ]),
    btn ? h("div.actions", {}, btn) : null,
  );
}

export default function setup(app) {
  app.nav("/devices", t("tr.dev.nav"));
  app.route("/devices", async (main) => {
    const codeBox = h("div.tr-code-box");
    const box = h("div.tr-devices");
    let list = null;
    const pair = h("button.primary.big", {
      type: "button",
      text: t("tr.dev.pair"),
      onclick: async () => {
        if (!(await confirmDialog(t("tr.dev.pair_q"), { ok: t("tr.dev.pair") }))) return;
        const c = await act(pair, () => api("POST", "/trader/v1/devices"));
        if (!c) return;
        fill(
          codeBox,
          h(
            "section.card.tr-code",
            {},
            h("h2", { text: t("tr.dev.code_title") }),
            h("p.tr-pair-code", { dataset: { code: c.code }, text: grouped(c.code) }),
            h("p", { text: t("tr.dev.code_text") }),
            h("p.muted", { text: t("tr.dev.valid_until", { time: dt(c.expires_at) }) }),
            h("div.actions", {}, h("button", { type: "button", text: t("tr.dev.done"), onclick: () => (fill(codeBox), list.reload()) })),
          ),
        );
      },
    });
    fill(main, h("h1", { text: t("tr.dev.title") }), h("p.muted", { text: t("tr.dev.intro") }), h("div.actions.tr-pair", {}, pair), codeBox, box);
    list = await pagedList(box, "/trader/v1/devices", { limit: 100 }, (items) => (items.length ? items.map((d) => deviceCard(d, () => list.reload())) : h("p.muted.empty", { text: t("tr.dev.none") })));
  });
}
