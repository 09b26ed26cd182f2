// op_operators.js: the operator's "Operators" views (op.ops.* strings): the
// list, a new operator with a role and a console login, an operator's page
// (role, switch off/on, password) and their API tokens (a new one shown
// once; revoke).
import { act, addStrings, api, badge, confirmDialog, dt, facts, field, fill, go, h, pagedList, t, table } from "./lib.js";
import { askForm, loadAll, onceCard, select } from "./op_forms.js";

addStrings({
  en: {
    "op.ops.nav": "Operators",
    "op.ops.new": "New operator",
    "op.ops.id": "ID",
    "op.ops.name": "Name",
    "op.ops.role": "Role",
    "op.ops.login": "Console login",
    "op.ops.password": "Password",
    "op.ops.password_hint": "At least 12 characters.",
    "op.ops.login_hint": "Optional: without a login the operator acts through API tokens only.",
    "op.ops.status": "Status",
    "op.ops.active": "active",
    "op.ops.disabled": "switched off",
    "op.ops.created": "Created",
    "op.ops.create": "Add the operator",
    "op.ops.create_q": "Add operator “{name}” with the role {role}?",
    "op.ops.created_ok": "Operator added",
    "op.ops.back": "All operators",
    "op.ops.change_role": "Change the role",
    "op.ops.role_q": "Give operator “{name}” the role {role}?",
    "op.ops.role_ok": "Role changed",
    "op.ops.disable": "Switch off",
    "op.ops.enable": "Switch on",
    "op.ops.disable_q": "Switch off operator “{name}”? Their sign-in and tokens stop working.",
    "op.ops.enable_q": "Switch on operator “{name}”?",
    "op.ops.disabled_ok": "Operator switched off",
    "op.ops.enabled_ok": "Operator switched on",
    "op.ops.set_password": "Set a login and password",
    "op.ops.password_q": "Console sign-in of operator “{name}”",
    "op.ops.password_ok": "Sign-in saved",
    "op.ops.tokens": "API tokens",
    "op.ops.token_name": "What the token is for",
    "op.ops.token_new": "New token",
    "op.ops.token_q": "Issue a new API token for operator “{name}”?",
    "op.ops.token_once": "Token “{name}”",
    "op.ops.token": "Token",
    "op.ops.last_used": "Last used",
    "op.ops.revoked": "Revoked",
    "op.ops.valid": "valid",
    "op.ops.revoke": "Revoke",
    "op.ops.revoke_q": "Revoke token “{name}”? Whatever uses it stops at once.",
    "op.ops.revoked_ok": "Token revoked",
    "op.ops.actions": "Actions",
    "op.ops.none": "none",
    "role.owner": "owner: everything",
    "role.admin": "admin: all but operators",
    "role.support": "support: reads, order decisions, resends",
    "role.finance": "finance: reads, money decisions",
    "role.viewer": "viewer: reads only",
  },
  ru: {
    "op.ops.nav": "Операторы",
    "op.ops.new": "Новый оператор",
    "op.ops.id": "ID",
    "op.ops.name": "Имя",
    "op.ops.role": "Роль",
    "op.ops.login": "Логин в консоль",
    "op.ops.password": "Пароль",
    "op.ops.password_hint": "Не короче 12 символов.",
    "op.ops.login_hint": "Необязательно: без логина оператор работает только через API-токены.",
    "op.ops.status": "Состояние",
    "op.ops.active": "работает",
    "op.ops.disabled": "выключен",
    "op.ops.created": "Создан",
    "op.ops.create": "Добавить оператора",
    "op.ops.create_q": "Добавить оператора «{name}» с ролью {role}?",
    "op.ops.created_ok": "Оператор добавлен",
    "op.ops.back": "Все операторы",
    "op.ops.change_role": "Сменить роль",
    "op.ops.role_q": "Дать оператору «{name}» роль {role}?",
    "op.ops.role_ok": "Роль изменена",
    "op.ops.disable": "Выключить",
    "op.ops.enable": "Включить",
    "op.ops.disable_q": "Выключить оператора «{name}»? Его вход и токены перестанут работать.",
    "op.ops.enable_q": "Включить оператора «{name}»?",
    "op.ops.disabled_ok": "Оператор выключен",
    "op.ops.enabled_ok": "Оператор включён",
    "op.ops.set_password": "Задать логин и пароль",
    "op.ops.password_q": "Вход в консоль оператора «{name}»",
    "op.ops.password_ok": "Вход сохранён",
    "op.ops.tokens": "API-токены",
    "op.ops.token_name": "Для чего токен",
    "op.ops.token_new": "Новый токен",
    "op.ops.token_q": "Выпустить новый API-токен оператору «{name}»?",
    "op.ops.token_once": "Токен «{name}»",
    "op.ops.token": "Токен",
    "op.ops.last_used": "Последнее использование",
    "op.ops.revoked": "Отозван",
    "op.ops.valid": "действует",
    "op.ops.revoke": "Отозвать",
    "op.ops.revoke_q": "Отозвать токен «{name}»? Всё, что его использует, сразу перестанет работать.",
    "op.ops.revoked_ok": "Токен отозван",
    "op.ops.actions": "Действия",
    "op.ops.none": "нет",
    "role.owner": "owner: всё",
    "role.admin": "admin: всё, кроме операторов",
    "role.support": "support: чтение, решения по заказам, повтор уведомлений",
    "role.finance": "finance: чтение, денежные решения",
    "role.viewer": "viewer: только чтение",
  },
});

