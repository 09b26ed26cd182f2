// op_overview.js: the operator's "Overview" views (op.overview.* strings).
import { addStrings, fill, h, t } from "./lib.js";

addStrings({ en: { "op.overview.nav": "Overview" }, ru: {} });

export default function setup(app) {
  app.nav("/", t("op.overview.nav"));
  app.route("/", (main) => {
    fill(main, h("h1", { text: t("op.overview.nav") }));
  });
}
