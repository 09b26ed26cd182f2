// op_disputes.js: the operator's "Disputes" views (op.disputes.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.disputes.nav": "Disputes" }, ru: {} });

export default function setup(app) {
  app.nav("/disputes", t("op.disputes.nav"));
  app.route("/disputes", (main) => {
    fill(main, h("h1", { text: t("op.disputes.nav") }));
  });
}