const ROLES = ["owner", "admin", "support", "finance", "viewer"];
const roleOptions = () => ROLES.map((r) => [r, t(`role.${r}`)]);

function statusBadge(o) {
  return badge(o.disabled ? t("op.ops.disabled") : t("op.ops.active"), o.disabled ? "failed" : "ok");
}

function createForm(onCreated) {
  const submit = h("button.primary", { type: "submit", text: t("op.ops.create") });
  const form = h(
    "form.operator-create",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const e = form.elements;
        const body = { name: e.name.value.trim(), role: e.role.value };
        if (e.login.value.trim() !== "") body.login = e.login.value.trim();
        if (e.password.value !== "") body.password = e.password.value;
        if (!(await confirmDialog(t("op.ops.create_q", { name: body.name, role: body.role })))) return;
        const o = await act(submit, () => api("POST", "/admin/v1/operators", body), t("op.ops.created_ok"));
        if (o) {
          form.reset();
          onCreated(o);
        }
      },
    },
    h("h2", { text: t("op.ops.new") }),
    h(
      "div.form-grid",
      {},
      field(t("op.ops.name"), h("input", { name: "name", required: true, autocomplete: "off" })),
      field(t("op.ops.role"), select("role", roleOptions(), "viewer")),
      field(t("op.ops.login"), h("input", { name: "login", autocomplete: "off" }), t("op.ops.login_hint")),
      field(
        t("op.ops.password"),
        h("input", { name: "password", type: "password", minlength: "12", autocomplete: "new-password" }),
        t("op.ops.password_hint"),
      ),
    ),
    h("div.actions", {}, submit),
  );
  return form;
}

async function listView(main) {
  const list = h("div.operator-list");
  let paged = null;
  const cols = [
    { label: t("op.ops.id"), cell: (o) => String(o.id), class: "num" },
    { label: t("op.ops.name"), cell: (o) => h("a", { href: `#/operators/${o.id}`, text: o.name }) },
    { label: t("op.ops.role"), cell: (o) => badge(o.role, "role") },
    { label: t("op.ops.login"), cell: (o) => (o.login ? h("code.mono", { text: o.login }) : t("op.ops.none")) },
    { label: t("op.ops.status"), cell: statusBadge },
    { label: t("op.ops.created"), cell: (o) => dt(o.created_at) },
  ];
  fill(
    main,
    h("h1", { text: t("op.ops.nav") }),
    list,
    h("section.card", {}, createForm(() => paged && paged.reload())),
  );
  paged = await pagedList(list, "/admin/v1/operators", {}, (items) =>
    table(cols, items, { onrow: (o) => go(`/operators/${o.id}`) }),
  );
}

