// op_overview.js: the operator's live overview (#/, GET /admin/v1/overview):
// orders per minute and conversion over the last hours (a Chart.js chart,
// updated in place), the queues now (pending orders, "payer says paid",
// disputes, withdrawals), the callbacks' outbox and failure rate, volume
// per shop and the database's state; polled every 5 s without a reload.
import { addStrings, api, badge, dt, fill, go, h, money, onLeave, poll, t, table } from "./lib.js";

addStrings({
  en: {
    "op.overview.nav": "Overview",
    "op.overview.title": "Overview",
    "op.overview.window": "Window",
    "op.overview.hours": "last {n} h",
    "op.overview.updated": "Updated {at}",
    "op.overview.stale": "Not updated since {at}: {error}",
    "op.overview.pending": "Pending orders",
    "op.overview.payer_paid": "Payer says paid",
    "op.overview.disputes": "Open disputes",
    "op.overview.withdrawals": "Withdrawals to decide",
    "op.overview.outbox": "Callbacks waiting",
    "op.overview.outbox_hint": "{pending} queued, {in_flight} being sent",
    "op.overview.failure_rate": "Callback failure rate",
    "op.overview.failure_hint": "{failed} of {attempts} attempts failed",
    "op.overview.created": "Orders created",
    "op.overview.completed": "Orders completed",
    "op.overview.conversion": "Conversion",
    "op.overview.chart": "Orders per minute and conversion",
    "op.overview.per_minute_created": "Created per minute",
    "op.overview.per_minute_completed": "Completed per minute",
    "op.overview.conversion_pct": "Conversion, %",
    "op.overview.volume": "Volume per shop",
    "op.overview.totals": "Volume by currency",
    "op.overview.shop": "Shop",
    "op.overview.currency": "Currency",
    "op.overview.amount": "Volume",
    "op.overview.no_volume": "No orders in this window.",
    "op.overview.database": "Database",
    "op.overview.backend": "Backend",
    "op.overview.state": "State",
    "op.overview.up": "up",
    "op.overview.down": "unavailable",
    "op.overview.size": "Size",
    "op.overview.writer_queue": "Writes queued",
    "op.overview.last_commit": "Last commit",
    "op.overview.ms": "{n} ms",
    "op.overview.mb": "{n} MB",
  },
  ru: {
    "op.overview.nav": "Обзор",
    "op.overview.title": "Обзор",
    "op.overview.window": "Период",
    "op.overview.hours": "последние {n} ч",
    "op.overview.updated": "Обновлено {at}",
    "op.overview.stale": "Не обновлялось с {at}: {error}",
    "op.overview.pending": "Ожидают оплаты",
    "op.overview.payer_paid": "Плательщик оплатил",
    "op.overview.disputes": "Открытые споры",
    "op.overview.withdrawals": "Выводы к решению",
    "op.overview.outbox": "Уведомления в очереди",
    "op.overview.outbox_hint": "в очереди {pending}, отправляются {in_flight}",
    "op.overview.failure_rate": "Неудачные уведомления",
    "op.overview.failure_hint": "неудачных попыток {failed} из {attempts}",
    "op.overview.created": "Создано заказов",
    "op.overview.completed": "Оплачено заказов",
    "op.overview.conversion": "Конверсия",
    "op.overview.chart": "Заказы в минуту и конверсия",
    "op.overview.per_minute_created": "Создано в минуту",
    "op.overview.per_minute_completed": "Оплачено в минуту",
    "op.overview.conversion_pct": "Конверсия, %",
    "op.overview.volume": "Оборот по магазинам",
    "op.overview.totals": "Оборот по валютам",
    "op.overview.shop": "Магазин",
    "op.overview.currency": "Валюта",
    "op.overview.amount": "Оборот",
    "op.overview.no_volume": "За этот период заказов нет.",
    "op.overview.database": "База данных",
    "op.overview.backend": "Тип",
    "op.overview.state": "Состояние",
    "op.overview.up": "работает",
    "op.overview.down": "недоступна",
    "op.overview.size": "Размер",
    "op.overview.writer_queue": "Записей в очереди",
    "op.overview.last_commit": "Последняя запись",
    "op.overview.ms": "{n} мс",
    "op.overview.mb": "{n} МБ",
  },
});

const HOURS = [1, 6, 24, 48];
const REFRESH_MS = 5000;

// Chart.js (Debian's libjs-chart.js, served by kassad) is a UMD file that
// defines window.Chart: loaded once with a <script> element.
let chartLib = null;
function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLib)
    chartLib = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/console/vendor/chart.min.js";
      s.onload = () => resolve(window.Chart);
      s.onerror = () => {
        chartLib = null;
        reject(new Error("Chart.js did not load"));
      };
      document.head.appendChild(s);
    });
  return chartLib;
}

