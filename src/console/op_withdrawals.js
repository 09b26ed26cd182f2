// op_withdrawals.js: the operator's "Withdrawals" views (op.withdrawals.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.withdrawals.nav": "Withdrawals" }, ru: {} });

export default function setup(app) {
  app.nav("/withdrawals", t("op.withdrawals.nav"));
  app.route("/withdrawals", (main) => {
    fill(main, h("h1", { text: t("op.withdrawals.nav") }));
  });
}
