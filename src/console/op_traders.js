// op_traders.js: the operator's "Traders" views (op.traders.* strings): the
// list and a new trader (its API credentials shown once, an optional console
// login), a trader's page (balances, online, suspend, deposits and
// withdrawals, devices, its requisites) and #/requisites (op_requisites.js).
import {
  act,
  addStrings,
  api,
  badge,
  confirmDialog,
  dt,
  facts,
  field,
  fill,
  go,
  h,
  money,
  pagedList,
  t,
  table,
} from "./lib.js";
import { askForm, CURRENCIES, loadAll, onceCard, select } from "./op_forms.js";
import { requisiteForm, requisiteTable, requisitesView } from "./op_requisites.js";

addStrings({
  en: {
    "op.traders.nav": "Traders",
    "op.traders.new": "New trader",
    "op.traders.id": "ID",
    "op.traders.name": "Name",
    "op.traders.verified_name": "Verified name",
    "op.traders.verified_hint": "As on the trader's documents: every requisite of the trader is in this name.",
    "op.traders.reward": "Reward, basis points",
    "op.traders.reward_hint": "100 = 1% of each completed order.",
    "op.traders.currency": "Deposit currency",
    "op.traders.login": "Console login",
    "op.traders.password": "Console password",
    "op.traders.login_hint": "Optional: lets the trader sign in to the console.",
    "op.traders.status": "Status",
    "op.traders.online": "online",
    "op.traders.offline": "offline",
    "op.traders.active": "active",
    "op.traders.suspended": "suspended",
    "op.traders.available": "Available",
    "op.traders.reserved": "Reserved",
    "op.traders.earned": "Earned",
    "op.traders.created": "Created",
    "op.traders.create": "Create the trader",
    "op.traders.create_q": "Create trader “{name}” ({verified})?",
    "op.traders.created_ok": "Trader created",
    "op.traders.creds": "API credentials of trader {id}",
    "op.traders.api_key": "api_key",
    "op.traders.secret": "secret",
    "op.traders.open": "Open the trader",
    "op.traders.back": "All traders",
    "op.traders.suspend": "Suspend",
    "op.traders.activate": "Reactivate",
    "op.traders.suspend_q": "Suspend trader “{name}”? Their requisites take no new orders.",
    "op.traders.activate_q": "Reactivate trader “{name}”?",
    "op.traders.suspended_ok": "Trader suspended",
    "op.traders.activated_ok": "Trader reactivated",
    "op.traders.set_online": "Set online",
    "op.traders.set_offline": "Set offline",
    "op.traders.online_q": "Set trader “{name}” online?",
    "op.traders.offline_q": "Set trader “{name}” offline? Their requisites take no new orders meanwhile.",
    "op.traders.online_ok": "Trader is online",
    "op.traders.offline_ok": "Trader is offline",
    "op.traders.edit": "Edit",
    "op.traders.set_login": "Set a login and password",
    "op.traders.login_q": "Console sign-in of trader “{name}”",
    "op.traders.login_ok": "Sign-in saved",
    "op.traders.password_hint": "At least 12 characters.",
    "op.traders.edit_q": "Trader {id}",
    "op.traders.saved": "Trader saved",
    "op.traders.deposit": "Record a deposit",
    "op.traders.deposit_q": "Record a deposit of {amount} for trader “{name}”?",
    "op.traders.deposit_ok": "Deposit recorded",
    "op.traders.withdraw": "Pay money back",
    "op.traders.withdraw_q": "Pay {amount} back to trader “{name}”?",
    "op.traders.withdraw_ok": "Withdrawal recorded",
    "op.traders.amount": "Amount, {currency}",
    "op.traders.money": "Deposits and withdrawals",
    "op.traders.requisites": "Requisites",
    "op.traders.devices": "Devices",
    "op.traders.device": "Device",
    "op.traders.last_seen": "Last seen",
    "op.traders.bound": "Requisites bound",
    "op.traders.pair": "Pairing code",
    "op.traders.pair_q": "Make a one-time pairing code for a phone of trader “{name}”?",
    "op.traders.pair_code": "Pairing code (10 minutes, once)",
    "op.traders.expires": "Expires",
    "op.traders.revoke": "Revoke",
    "op.traders.revoke_q": "Revoke device “{name}”? Its requisites are unbound.",
    "op.traders.revoked_ok": "Device revoked",
    "op.traders.actions": "Actions",
  },
  ru: {
    "op.traders.nav": "Трейдеры",
    "op.traders.new": "Новый трейдер",
    "op.traders.id": "ID",
    "op.traders.name": "Имя",
    "op.traders.verified_name": "Подтверждённое имя",
    "op.traders.verified_hint": "Как в документах трейдера: все его реквизиты оформлены на это имя.",
    "op.traders.reward": "Вознаграждение, базисные пункты",
    "op.traders.reward_hint": "100 = 1% от каждого завершённого заказа.",
    "op.traders.currency": "Валюта депозита",
    "op.traders.login": "Логин в консоль",
    "op.traders.password": "Пароль в консоль",
    "op.traders.login_hint": "Необязательно: позволяет трейдеру входить в консоль.",
    "op.traders.status": "Состояние",
    "op.traders.online": "в сети",
    "op.traders.offline": "не в сети",
    "op.traders.active": "работает",
    "op.traders.suspended": "приостановлен",
    "op.traders.available": "Доступно",
    "op.traders.reserved": "Зарезервировано",
    "op.traders.earned": "Заработано",
    "op.traders.created": "Создан",
    "op.traders.create": "Создать трейдера",
    "op.traders.create_q": "Создать трейдера «{name}» ({verified})?",
    "op.traders.created_ok": "Трейдер создан",
    "op.traders.creds": "Ключи API трейдера {id}",
    "op.traders.api_key": "api_key",
    "op.traders.secret": "secret",
    "op.traders.open": "Открыть трейдера",
    "op.traders.back": "Все трейдеры",
    "op.traders.suspend": "Приостановить",
    "op.traders.activate": "Возобновить",
    "op.traders.suspend_q": "Приостановить трейдера «{name}»? Его реквизиты не получат новых заказов.",
    "op.traders.activate_q": "Возобновить работу трейдера «{name}»?",
    "op.traders.suspended_ok": "Трейдер приостановлен",
    "op.traders.activated_ok": "Трейдер снова работает",
    "op.traders.set_online": "Перевести в сеть",
    "op.traders.set_offline": "Перевести не в сеть",
    "op.traders.online_q": "Перевести трейдера «{name}» в сеть?",
    "op.traders.offline_q": "Перевести трейдера «{name}» не в сеть? Пока так, его реквизиты не получат новых заказов.",
    "op.traders.online_ok": "Трейдер в сети",
    "op.traders.offline_ok": "Трейдер не в сети",
    "op.traders.edit": "Изменить",
    "op.traders.set_login": "Задать логин и пароль",
    "op.traders.login_q": "Вход в консоль трейдера «{name}»",
    "op.traders.login_ok": "Вход сохранён",
    "op.traders.password_hint": "Не короче 12 символов.",
    "op.traders.edit_q": "Трейдер {id}",
    "op.traders.saved": "Трейдер сохранён",
    "op.traders.deposit": "Записать депозит",
    "op.traders.deposit_q": "Записать депозит {amount} трейдеру «{name}»?",
    "op.traders.deposit_ok": "Депозит записан",
    "op.traders.withdraw": "Вернуть деньги",
    "op.traders.withdraw_q": "Вернуть {amount} трейдеру «{name}»?",
    "op.traders.withdraw_ok": "Возврат записан",
    "op.traders.amount": "Сумма, {currency}",
    "op.traders.money": "Депозиты и возвраты",
    "op.traders.requisites": "Реквизиты",
    "op.traders.devices": "Устройства",
    "op.traders.device": "Устройство",
    "op.traders.last_seen": "Последний раз",
    "op.traders.bound": "Привязанные реквизиты",
    "op.traders.pair": "Код привязки",
    "op.traders.pair_q": "Создать одноразовый код привязки телефона трейдера «{name}»?",
    "op.traders.pair_code": "Код привязки (10 минут, один раз)",
    "op.traders.expires": "Действует до",
    "op.traders.revoke": "Отозвать",
    "op.traders.revoke_q": "Отозвать устройство «{name}»? Его реквизиты будут отвязаны.",
    "op.traders.revoked_ok": "Устройство отозвано",
    "op.traders.actions": "Действия",
  },
});