async function tokensCard(op, reload) {
  const once = h("div");
  const tokens = await loadAll(`/admin/v1/operators/${op.id}/tokens`);
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const issue = h("button.primary", { type: "submit", text: t("op.ops.token_new") });
  const listBox = h("div");
  const draw = (items) =>
    fill(
      listBox,
      table(
        [
          { label: t("op.ops.id"), cell: (k) => String(k.id), class: "num" },
          { label: t("op.ops.token_name"), cell: (k) => k.name },
          { label: t("op.ops.created"), cell: (k) => dt(k.created_at) },
          { label: t("op.ops.last_used"), cell: (k) => dt(k.last_used_at) },
          {
            label: t("op.ops.status"),
            cell: (k) =>
              k.revoked_at
                ? badge(`${t("op.ops.revoked")} ${dt(k.revoked_at)}`, "failed")
                : badge(t("op.ops.valid"), "ok"),
          },
          {
            label: t("op.ops.actions"),
            cell: (k) => {
              if (k.revoked_at) return "—";
              const b = h("button.danger.token-revoke", { type: "button", text: t("op.ops.revoke") });
              b.addEventListener("click", async () => {
                if (!(await confirmDialog(t("op.ops.revoke_q", { name: k.name }), { danger: true }))) return;
                if (await act(b, () => api("DELETE", `/admin/v1/tokens/${k.id}`), t("op.ops.revoked_ok")))
                  draw(await loadAll(`/admin/v1/operators/${op.id}/tokens`));
              });
              return b;
            },
          },
        ],
        items,
      ),
    );
  draw(tokens);
  const form = h(
    "form.inline.token-create",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (!(await confirmDialog(t("op.ops.token_q", { name: op.name })))) return;
        const r = await act(issue, () => api("POST", `/admin/v1/operators/${op.id}/tokens`, { name: name.value.trim() }));
        if (!r) return;
        fill(once, onceCard(t("op.ops.token_once", { name: r.name }), [[t("op.ops.token"), r.token, "token"]]));
        name.value = "";
        draw(await loadAll(`/admin/v1/operators/${op.id}/tokens`));
      },
    },
    field(t("op.ops.token_name"), name),
    issue,
  );
  return h("section.card.tokens", {}, h("h2", { text: t("op.ops.tokens") }), once, listBox, form);
}

async function operatorView(main, { id }) {
  const op = await api("GET", `/admin/v1/operators/${encodeURIComponent(id)}`);
  const reload = () => go(`/operators/${encodeURIComponent(id)}`);
  const patch = async (btn, q, body, done, danger) => {
    if (!(await confirmDialog(q, { danger }))) return;
    if (await act(btn, () => api("PATCH", `/admin/v1/operators/${op.id}`, body), done)) reload();
  };
  const role = select("role", roleOptions(), op.role, { "aria-label": t("op.ops.role") });
  const roleBtn = h("button.role-save", { type: "submit", text: t("op.ops.change_role") });
  const roleForm = h(
    "form.inline.role-form",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        patch(roleBtn, t("op.ops.role_q", { name: op.name, role: role.value }), { role: role.value }, t("op.ops.role_ok"));
      },
    },
    field(t("op.ops.role"), role),
    roleBtn,
  );
  const toggle = h("button", {
    type: "button",
    class: op.disabled ? "primary op-toggle" : "danger op-toggle",
    text: op.disabled ? t("op.ops.enable") : t("op.ops.disable"),
  });
  toggle.addEventListener("click", () =>
    op.disabled
      ? patch(toggle, t("op.ops.enable_q", { name: op.name }), { disabled: false }, t("op.ops.enabled_ok"))
      : patch(toggle, t("op.ops.disable_q", { name: op.name }), { disabled: true }, t("op.ops.disabled_ok"), true),
  );
  const pw = h("button.set-password", { type: "button", text: t("op.ops.set_password") });
  pw.addEventListener("click", async () => {
    const v = await askForm(
      t("op.ops.password_q", { name: op.name }),
      [
        field(t("op.ops.login"), h("input", { name: "login", value: op.login || "", required: true, autocomplete: "off" })),
        field(
          t("op.ops.password"),
          h("input", { name: "password", type: "password", minlength: "12", required: true, autocomplete: "new-password" }),
          t("op.ops.password_hint"),
        ),
      ],
      { ok: t("save") },
    );
    if (!v) return;
    const body = v.login === op.login ? { password: v.password } : { login: v.login, password: v.password };
    if (await act(pw, () => api("PATCH", `/admin/v1/operators/${op.id}`, body), t("op.ops.password_ok"))) reload();
  });
  fill(
    main,
    h("p.crumbs", {}, h("a", { href: "#/operators", text: t("op.ops.back") })),
    h("div.title-row", {}, h("h1", { text: op.name }), badge(op.role, "role"), statusBadge(op)),
    h(
      "div.cols",
      {},
      h(
        "section.card.op-facts",
        {},
        facts([
          [t("op.ops.id"), String(op.id)],
          [t("op.ops.login"), op.login ? h("code.mono", { text: op.login }) : t("op.ops.none")],
          [t("op.ops.created"), dt(op.created_at)],
        ]),
        h("div.actions", {}, pw, toggle),
      ),
      h("section.card", {}, roleForm),
    ),
    await tokensCard(op, reload),
  );
}

export default function setup(app) {
  app.nav("/operators", t("op.ops.nav"));
  app.route("/operators", listView);
  app.route("/operators/:id", operatorView);
}
