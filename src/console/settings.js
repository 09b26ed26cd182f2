// settings.js: the signed-in user's own settings, for every kind: language
// and the two-factor sign-in (TOTP, /console/api/totp/...).
import { act, api, facts, field, fill, h, setLang, t, getLang, toast } from "./lib.js";

async function totpSection(box, session) {
  const on = !!session.totp_enabled;
  const status = h("p", { text: on ? t("settings.totp_on") : t("settings.totp_off") });
  if (on) {
    const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" });
    const btn = h("button.danger", { type: "submit", text: t("settings.totp_disable") });
    fill(
      box,
      h("h2", { text: t("settings.totp") }),
      status,
      h(
        "form.inline",
        {
          onsubmit: (ev) => {
            ev.preventDefault();
            act(btn, async () => {
              await api("POST", "/console/api/totp/disable", { code: code.value });
              session.totp_enabled = false;
              toast(t("settings.totp_disabled"));
              totpSection(box, session);
            });
          },
        },
        field(t("settings.totp_code"), code),
        btn,
      ),
    );
    return;
  }
  const start = h("button.primary", {
    type: "button",
    text: t("settings.totp_setup"),
    onclick: () =>
      act(start, async () => {
        const s = await api("POST", "/console/api/totp/setup");
        const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" });
        const btn = h("button.primary", { type: "submit", text: t("ok") });
        fill(
          box,
          h("h2", { text: t("settings.totp") }),
          h("p", { text: t("settings.totp_secret") }),
          h("p", {}, h("code.secret", { text: s.secret })),
          h("p", {}, h("a.otpauth", { href: s.otpauth_uri, text: s.otpauth_uri })),
          h(
            "form.inline",
            {
              onsubmit: (ev) => {
                ev.preventDefault();
                act(btn, async () => {
                  await api("POST", "/console/api/totp/enable", { code: code.value });
                  session.totp_enabled = true;
                  toast(t("settings.totp_enabled"));
                  totpSection(box, session);
                });
              },
            },
            field(t("settings.totp_code"), code),
            btn,
          ),
        );
      }),
  });
  fill(box, h("h2", { text: t("settings.totp") }), status, start);
}

export default function setup(app) {
  const { session } = app;
  app.nav("/settings", t("settings.title"));
  app.route("/settings", (main) => {
    const totp = h("section.card");
    fill(
      main,
      h("h1", { text: t("settings.title") }),
      h(
        "section.card",
        {},
        h("h2", { text: t("settings.account") }),
        facts([
          [t("signin.login"), session.login || session.name],
          [t("settings.account"), session.role ? `${t(`kind.${session.kind}`)} · ${session.role}` : t(`kind.${session.kind}`)],
          [t("settings.language"), getLang() === "ru" ? "Русский" : "English"],
        ]),
        h("button", {
          type: "button",
          text: t("lang.switch"),
          onclick: () => {
            setLang(getLang() === "ru" ? "en" : "ru");
            location.reload();
          },
        }),
      ),
      totp,
    );
    totpSection(totp, session);
  });
}