function statusBadges(tr) {
  return h(
    "span.badges",
    {},
    badge(tr.status === "active" ? t("op.traders.active") : t("op.traders.suspended"), tr.status === "active" ? "ok" : "failed"),
    badge(tr.online ? t("op.traders.online") : t("op.traders.offline"), tr.online ? "online" : "offline"),
  );
}

// ---- the list and a new trader --------------------------------------------------

function createForm(onCreated) {
  const submit = h("button.primary", { type: "submit", text: t("op.traders.create") });
  const form = h(
    "form.trader-create",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const e = form.elements;
        const body = {
          name: e.name.value.trim(),
          verified_name: e.verified_name.value.trim(),
          reward_bps: Number(e.reward_bps.value),
          currency: e.currency.value,
        };
        if (e.login.value.trim() !== "") body.login = e.login.value.trim();
        if (e.password.value !== "") body.password = e.password.value;
        if (!(await confirmDialog(t("op.traders.create_q", { name: body.name, verified: body.verified_name })))) return;
        const tr = await act(submit, () => api("POST", "/admin/v1/traders", body), t("op.traders.created_ok"));
        if (tr) onCreated(tr);
      },
    },
    h("h2", { text: t("op.traders.new") }),
    h(
      "div.form-grid",
      {},
      field(t("op.traders.name"), h("input", { name: "name", required: true, autocomplete: "off" })),
      field(
        t("op.traders.verified_name"),
        h("input", { name: "verified_name", required: true, autocomplete: "off" }),
        t("op.traders.verified_hint"),
      ),
      field(
        t("op.traders.reward"),
        h("input", { name: "reward_bps", inputmode: "numeric", pattern: "[0-9]+", required: true, value: "100" }),
        t("op.traders.reward_hint"),
      ),
      field(t("op.traders.currency"), select("currency", CURRENCIES.map((c) => [c, c]), "USDT")),
      field(t("op.traders.login"), h("input", { name: "login", autocomplete: "off" }), t("op.traders.login_hint")),
      field(t("op.traders.password"), h("input", { name: "password", type: "password", autocomplete: "new-password" })),
    ),
    h("div.actions", {}, submit),
  );
  return form;
}

