// op_ledger.js: the operator's "Ledger" views (op.ledger.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.ledger.nav": "Ledger" }, ru: {} });

export default function setup(app) {
  app.nav("/ledger", t("op.ledger.nav"));
  app.route("/ledger", (main) => {
    fill(main, h("h1", { text: t("op.ledger.nav") }));
  });
}
