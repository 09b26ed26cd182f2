// op_shops.js: the operator's "Shops" views (op.shops.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.shops.nav": "Shops" }, ru: {} });

export default function setup(app) {
  app.nav("/shops", t("op.shops.nav"));
  app.route("/shops", (main) => {
    fill(main, h("h1", { text: t("op.shops.nav") }));
  });
}