async function listView(main) {
  const list = h("div.trader-list");
  const createBox = h("div.create-box", { hidden: true });
  let paged = null;
  const newBtn = h("button.primary", {
    type: "button",
    text: t("op.traders.new"),
    onclick: () => {
      fill(
        createBox,
        h(
          "section.card",
          {},
          createForm((tr) => {
            fill(
              createBox,
              onceCard(
                t("op.traders.creds", { id: tr.id }),
                [
                  [t("op.traders.api_key"), tr.api_key, "api_key"],
                  [t("op.traders.secret"), tr.secret, "secret"],
                ],
                h("p", {}, h("a.button", { href: `#/traders/${tr.id}`, text: t("op.traders.open") })),
              ),
            );
            if (paged) paged.reload();
          }),
        ),
      );
      createBox.hidden = false;
    },
  });
  fill(main, h("h1", { text: t("op.traders.nav") }), h("div.toolbar", {}, newBtn), createBox, list);
  const cols = [
    { label: t("op.traders.id"), cell: (x) => String(x.id), class: "num" },
    { label: t("op.traders.name"), cell: (x) => h("a", { href: `#/traders/${x.id}`, text: x.name }) },
    { label: t("op.traders.verified_name"), cell: (x) => x.verified_name },
    { label: t("op.traders.status"), cell: statusBadges },
    { label: t("op.traders.available"), cell: (x) => money(x.balances?.available, x.currency), class: "num" },
    { label: t("op.traders.reserved"), cell: (x) => money(x.balances?.reserved, x.currency), class: "num" },
    { label: t("op.traders.earned"), cell: (x) => money(x.balances?.earned, x.currency), class: "num" },
  ];
  paged = await pagedList(list, "/admin/v1/traders", {}, (items) =>
    table(cols, items, { onrow: (x) => go(`/traders/${x.id}`) }),
  );
}

// ---- a trader's page --------------------------------------------------------------

