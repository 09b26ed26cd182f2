// op_audit.js: the operator's "Audit log" views (op.audit.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.audit.nav": "Audit log" }, ru: {} });

export default function setup(app) {
  app.nav("/audit", t("op.audit.nav"));
  app.route("/audit", (main) => {
    fill(main, h("h1", { text: t("op.audit.nav") }));
  });
}