const NBSP = "\u00a0";
const count = (n) => money(String(n ?? 0));
// A ratio from the API ("0.6667", a JSON number) as a percentage; "—"
// when the API has none (nothing to divide).
function pct(r) {
  if (r === null || r === undefined) return "—";
  return `${(Number(r) * 100).toFixed(1)}${NBSP}%`;
}
const hhmm = (at) => {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

function stat(key, label, link) {
  const value = h("div.value", { dataset: { figure: key }, text: "…" });
  const hint = h("div.hint.muted", { dataset: { hint: key } });
  const body = [value, h("div.label", { text: label }), hint];
  return h("div.card.stat", {}, link ? h("a.stat-link", { href: link }, body) : body);
}

function setFigure(root, key, text, hint, tone) {
  const el = root.querySelector(`[data-figure="${key}"]`);
  if (!el) return;
  el.textContent = text;
  el.classList.toggle("warn", tone === "warn");
  el.classList.toggle("bad", tone === "bad");
  const hEl = root.querySelector(`[data-hint="${key}"]`);
  if (hEl) hEl.textContent = hint || "";
}

function chartData(o) {
  const minutes = (o.bucket_seconds || 60) / 60;
  const s = o.series || [];
  // per minute: a bucket's count over its minutes, two places
  const perMin = (n) => Math.round((n / minutes) * 100) / 100;
  return {
    labels: s.map((p) => hhmm(p.at)),
    created: s.map((p) => perMin(p.created)),
    completed: s.map((p) => perMin(p.completed)),
    conversion: s.map((p) => (p.conversion === null ? null : Math.round(Number(p.conversion) * 1000) / 10)),
  };
}

function makeChart(Chart, canvas, d) {
  return new Chart(canvas, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        { label: t("op.overview.per_minute_created"), data: d.created, yAxisID: "y", borderColor: "#1f5fd6", backgroundColor: "rgba(31,95,214,0.12)", fill: true, pointRadius: 0, tension: 0.25 },
        { label: t("op.overview.per_minute_completed"), data: d.completed, yAxisID: "y", borderColor: "#17803d", backgroundColor: "rgba(23,128,61,0.12)", fill: true, pointRadius: 0, tension: 0.25 },
        { label: t("op.overview.conversion_pct"), data: d.conversion, yAxisID: "pct", borderColor: "#a05a00", borderDash: [4, 3], pointRadius: 0, spanGaps: true, tension: 0.25 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 8, maxRotation: 0 } },
        y: { beginAtZero: true, position: "left" },
        pct: { beginAtZero: true, min: 0, max: 100, position: "right", grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    },
  });
}

function updateChart(chart, d) {
  chart.data.labels = d.labels;
  chart.data.datasets[0].data = d.created;
  chart.data.datasets[1].data = d.completed;
  chart.data.datasets[2].data = d.conversion;
  chart.update("none");
}

function shopsTable(o) {
  return table(
    [
      { label: t("op.overview.shop"), cell: (s) => h("a", { href: `#/orders?shop_id=${s.shop_id}`, text: s.name ? `${s.name} (#${s.shop_id})` : `#${s.shop_id}` }) },
      { label: t("op.overview.amount"), class: "num", cell: (s) => money(s.amount, s.currency) },
      { label: t("op.overview.created"), class: "num", cell: (s) => count(s.created) },
      { label: t("op.overview.completed"), class: "num", cell: (s) => count(s.completed) },
      { label: t("op.overview.conversion"), class: "num", cell: (s) => pct(s.conversion) },
    ],
    o.shops || [],
    { empty: t("op.overview.no_volume") },
  );
}

function totalsTable(o) {
  const v = (o.totals && o.totals.volume) || [];
  return table(
    [
      { label: t("op.overview.currency"), cell: (c) => c.currency },
      { label: t("op.overview.amount"), class: "num", cell: (c) => money(c.amount, c.currency) },
      { label: t("op.overview.created"), class: "num", cell: (c) => count(c.created) },
      { label: t("op.overview.completed"), class: "num", cell: (c) => count(c.completed) },
      { label: t("op.overview.conversion"), class: "num", cell: (c) => pct(c.conversion) },
    ],
    v,
    { empty: t("op.overview.no_volume") },
  );
}

function dbFacts(db) {
  const up = db && db.up;
  const known = up && db.size_bytes !== undefined;
  return h(
    "dl.facts.op-facts",
    {},
    h("dt", { text: t("op.overview.state") }),
    h("dd", { dataset: { figure: "db_state" } }, badge(up ? t("op.overview.up") : t("op.overview.down"), up ? "ok" : "failed")),
    h("dt", { text: t("op.overview.backend") }),
    h("dd", { dataset: { figure: "db_backend" }, text: (known && db.backend) || "—" }),
    h("dt", { text: t("op.overview.size") }),
    h("dd", { dataset: { figure: "db_size" }, text: known ? t("op.overview.mb", { n: (db.size_bytes / 1048576).toFixed(1) }) : "—" }),
    h("dt", { text: t("op.overview.writer_queue") }),
    h("dd", { dataset: { figure: "db_writer_queue" }, text: known ? count(db.writer_queue) : "—" }),
    h("dt", { text: t("op.overview.last_commit") }),
    h("dd", { dataset: { figure: "db_last_commit" }, text: known ? t("op.overview.ms", { n: db.last_commit_ms }) : "—" }),
  );
}

