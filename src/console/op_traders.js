// op_traders.js: the operator's "Traders" views (op.traders.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.traders.nav": "Traders" }, ru: {} });

export default function setup(app) {
  app.nav("/traders", t("op.traders.nav"));
  app.route("/traders", (main) => {
    fill(main, h("h1", { text: t("op.traders.nav") }));
  });
}
