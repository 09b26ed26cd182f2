// operator.js: the operator's views (filled in by the console's operator part).
import { h, fill, t } from "./lib.js";

export default function setup(app) {
  app.nav("/", t("app.name"));
  app.route("/", (main) => {
    fill(main, h("h1", { text: app.session.name }));
  });
}