function moneyForm(tr, kind, reload) {
  const amount = h("input", { name: "amount", inputmode: "decimal", required: true, placeholder: "0.00" });
  const btn = h(`button.${kind === "deposit" ? "primary" : "danger"}`, {
    type: "submit",
    text: t(kind === "deposit" ? "op.traders.deposit" : "op.traders.withdraw"),
  });
  const form = h(
    `form.inline.trader-${kind}`,
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const a = amount.value.trim();
        const q = t(kind === "deposit" ? "op.traders.deposit_q" : "op.traders.withdraw_q", {
          amount: money(a, tr.currency),
          name: tr.name,
        });
        if (!(await confirmDialog(q, { danger: kind !== "deposit" }))) return;
        const path = `/admin/v1/traders/${tr.id}/${kind === "deposit" ? "deposits" : "withdrawals"}`;
        const r = await act(btn, () => api("POST", path, { amount: a }), t(kind === "deposit" ? "op.traders.deposit_ok" : "op.traders.withdraw_ok"));
        if (r) reload();
      },
    },
    field(t("op.traders.amount", { currency: tr.currency }), amount),
    btn,
  );
  return form;
}

async function devicesCard(tr, reload) {
  const box = h("section.card.trader-devices", {}, h("h2", { text: t("op.traders.devices") }));
  const codeBox = h("div");
  const pair = h("button", { type: "button", text: t("op.traders.pair") });
  pair.addEventListener("click", async () => {
    if (!(await confirmDialog(t("op.traders.pair_q", { name: tr.name })))) return;
    const r = await act(pair, () => api("POST", `/admin/v1/traders/${tr.id}/devices/pair`));
    if (r)
      fill(
        codeBox,
        onceCard(t("op.traders.pair_code"), [
          [t("op.traders.pair"), r.code, "code"],
          [t("op.traders.expires"), dt(r.expires_at), "expires_at"],
        ]),
      );
  });
  let devices = [];
  try {
    devices = await loadAll(`/admin/v1/traders/${tr.id}/devices`);
    // The list leaves out the bound requisites: each device's own answer has them.
    devices = await Promise.all(devices.map((d) => (d.status === "active" ? api("GET", `/admin/v1/devices/${d.id}`) : d)));
  } catch (e) {
    box.appendChild(h("div.alert.error", { text: e.message }));
    return box;
  }
  box.appendChild(
    table(
      [
        { label: t("op.traders.id"), cell: (d) => `#${d.id}`, class: "num" },
        { label: t("op.traders.device"), cell: (d) => d.name },
        {
          label: t("op.traders.status"),
          cell: (d) =>
            h(
              "span.badges",
              {},
              badge(d.status, d.status === "active" ? "ok" : "failed"),
              badge(d.online ? t("op.traders.online") : t("op.traders.offline"), d.online ? "online" : "offline"),
            ),
        },
        { label: t("op.traders.last_seen"), cell: (d) => dt(d.last_seen) },
        { label: t("op.traders.bound"), cell: (d) => (d.requisites || []).map((id) => `#${id}`).join(", ") || "—" },
        {
          label: t("op.traders.actions"),
          cell: (d) => {
            if (d.status !== "active") return "—";
            const b = h("button.danger", { type: "button", text: t("op.traders.revoke") });
            b.addEventListener("click", async () => {
              if (!(await confirmDialog(t("op.traders.revoke_q", { name: d.name }), { danger: true }))) return;
              if (await act(b, () => api("POST", `/admin/v1/devices/${d.id}/revoke`), t("op.traders.revoked_ok"))) reload();
            });
            return b;
          },
        },
      ],
      devices,
    ),
  );
  box.appendChild(h("div.actions", {}, pair));
  box.appendChild(codeBox);
  return box;
}

