// op_operators.js: the operator's "Operators" views (op.operators.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.operators.nav": "Operators" }, ru: {} });

export default function setup(app) {
  app.nav("/operators", t("op.operators.nav"));
  app.route("/operators", (main) => {
    fill(main, h("h1", { text: t("op.operators.nav") }));
  });
}
