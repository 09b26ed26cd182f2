// op_orders.js: the operator's "Orders" views (op.orders.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.orders.nav": "Orders" }, ru: {} });

export default function setup(app) {
  app.nav("/orders", t("op.orders.nav"));
  app.route("/orders", (main) => {
    fill(main, h("h1", { text: t("op.orders.nav") }));
  });
}