async function traderView(main, { id }) {
  const tr = await api("GET", `/admin/v1/traders/${encodeURIComponent(id)}`);
  const reload = () => go(`/traders/${encodeURIComponent(id)}`);
  const reqs = (await loadAll("/admin/v1/requisites")).filter((r) => r.trader_id === tr.id);
  const patch = async (btn, q, body, done, danger) => {
    if (!(await confirmDialog(q, { danger }))) return;
    if (await act(btn, () => api("PATCH", `/admin/v1/traders/${tr.id}`, body), done)) reload();
  };
  const suspend = h("button", {
    type: "button",
    class: tr.status === "active" ? "danger trader-status" : "primary trader-status",
    text: tr.status === "active" ? t("op.traders.suspend") : t("op.traders.activate"),
  });
  suspend.addEventListener("click", () =>
    tr.status === "active"
      ? patch(suspend, t("op.traders.suspend_q", { name: tr.name }), { status: "suspended" }, t("op.traders.suspended_ok"), true)
      : patch(suspend, t("op.traders.activate_q", { name: tr.name }), { status: "active" }, t("op.traders.activated_ok")),
  );
  const online = h("button.trader-online", {
    type: "button",
    text: tr.online ? t("op.traders.set_offline") : t("op.traders.set_online"),
  });
  online.addEventListener("click", () =>
    patch(
      online,
      t(tr.online ? "op.traders.offline_q" : "op.traders.online_q", { name: tr.name }),
      { online: !tr.online },
      t(tr.online ? "op.traders.offline_ok" : "op.traders.online_ok"),
    ),
  );
  const edit = h("button.trader-edit", { type: "button", text: t("op.traders.edit") });
  edit.addEventListener("click", async () => {
    const v = await askForm(
      t("op.traders.edit_q", { id: tr.id }),
      [
        field(t("op.traders.name"), h("input", { name: "name", value: tr.name, required: true })),
        field(
          t("op.traders.reward"),
          h("input", { name: "reward_bps", value: String(tr.reward_bps), inputmode: "numeric", pattern: "[0-9]+", required: true }),
          t("op.traders.reward_hint"),
        ),
      ],
      { ok: t("save") },
    );
    if (!v) return;
    const body = {};
    if (v.name !== tr.name) body.name = v.name;
    if (Number(v.reward_bps) !== tr.reward_bps) body.reward_bps = Number(v.reward_bps);
    if (Object.keys(body).length === 0) return;
    if (await act(edit, () => api("PATCH", `/admin/v1/traders/${tr.id}`, body), t("op.traders.saved"))) reload();
  });
  const login = h("button.trader-login", { type: "button", text: t("op.traders.set_login") });
  login.addEventListener("click", async () => {
    const v = await askForm(
      t("op.traders.login_q", { name: tr.name }),
      [
        field(t("op.traders.login"), h("input", { name: "login", required: true, autocomplete: "off" })),
        field(
          t("op.traders.password"),
          h("input", { name: "password", type: "password", minlength: "12", required: true, autocomplete: "new-password" }),
          t("op.traders.password_hint"),
        ),
      ],
      { ok: t("save") },
    );
    if (!v) return;
    if (await act(login, () => api("PATCH", `/admin/v1/traders/${tr.id}`, v), t("op.traders.login_ok"))) reload();
  });
  const b = tr.balances || {};
  const stat = (key, label) =>
    h(
      "div.card.stat",
      { dataset: { balance: key } },
      h("div.value", { text: money(b[key], tr.currency) }),
      h("div.label", { text: label }),
    );
  const reqBox = h("div.trader-reqs", {}, requisiteTable(reqs, reload, { traders: new Map([[tr.id, tr]]) }));
  fill(
    main,
    h("p.crumbs", {}, h("a", { href: "#/traders", text: t("op.traders.back") })),
    h("div.title-row", {}, h("h1", { text: tr.name }), statusBadges(tr)),
    h("div.toolbar", {}, suspend, online, edit, login),
    h(
      "div.cards.trader-balances",
      {},
      stat("available", t("op.traders.available")),
      stat("reserved", t("op.traders.reserved")),
      stat("earned", t("op.traders.earned")),
    ),
    h(
      "div.cols",
      {},
      h(
        "section.card.op-facts",
        {},
        facts([
          [t("op.traders.id"), String(tr.id)],
          [t("op.traders.verified_name"), tr.verified_name],
          [t("op.traders.reward"), `${tr.reward_bps} (${(tr.reward_bps / 100).toFixed(2)}%)`],
          [t("op.traders.currency"), tr.currency],
          [t("op.traders.created"), dt(tr.created_at)],
        ]),
      ),
      h(
        "section.card.trader-money",
        {},
        h("h2", { text: t("op.traders.money") }),
        moneyForm(tr, "deposit", reload),
        moneyForm(tr, "withdrawal", reload),
      ),
    ),
    h("h2", { text: t("op.traders.requisites") }),
    reqBox,
    h("section.card", {}, requisiteForm(reload, { trader: tr })),
    await devicesCard(tr, reload),
  );
}

export default function setup(app) {
  app.nav("/traders", t("op.traders.nav"));
  app.nav("/requisites", t("op.req.nav"));
  app.route("/traders", listView);
  app.route("/traders/:id", traderView);
  app.route("/requisites", requisitesView);
}
