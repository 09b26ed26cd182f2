// app.js: the console's entry: who is signed in (GET /console/api/session),
// the sign-in form otherwise, and the frame of the signed-in user's kind
// (its navigation and views from operator.js, trader.js or merchant.js).
import {
  api,
  clearRoutes,
  currentPath,
  fill,
  getLang,
  h,
  preferredLang,
  render,
  route,
  setLang,
  setMain,
  setSession,
  t,
} from "./lib.js";
import operator from "./operator.js";
import trader from "./trader.js";
import merchant from "./merchant.js";
import settings from "./settings.js";

const kinds = { operator, trader, merchant };
const root = document.getElementById("app");
let session = null;

function langButton(after) {
  return h("button.lang", {
    type: "button",
    text: t("lang.switch"),
    onclick: () => {
      setLang(getLang() === "ru" ? "en" : "ru");
      after();
    },
  });
}

function signIn(notice) {
  session = null;
  setSession("", null);
  window.onhashchange = null;
  document.body.className = "signed-out";
  const alert = h("div.alert.error", { role: "alert", hidden: true });
  const totp = h("input", {
    name: "totp",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: "6",
  });
  const totpField = h(
    "label.field",
    { hidden: true },
    h("span.label", { text: t("signin.totp") }),
    totp,
    h("span.hint", { text: t("signin.totp_hint") }),
  );
  const login = h("input", { name: "login", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button.primary", { type: "submit", text: t("signin.submit") });
  const form = h(
    "form.signin",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        alert.hidden = true;
        const body = { login: login.value, password: password.value };
        if (!totpField.hidden && totp.value) body.totp = totp.value;
        try {
          session = await api("POST", "/console/api/session", body);
          start();
        } catch (e) {
          if (e.body && e.body.totp_required) {
            totpField.hidden = false;
            totp.focus();
          }
          alert.textContent = e.message;
          alert.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", { text: t("signin.title") }),
    notice ? h("div.alert.info", { text: notice }) : null,
    alert,
    h("label.field", {}, h("span.label", { text: t("signin.login") }), login),
    h("label.field", {}, h("span.label", { text: t("signin.password") }), password),
    totpField,
    submit,
  );
  fill(
    root,
    h(
      "div.signin-page",
      {},
      h("div.signin-brand", {}, h("span.logo", { text: "kassa" }), langButton(() => signIn(notice))),
      form,
    ),
  );
}

function start() {
  setSession(session.csrf, () => signIn(t("signin.expired")));
  if (session.lang && !localStorage.getItem("kassa.lang")) setLang(session.lang);
  document.body.className = `kind-${session.kind}`;
  clearRoutes();
  const nav = [];
  const app = {
    session,
    route,
    nav: (path, label) => nav.push({ path, label }),
  };
  const setup = kinds[session.kind];
  if (setup) setup(app);
  settings(app);

  const main = h("main#main", { tabindex: "-1" });
  const links = nav.map((n) => h("a.nav-link", { href: `#${n.path}`, dataset: { path: n.path }, text: n.label }));
  const navEl = h("nav.nav", { "aria-label": t("menu") }, links);
  const menuBtn = h("button.menu-toggle", {
    type: "button",
    "aria-expanded": "false",
    text: t("menu"),
    onclick: () => {
      const open = !navEl.classList.contains("open");
      navEl.classList.toggle("open", open);
      menuBtn.setAttribute("aria-expanded", String(open));
    },
  });
  const who = h(
    "div.who",
    {},
    h("span.who-name", { text: session.name }),
    h("span.who-kind", { text: session.role ? `${t(`kind.${session.kind}`)} · ${session.role}` : t(`kind.${session.kind}`) }),
  );
  const signOut = h("button.signout", {
    type: "button",
    text: t("signout"),
    onclick: async () => {
      try {
        await api("DELETE", "/console/api/session");
      } catch (e) {
        /* signed out either way */
      }
      location.hash = "";
      signIn();
    },
  });
  const header = h(
    "header.top",
    {},
    h("a.logo", { href: "#/", text: "kassa" }),
    menuBtn,
    navEl,
    h("div.top-end", {}, who, langButton(start), signOut),
  );
  fill(root, header, main);
  setMain(main);

  const mark = () => {
    const path = currentPath();
    let best = null;
    for (const a of links) {
      const p = a.dataset.path;
      if ((p === "/" ? path === "/" : path === p || path.startsWith(`${p}/`)) && (!best || p.length > best.dataset.path.length))
        best = a;
    }
    for (const a of links) a.classList.toggle("active", a === best);
    navEl.classList.remove("open");
    menuBtn.setAttribute("aria-expanded", "false");
  };
  window.onhashchange = () => {
    mark();
    render();
  };
  mark();
  render();
}

async function boot() {
  setLang(preferredLang());
  try {
    session = await api("GET", "/console/api/session");
  } catch (e) {
    signIn(e.status === 401 || e.status === 404 ? null : e.message);
    return;
  }
  start();
}

boot();