async function overview(main, params, q) {
  const hours = HOURS.includes(Number(q.get("hours"))) ? Number(q.get("hours")) : 6;
  const select = h(
    "select",
    { name: "hours", "aria-label": t("op.overview.window"), onchange: () => go(`/?hours=${select.value}`) },
    HOURS.map((n) => h("option", { value: String(n), selected: n === hours, text: t("op.overview.hours", { n }) })),
  );
  const updated = h("span.ov-updated", { role: "status" });
  const figures = h(
    "div.cards.ov-stats#ov-figures",
    { dataset: { refreshes: "0" } },
    stat("pending", t("op.overview.pending"), "#/orders?status=pending"),
    stat("payer_says_paid", t("op.overview.payer_paid"), "#/orders?status=pending&confirmed_by_customer=true&order=asc"),
    stat("disputes_open", t("op.overview.disputes"), "#/disputes"),
    stat("withdrawals_pending", t("op.overview.withdrawals"), "#/withdrawals?status=pending"),
    stat("outbox", t("op.overview.outbox")),
    stat("failure_rate", t("op.overview.failure_rate")),
    stat("created", t("op.overview.created")),
    stat("conversion", t("op.overview.conversion")),
  );
  const canvas = h("canvas", { role: "img", "aria-label": t("op.overview.chart") });
  const shops = h("div#ov-shops");
  const totals = h("div#ov-totals");
  const db = h("div#ov-db");
  fill(
    main,
    h("div.ov-head", {}, h("h1", { text: t("op.overview.title") }), h("div.row", {}, select, updated)),
    figures,
    h("section.card", {}, h("h2", { text: t("op.overview.chart") }), h("div.chart-box.ov-chart#ov-chart", {}, canvas)),
    h("div.cols", {}, h("section.card", {}, h("h2", { text: t("op.overview.volume") }), shops), h("div", {}, h("section.card", {}, h("h2", { text: t("op.overview.totals") }), totals), h("section.card", {}, h("h2", { text: t("op.overview.database") }), db))),
  );

  let chart = null;
  let lastOk = null;
  let refreshes = 0;
  const Chart = await loadChart().catch(() => null);
  onLeave(() => chart && chart.destroy());

  const draw = (o) => {
    const cb = o.callbacks || {};
    const outbox = (cb.pending || 0) + (cb.in_flight || 0);
    setFigure(figures, "pending", count(o.orders.pending));
    setFigure(figures, "payer_says_paid", count(o.orders.payer_says_paid), null, o.orders.payer_says_paid > 0 ? "warn" : null);
    setFigure(figures, "disputes_open", count(o.disputes.open), null, o.disputes.open > 0 ? "warn" : null);
    setFigure(figures, "withdrawals_pending", count(o.withdrawals.pending));
    setFigure(figures, "outbox", count(outbox), t("op.overview.outbox_hint", { pending: count(cb.pending), in_flight: count(cb.in_flight) }));
    setFigure(figures, "failure_rate", pct(cb.failure_rate), t("op.overview.failure_hint", { failed: count(cb.failed), attempts: count(cb.attempts) }), Number(cb.failure_rate) > 0.1 ? "bad" : null);
    setFigure(figures, "created", count(o.totals.created), `${t("op.overview.completed")}: ${count(o.totals.completed)}`);
    setFigure(figures, "conversion", pct(o.totals.conversion), t("op.overview.hours", { n: o.hours }));
    fill(shops, shopsTable(o));
    fill(totals, totalsTable(o));
    fill(db, dbFacts(o.database));
    const d = chartData(o);
    if (Chart) {
      if (chart) updateChart(chart, d);
      else chart = makeChart(Chart, canvas, d);
    }
  };

  poll(async () => {
    try {
      const o = await api("GET", `/admin/v1/overview?hours=${hours}`);
      if (!main.contains(figures)) return;
      draw(o);
      lastOk = o.now;
      updated.textContent = t("op.overview.updated", { at: dt(o.now) });
      updated.classList.remove("bad");
      figures.dataset.loaded = "";
      figures.dataset.refreshes = String(++refreshes);
    } catch (e) {
      updated.textContent = lastOk ? t("op.overview.stale", { at: dt(lastOk), error: e.message }) : e.message;
      updated.classList.add("bad");
      if (!lastOk) {
        fill(db, dbFacts({ up: false }));
      }
      throw e;
    }
  }, REFRESH_MS);
}

export default function setup(app) {
  app.nav("/", t("op.overview.nav"));
  app.route("/", overview);
}
