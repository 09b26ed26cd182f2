// op_audit.js: the operator's "Audit log" view (op.audit.* strings): who
// did what and when, filtered by actor, action, record and time; each
// entry's stored row before and after shown as the fields that changed
// (every field on demand).
import { addStrings, api, badge, dt, field, fill, go, h, pagedList, query, t } from "./lib.js";
import { select } from "./op_forms.js";

addStrings({
  en: {
    "op.audit.nav": "Audit log",
    "op.audit.actor": "Who",
    "op.audit.anyone": "anyone",
    "op.audit.bootstrap": "bootstrap token",
    "op.audit.action": "Action",
    "op.audit.action_hint": "shop.update, or shop. for every shop action",
    "op.audit.kind": "Record kind",
    "op.audit.target": "Record id",
    "op.audit.from": "From",
    "op.audit.to": "To",
    "op.audit.field": "Field",
    "op.audit.before": "Before",
    "op.audit.after": "After",
    "op.audit.created": "Created",
    "op.audit.removed": "Removed",
    "op.audit.nochange": "No field changed.",
    "op.audit.all": "Every field ({n})",
    "op.audit.from_client": "from {client}",
    "op.audit.request": "request {id}",
  },
  ru: {
    "op.audit.nav": "Журнал действий",
    "op.audit.actor": "Кто",
    "op.audit.anyone": "любой",
    "op.audit.bootstrap": "начальный токен",
    "op.audit.action": "Действие",
    "op.audit.action_hint": "shop.update или shop. — все действия с магазинами",
    "op.audit.kind": "Вид записи",
    "op.audit.target": "id записи",
    "op.audit.from": "С",
    "op.audit.to": "По",
    "op.audit.field": "Поле",
    "op.audit.before": "Было",
    "op.audit.after": "Стало",
    "op.audit.created": "Создано",
    "op.audit.removed": "Удалено",
    "op.audit.nochange": "Ни одно поле не изменилось.",
    "op.audit.all": "Все поля ({n})",
    "op.audit.from_client": "с {client}",
    "op.audit.request": "запрос {id}",
  },
});

function valueText(v) {
  if (v === undefined) return h("span.muted", { text: "" });
  if (v === null) return h("span.muted", { text: "—" });
  if (typeof v === "object") return h("code.mono", { text: JSON.stringify(v) });
  return h("span.mono", { text: String(v) });
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function diffTable(keys, before, after) {
  return h(
    "table.audit-diff",
    {},
    h(
      "thead",
      {},
      h("tr", {}, h("th", { text: t("op.audit.field") }), h("th", { text: t("op.audit.before") }), h("th", { text: t("op.audit.after") })),
    ),
    h(
      "tbody",
      {},
      keys.map((k) =>
        h(
          "tr",
          { class: same(before?.[k], after?.[k]) ? "same" : "changed", dataset: { field: k } },
          h("th", { scope: "row" }, h("code", { text: k })),
          h("td.before", {}, before ? valueText(before[k]) : null),
          h("td.after", {}, after ? valueText(after[k]) : null),
        ),
      ),
    ),
  );
}

// An entry's before/after: the changed fields, every field behind a toggle.
function changes(e) {
  const before = e.before && typeof e.before === "object" ? e.before : null;
  const after = e.after && typeof e.after === "object" ? e.after : null;
  if (!before && !after) return null;
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  const changed = keys.filter((k) => !before || !after || !same(before[k], after[k]));
  const label = !before ? t("op.audit.created") : !after ? t("op.audit.removed") : null;
  return h(
    "div.audit-changes",
    {},
    label ? h("p.muted", { text: label }) : null,
    before && after && changed.length === 0 ? h("p.muted", { text: t("op.audit.nochange") }) : null,
    before && after && changed.length ? diffTable(changed, before, after) : null,
    !before || !after || changed.length < keys.length
      ? h("details", {}, h("summary", { text: t("op.audit.all", { n: keys.length }) }), diffTable(keys, before, after))
      : null,
  );
}

function entry(e) {
  return h(
    "article.card.audit-entry",
    { dataset: { action: e.action, id: String(e.id) } },
    h(
      "div.audit-head",
      {},
      badge(e.action, "action"),
      h("strong.audit-actor", { text: e.actor_id == null ? `${e.actor}` : `${e.actor} (#${e.actor_id})` }),
      e.kind ? h("span.audit-target", { text: `${e.kind} ${e.target ?? ""}`.trim() }) : null,
      h("span.muted", { text: dt(e.at) }),
    ),
    h(
      "p.muted.audit-meta",
      {},
      t("op.audit.from_client", { client: e.client || "—" }),
      " · ",
      h("span.mono", { text: t("op.audit.request", { id: e.request_id || "—" }) }),
    ),
    changes(e),
  );
}

// datetime-local text <-> Unix seconds (the API takes either form).
function toUnix(local) {
  if (!local) return "";
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? "" : String(Math.floor(ms / 1000));
}

function toLocal(unix) {
  if (!unix || !/^\d+$/.test(unix)) return "";
  const d = new Date(Number(unix) * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

async function auditView(main, params, q) {
  const f = {
    actor: q.get("actor") || "",
    action: q.get("action") || "",
    kind: q.get("kind") || "",
    target: q.get("target") || "",
    from: q.get("from") || "",
    to: q.get("to") || "",
  };
  // The operators to choose from, when the role may list them.
  let operators = [];
  try {
    operators = (await api("GET", "/admin/v1/operators?limit=500")).items || [];
  } catch (e) {
    operators = [];
  }
  const actor = operators.length
    ? select(
        "actor",
        [["", t("op.audit.anyone")], ["0", t("op.audit.bootstrap")], ...operators.map((o) => [o.id, `${o.name} (#${o.id})`])],
        f.actor,
      )
    : h("input", { name: "actor", inputmode: "numeric", value: f.actor, placeholder: t("op.audit.anyone") });
  const form = h(
    "form.inline.audit-filter",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        const e = form.elements;
        go(
          `/audit${query({
            actor: e.actor.value.trim(),
            action: e.action.value.trim(),
            kind: e.kind.value.trim(),
            target: e.target.value.trim(),
            from: toUnix(e.from.value),
            to: toUnix(e.to.value),
          })}`,
        );
      },
    },
    field(t("op.audit.actor"), actor),
    field(t("op.audit.action"), h("input", { name: "action", value: f.action, placeholder: t("op.audit.action_hint") })),
    field(t("op.audit.kind"), h("input", { name: "kind", value: f.kind })),
    field(t("op.audit.target"), h("input", { name: "target", value: f.target })),
    field(t("op.audit.from"), h("input", { name: "from", type: "datetime-local", value: toLocal(f.from) })),
    field(t("op.audit.to"), h("input", { name: "to", type: "datetime-local", value: toLocal(f.to) })),
    h("button", { type: "submit", text: t("apply") }),
    h("button", { type: "button", text: t("reset"), onclick: () => go("/audit") }),
  );
  const list = h("div.audit-list");
  fill(main, h("h1", { text: t("op.audit.nav") }), h("div.toolbar", {}, form), list);
  await pagedList(list, "/admin/v1/audit", f, (items) =>
    items.length ? items.map(entry) : h("p.muted.empty", { text: t("empty") }),
  );
}

export default function setup(app) {
  app.nav("/audit", t("op.audit.nav"));
  app.route("/audit", auditView);
}
