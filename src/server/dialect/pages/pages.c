/* pages.c: the hosted payment form and the payer's pages (spec/tegro.md
 * "Hosted payment form"), the payment QR images, and the operator's
 * per-shop method switches.
 *
 *   GET  /pay/?shop_id&amount&order_id&currency&sign[&test&lang&payment_system&..._url]
 *   POST /pay/form/                       form-encoded, creates the order
 *   GET  /pay/complete/{id}/{token}/      the payer's page
 *   GET  /pay/complete/{id}/{token}/status   {"status", "ttl"} for the page's refresh
 *   POST /pay/complete/{id}/{token}/pay | /fail   sandbox buttons (test orders)
 *   POST /pay/complete/{id}/{token}/method   the payer chooses the method of an
 *                                        order created without a usable one
 *   GET  /pay/qr/{id}/{token}/dark.png | light.png
 *
 * Every page is self-contained (inline CSS and script, no external assets),
 * every value from a merchant or payer is HTML-escaped, and the token is
 * compared in constant time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "pages_form.h"
#include "pages_qr.h"
#include "dialect/reply.h"
#include "dialect/tegro/tegro.h"

#define PAGE_LIMIT (1u << 20)

/* ---- language --------------------------------------------------------- */

struct lang {
    const char *code, *title, *choose, *amount, *shop, *order, *method, *status, *pay_to, *phone,
        *card, *account, *bank, *holder, *time_left, *scan, *test_note, *pay_btn, *fail_btn,
        *st_pending, *st_paid, *st_failed, *st_cancelled, *st_rejected, *no_methods, *error, *back,
        *redirect, *items, *expired_note, *not_payable;
};

static const struct lang lang_ru = {
    "ru",
    "Оплата заказа",
    "Выберите способ оплаты",
    "Сумма",
    "Магазин",
    "Заказ",
    "Способ оплаты",
    "Статус",
    "Переведите точную сумму по реквизитам",
    "Телефон (СБП)",
    "Номер карты",
    "Номер счёта",
    "Банк",
    "Получатель",
    "Осталось времени",
    "Отсканируйте QR-код в приложении банка",
    "Тестовый режим: деньги не списываются. Выберите результат оплаты.",
    "Оплатить",
    "Отклонить",
    "Ожидает оплаты",
    "Оплачен",
    "Ошибка оплаты",
    "Отменён",
    "Отклонён",
    "Нет доступных способов оплаты",
    "Ошибка",
    "Вернуться в магазин",
    "Сейчас вы вернётесь в магазин",
    "Состав заказа",
    "Время на оплату истекло",
    "Этот заказ больше нельзя оплатить",
};

static const struct lang lang_en = {
    "en",
    "Order payment",
    "Choose a payment method",
    "Amount",
    "Shop",
    "Order",
    "Payment method",
    "Status",
    "Transfer the exact amount to",
    "Phone (SBP)",
    "Card number",
    "Account number",
    "Bank",
    "Recipient",
    "Time left",
    "Scan the QR code in your bank's app",
    "Test mode: no money moves. Choose the payment's outcome.",
    "Pay",
    "Fail",
    "Waiting for payment",
    "Paid",
    "Payment failed",
    "Cancelled",
    "Rejected",
    "No payment methods available",
    "Error",
    "Back to the shop",
    "You will be taken back to the shop",
    "Order items",
    "The time to pay has run out",
    "This order can no longer be paid",
};

static const struct lang *lang_pick(const char *a, const char *b)
{
    if (a && strcmp(a, "en") == 0)
        return &lang_en;
    if (a && strcmp(a, "ru") == 0)
        return &lang_ru;
    if (b && strcmp(b, "en") == 0)
        return &lang_en;
    return &lang_ru;
}

static const char *status_text(const struct lang *L, enum order_status s)
{
    switch (tegro_status(s)) {
    case 0:
        return L->st_pending;
    case 1:
        return L->st_paid;
    case 2:
        return L->st_failed;
    case 3:
        return L->st_cancelled;
    default:
        return L->st_rejected;
    }
}

/* ---- page frame ---------------------------------------------------------- */

static const char page_css[] =
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;"
    "color:#111827;margin:0;padding:24px}"
    ".card{max-width:440px;margin:0 auto;background:#fff;border-radius:12px;padding:24px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "h1{font-size:20px;margin:0 0 16px}.amount{font-size:28px;font-weight:700;margin:8px 0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:16px 0}"
    "dt{color:#6b7280}dd{margin:0;word-break:break-all}"
    ".req{background:#f9fafb;border:1px solid #e5e7eb;border-radius:8px;padding:12px;margin:16px 0}"
    ".req .value{font-size:20px;font-weight:600;font-family:ui-monospace,monospace}"
    ".qr{text-align:center;margin:16px 0}.qr img{width:220px;height:220px}"
    ".status{display:inline-block;padding:2px 10px;border-radius:999px;background:#e5e7eb}"
    ".st-1{background:#d1fae5}.st-2,.st-4{background:#fee2e2}"
    ".test{background:#fffbeb;border:1px solid #fcd34d;border-radius:8px;padding:12px;"
    "margin:16px 0}"
    "button,.btn{font-size:16px;padding:10px 18px;border-radius:8px;border:0;cursor:pointer;"
    "margin-right:8px;text-decoration:none;display:inline-block}"
    ".pay{background:#059669;color:#fff}.fail{background:#dc2626;color:#fff}"
    ".methods button{display:block;width:100%;text-align:left;padding:12px;margin:8px 0;"
    "background:#fff;border:1px solid #e5e7eb;color:#111827}"
    ".methods button:hover{background:#f9fafb}.note{color:#92400e}"
    ".err{color:#b91c1c}table{width:100%;border-collapse:collapse}"
    "td{padding:4px 0;border-bottom:1px solid #f3f4f6}";

static void page_open(struct sbuf *b, const struct lang *L, const char *title,
                      const char *refresh_url)
{
    sbuf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">", L->code);
    sbuf_add(b, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    sbuf_add(b, "<meta name=\"referrer\" content=\"no-referrer\">");
    /* no favicon request: the page needs nothing but itself */
    sbuf_add(b, "<link rel=\"icon\" href=\"data:,\">");
    if (refresh_url != NULL) {
        sbuf_add(b, "<meta http-equiv=\"refresh\" content=\"3;url=");
        sbuf_html(b, refresh_url);
        sbuf_add(b, "\">");
    }
    sbuf_add(b, "<title>");
    sbuf_html(b, title);
    sbuf_add(b, "</title><style>");
    sbuf_add(b, page_css);
    sbuf_add(b, "</style></head><body><main class=\"card\">");
}

static void page_close(struct sbuf *b)
{
    sbuf_add(b, "</main></body></html>");
}

static void send_page(struct http_req *req, int status, struct sbuf *b)
{
    size_t len;
    char *body = sbuf_finish(b, &len);
    if (body == NULL) {
        static const char err[] = "Internal server error";
        http_reply(req, 500, "text/plain; charset=utf-8", err, sizeof err - 1);
        return;
    }
    http_add_header(req, "Cache-Control", "no-store");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_add_header(req, "Content-Security-Policy",
                    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                    "script-src 'unsafe-inline'; connect-src 'self'; form-action 'self' http: "
                    "https:; base-uri 'none'; frame-ancestors 'none'");
    http_reply_owned(req, status, "text/html; charset=utf-8", body, len);
}

/* An error page: the title, what is wrong (escaped). */
static void error_page(struct http_req *req, int status, const struct lang *L, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void error_page(struct http_req *req, int status, const struct lang *L, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct sbuf b;
    sbuf_init(&b, PAGE_LIMIT);
    page_open(&b, L, L->error, NULL);
    sbuf_add(&b, "<h1>");
    sbuf_html(&b, L->error);
    sbuf_add(&b, "</h1><p class=\"err\" id=\"error\">");
    sbuf_html(&b, msg);
    sbuf_add(&b, "</p>");
    page_close(&b);
    send_page(req, status, &b);
}

/* ---- creating an order from the form ------------------------------------ */

struct pay_params {
    const char *shop_id, *amount, *order_id, *currency, *sign, *test, *lang, *payment_system,
        *success_url, *fail_url, *notify_url, *email, *phone;
};

static void params_from(const struct form *f, struct pay_params *p)
{
    memset(p, 0, sizeof *p);
    p->shop_id = form_get(f, "shop_id");
    p->amount = form_get(f, "amount");
    p->order_id = form_get(f, "order_id");
    p->currency = form_get(f, "currency");
    p->sign = form_get(f, "sign");
    p->test = form_get(f, "test");
    p->lang = form_get(f, "lang");
    p->payment_system = form_get(f, "payment_system");
    p->success_url = form_get(f, "success_url");
    p->fail_url = form_get(f, "fail_url");
    p->notify_url = form_get(f, "notify_url");
    p->email = form_get(f, "fields[email]");
    p->phone = form_get(f, "fields[phone]");
}

/* Check the required fields, the shop and the MD5 sign. Answers with an
 * error page and returns false on any refusal. */
static bool pay_check(struct http_req *req, const struct pay_params *p, const struct lang *L,
                      struct shop *shop)
{
    const char *req_names[] = {"shop_id", "amount", "order_id", "currency", "sign"};
    const char *req_vals[] = {p->shop_id, p->amount, p->order_id, p->currency, p->sign};
    for (size_t i = 0; i < 5; i++) {
        if (req_vals[i] == NULL || req_vals[i][0] == '\0') {
            error_page(req, 400, L, "Missing required parameter: %s", req_names[i]);
            return false;
        }
    }
    kassa_err err = query_shop_by_key(SHOP_BY_PUBLIC_KEY, p->shop_id, shop);
    if (err == KASSA_ENOTFOUND || (err == KASSA_OK && !shop->active)) {
        error_page(req, 404, L, "Unknown shop_id: no active shop has this public key");
        return false;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return false;
    }
    kassa_kv kv[5] = {{"amount", p->amount},
                      {"currency", p->currency},
                      {"order_id", p->order_id},
                      {"shop_id", p->shop_id},
                      {"test", p->test}};
    size_t n = p->test != NULL ? 5 : 4;
    if (kassa_tegro_form_verify(kv, n, shop->tegro_secret, p->sign) != KASSA_OK) {
        error_page(req, 403, L,
                   "Wrong sign: expected md5 of the sorted query string of amount, currency, "
                   "order_id, shop_id%s followed by the shop's secret",
                   p->test != NULL ? ", test" : "");
        return false;
    }
    return true;
}

static void pay_created(struct http_req *req, struct writer_cmd *base, kassa_err err)
{
    struct tegro_create *tc = (struct tegro_create *)base;
    const struct order *o = &tc->cmd.order;
    const struct lang *L = lang_pick(o->lang, NULL);
    if (err == KASSA_ECONFLICT) {
        error_page(req, 409, L, "Order already exists (with other parameters)");
        return;
    }
    if (err == KASSA_EMONEY_RANGE) {
        error_page(req, 400, L, "The amount is smaller than the shop's fee");
        return;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return;
    }
    log_info("tegro form order", "id=%lld status=%s replayed=%d", (long long)o->id,
             order_status_name(o->status), tc->cmd.replayed);
    char loc[256];
    snprintf(loc, sizeof loc, "/pay/complete/%lld/%s/", (long long)o->id, o->pay_token);
    http_add_header(req, "Location", loc);
    static const char body[] = "See Other";
    http_reply(req, 303, "text/plain; charset=utf-8", body, sizeof body - 1);
}

static enum http_action pay_choose(struct http_req *req, const struct form *f,
                                   const struct pay_params *p, const struct shop *shop,
                                   const struct lang *L, bool post, int refused);

/* Create (or find, by order_id) the order and redirect to its page; a
 * requested method this shop cannot take sends the payer to the chooser. */
static enum http_action pay_create(struct http_req *req, const struct form *f,
                                   const struct pay_params *p, const struct shop *shop,
                                   struct tegro_create *tc, const struct lang *L, bool post)
{
    char msg[512] = "";
    struct method_switches sw;
    kassa_err err = query_method_switches(shop->id, &sw);
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    struct tegro_order_input in = {.currency = p->currency,
                                   .amount = p->amount,
                                   .order_id = p->order_id,
                                   .payment_system = p->payment_system,
                                   .email = p->email,
                                   .phone = p->phone,
                                   .success_url = p->success_url,
                                   .fail_url = p->fail_url,
                                   .notify_url = p->notify_url,
                                   .lang = p->lang,
                                   .test = p->test != NULL && strcmp(p->test, "1") == 0};
    char *end;
    long ps = strtol(p->payment_system, &end, 10);
    const struct pay_method *m = *end == '\0' && ps > 0 ? method_find((int)ps) : NULL;
    if (m != NULL && !method_usable(&sw, m, in.test))
        return pay_choose(req, f, p, shop, L, post, m->id);
    if (!tegro_order_fill(tc, shop, &in, &sw, msg, sizeof msg)) {
        error_page(req, 400, L, "%s", msg);
        return HTTP_DONE;
    }
    order_create_init(&tc->cmd);
    return submit_and_render(req, &tc->cmd.base, pay_created);
}

/* One button per method usable for the shop (switches `sw`, a test order or
 * not), each a form sent by `verb` ("get" or "post") to `action` with the
 * fields of `carry` (none when NULL) but payment_system, and payment_system
 * set to the method. Returns how many buttons. */
static size_t methods_nav(struct sbuf *b, const struct method_switches *sw, bool test,
                          const struct lang *L, const char *verb, const char *action,
                          const struct form *carry)
{
    size_t n, shown = 0;
    const struct pay_method *t = method_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (!method_usable(sw, &t[i], test))
            continue;
        shown++;
        sbuf_printf(b, "<form method=\"%s\" action=\"", verb);
        sbuf_html(b, action);
        sbuf_add(b, "\">");
        for (size_t k = 0; carry != NULL && k < carry->n; k++) {
            if (strcmp(carry->f[k].key, "payment_system") == 0)
                continue;
            sbuf_add(b, "<input type=\"hidden\" name=\"");
            sbuf_html(b, carry->f[k].key);
            sbuf_add(b, "\" value=\"");
            sbuf_html(b, carry->f[k].value);
            sbuf_add(b, "\">");
        }
        sbuf_printf(b,
                    "<input type=\"hidden\" name=\"payment_system\" value=\"%d\">"
                    "<button type=\"submit\" id=\"method-%d\">",
                    t[i].id, t[i].id);
        sbuf_html(b, L == &lang_en ? t[i].name_en : t[i].name_ru);
        sbuf_add(b, "</button></form>");
    }
    if (shown == 0) {
        sbuf_add(b, "<p class=\"err\">");
        sbuf_html(b, L->no_methods);
        sbuf_add(b, "</p>");
    }
    return shown;
}

/* The method chooser: one button per usable method, each a form that sends
 * the request's own fields again (so the sign, fields[...] and the receipt
 * travel on) with payment_system set: GET /pay/ for a link, POST /pay/form/
 * for a posted form. `refused` names a requested method that cannot be used
 * (0 none). */
static enum http_action pay_choose(struct http_req *req, const struct form *f,
                                   const struct pay_params *p, const struct shop *shop,
                                   const struct lang *L, bool post, int refused)
{
    struct method_switches sw;
    kassa_err err = query_method_switches(shop->id, &sw);
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    bool test = p->test != NULL && strcmp(p->test, "1") == 0;
    const kassa_currency *cur = kassa_currency_find(p->currency);
    int64_t amount;
    if (cur == NULL) {
        error_page(req, 400, L, "Unknown currency %.32s", p->currency);
        return HTTP_DONE;
    }
    if ((err = kassa_money_parse(p->amount, strlen(p->amount), cur->exponent, KASSA_MONEY_POSITIVE,
                                 &amount)) != KASSA_OK) {
        error_page(req, 400, L, "Wrong amount: %s", kassa_strerror(err));
        return HTTP_DONE;
    }
    char amt[48];
    kassa_money_format(amount, cur->exponent, cur->exponent, amt, sizeof amt);
    struct sbuf b;
    sbuf_init(&b, PAGE_LIMIT);
    page_open(&b, L, L->title, NULL);
    sbuf_add(&b, "<h1>");
    sbuf_html(&b, L->choose);
    sbuf_add(&b, "</h1><div class=\"amount\">");
    sbuf_html(&b, amt);
    sbuf_add(&b, " ");
    sbuf_html(&b, cur->code);
    sbuf_add(&b, "</div><dl><dt>");
    sbuf_html(&b, L->shop);
    sbuf_add(&b, "</dt><dd>");
    sbuf_html(&b, shop->name);
    sbuf_add(&b, "</dd><dt>");
    sbuf_html(&b, L->order);
    sbuf_add(&b, "</dt><dd>");
    sbuf_html(&b, p->order_id);
    sbuf_add(&b, "</dd></dl>");
    if (refused != 0)
        sbuf_printf(&b, "<p class=\"note\" id=\"refused\">%s %d</p>",
                    L == &lang_en ? "Not available, choose another method:"
                                  : "Недоступно, выберите другой способ:",
                    refused);
    sbuf_add(&b, "<nav class=\"methods\">");
    methods_nav(&b, &sw, test, L, post ? "post" : "get", post ? "/pay/form/" : "/pay/", f);
    sbuf_add(&b, "</nav>");
    page_close(&b);
    send_page(req, 200, &b);
    return HTTP_DONE;
}

static enum http_action pay_entry(struct http_req *req)
{
    char msg[256];
    struct form *f = arena_calloc(&req->arena, sizeof *f);
    struct tegro_create *tc = arena_calloc(&req->arena, sizeof *tc);
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    if (f == NULL || tc == NULL || shop == NULL) {
        error_page(req, 500, &lang_ru, "Internal server error");
        return HTTP_DONE;
    }
    if (!form_parse(&req->arena, req->query, strlen(req->query), f, msg, sizeof msg)) {
        error_page(req, 400, &lang_ru, "Bad query string: %s", msg);
        return HTTP_DONE;
    }
    struct pay_params p;
    params_from(f, &p);
    const struct lang *L = lang_pick(p.lang, NULL);
    if (!pay_check(req, &p, L, shop))
        return HTTP_DONE;
    if (p.payment_system == NULL || p.payment_system[0] == '\0')
        return pay_choose(req, f, &p, shop, L, false, 0);
    return pay_create(req, f, &p, shop, tc, L, false);
}

struct item_parts {
    const char *name, *count, *price;
    bool used;
};

static enum http_action pay_form(struct http_req *req)
{
    char msg[256];
    struct form *f = arena_calloc(&req->arena, sizeof *f);
    struct tegro_create *tc = arena_calloc(&req->arena, sizeof *tc);
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct item_parts *items = arena_calloc(&req->arena, RECEIPT_MAX_ITEMS * sizeof *items);
    if (f == NULL || tc == NULL || shop == NULL || items == NULL) {
        error_page(req, 500, &lang_ru, "Internal server error");
        return HTTP_DONE;
    }
    if (!form_parse(&req->arena, req->body, req->body_len, f, msg, sizeof msg)) {
        error_page(req, 400, &lang_ru, "Bad form body: %s", msg);
        return HTTP_DONE;
    }
    struct pay_params p;
    params_from(f, &p);
    const struct lang *L = lang_pick(p.lang, NULL);
    if (!pay_check(req, &p, L, shop))
        return HTTP_DONE;
    if (p.payment_system == NULL || p.payment_system[0] == '\0') {
        error_page(req, 400, L, "Missing required parameter: payment_system");
        return HTTP_DONE;
    }
    /* receipt[items][i][name|count|price] */
    size_t max_index = 0;
    bool any = false;
    for (size_t i = 0; i < f->n; i++) {
        char parts[5][64];
        if (strncmp(f->f[i].key, "receipt", 7) != 0)
            continue;
        int np = form_key_parts(f->f[i].key, parts, 5);
        char *end;
        long idx = np == 4 ? strtol(parts[2], &end, 10) : -1;
        if (np != 4 || strcmp(parts[0], "receipt") != 0 || strcmp(parts[1], "items") != 0 ||
            parts[2][0] == '\0' || *end != '\0' || idx < 0 || idx >= RECEIPT_MAX_ITEMS) {
            error_page(req, 400, L,
                       "Bad receipt field '%.80s': expected receipt[items][N][name|count|price] "
                       "with N from 0 to %d",
                       f->f[i].key, RECEIPT_MAX_ITEMS - 1);
            return HTTP_DONE;
        }
        struct item_parts *it = &items[idx];
        if (strcmp(parts[3], "name") == 0)
            it->name = f->f[i].value;
        else if (strcmp(parts[3], "count") == 0)
            it->count = f->f[i].value;
        else if (strcmp(parts[3], "price") == 0)
            it->price = f->f[i].value;
        else {
            error_page(req, 400, L, "Bad receipt field '%.80s': unknown item part", f->f[i].key);
            return HTTP_DONE;
        }
        it->used = true;
        any = true;
        if ((size_t)idx > max_index)
            max_index = (size_t)idx;
    }
    if (any) {
        const kassa_currency *cur = kassa_currency_find(p.currency);
        if (cur == NULL) {
            error_page(req, 400, L, "Unknown currency %.32s", p.currency);
            return HTTP_DONE;
        }
        for (size_t i = 0; i <= max_index; i++) {
            if (!items[i].used) {
                error_page(req, 400, L, "receipt item %zu: missing", i);
                return HTTP_DONE;
            }
            if (!receipt_add(&tc->receipt, i, items[i].name, items[i].count, items[i].price,
                             cur->exponent, msg, sizeof msg)) {
                error_page(req, 400, L, "%s", msg);
                return HTTP_DONE;
            }
        }
    }
    return pay_create(req, f, &p, shop, tc, L, true);
}

/* ---- the payer's page ----------------------------------------------------- */

/* Parse "{id}/{token}" followed by '/' or the end; *rest gets what follows. */
static bool parse_id_token(const char *s, int64_t *id, char token[TOKEN_SIZE], const char **rest)
{
    char *end;
    if (*s < '1' || *s > '9')
        return false;
    long long v = strtoll(s, &end, 10);
    if (*end != '/' || v <= 0)
        return false;
    const char *t = end + 1;
    size_t n = strcspn(t, "/");
    if (n != TOKEN_SIZE - 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
    }
    memcpy(token, t, n);
    token[n] = '\0';
    *id = v;
    *rest = t + n;
    return true;
}

/* Load the order `id` and check its token (constant time); false when it
 * does not exist or the token is wrong (the same answer for both). */
static kassa_err load_paid_order(int64_t id, const char *token, struct order *o, struct shop *shop)
{
    kassa_err err = query_order(ORDER_BY_ID, NULL, id, o);
    if (err == KASSA_OK && (strlen(o->pay_token) != TOKEN_SIZE - 1 ||
                            !kassa_ct_equal(o->pay_token, token, TOKEN_SIZE - 1)))
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK && shop != NULL)
        err = query_shop(o->shop_id, shop);
    return err;
}

/* The requisite the payer sees: the pool's, or the sandbox's for a test
 * order (no real account: nothing is paid to it). NULL when none. */
static const struct requisite *shown_requisite(const struct order *o, struct requisite *buf,
                                               const struct lang *L)
{
    if (o->requisite_id != 0)
        return &o->req;
    if (!o->test)
        return NULL;
    const struct pay_method *m = method_find(o->payment_system);
    if (m == NULL || m->provider != PROVIDER_REQUISITES)
        return NULL;
    memset(buf, 0, sizeof *buf);
    core_copy(buf->type, sizeof buf->type, m->requisite_type);
    if (strcmp(m->requisite_type, "SBP") == 0 || strcmp(m->requisite_type, "phoneTopUp") == 0)
        core_copy(buf->value, sizeof buf->value, "+79990000000");
    else
        core_copy(buf->value, sizeof buf->value, "2200000000000004");
    bool en = L == &lang_en;
    core_copy(buf->owner_full_name, sizeof buf->owner_full_name,
              en ? "Test Recipient" : "Тестовый Получатель");
    core_copy(buf->bank_name_ru, sizeof buf->bank_name_ru, "Тестовый банк");
    core_copy(buf->bank_name_en, sizeof buf->bank_name_en, "Sandbox Bank");
    core_copy(buf->bank_code, sizeof buf->bank_code, "sandbox");
    return buf;
}

static bool is_sbp(const struct order *o, const struct requisite *r)
{
    return (r != NULL && strcmp(r->type, "SBP") == 0) || o->payment_system == 28;
}

static const char *value_label(const struct lang *L, const char *type)
{
    if (strcmp(type, "SBP") == 0 || strcmp(type, "phoneTopUp") == 0 ||
        strcmp(type, "internalTransferMobile") == 0)
        return L->phone;
    if (strcmp(type, "card") == 0 || strcmp(type, "crossBorderCard") == 0)
        return L->card;
    return L->account;
}

static bool receipt_row(void *arg, const char *name, const char *count, int64_t price)
{
    struct sbuf *b = ((void **)arg)[0];
    const char *currency = ((void **)arg)[1];
    const kassa_currency *cur = kassa_currency_find(currency);
    char amt[48] = "";
    if (cur)
        kassa_money_format(price, cur->exponent, cur->exponent, amt, sizeof amt);
    sbuf_add(b, "<tr><td>");
    sbuf_html(b, name);
    sbuf_add(b, "</td><td>");
    sbuf_html(b, count);
    sbuf_add(b, " &times; ");
    sbuf_html(b, amt);
    sbuf_add(b, "</td></tr>");
    return !b->failed;
}

static void dl_row(struct sbuf *b, const char *k, const char *v, const char *id)
{
    sbuf_add(b, "<dt>");
    sbuf_html(b, k);
    sbuf_add(b, "</dt><dd");
    if (id) {
        sbuf_add(b, " id=\"");
        sbuf_add(b, id);
        sbuf_add(b, "\"");
    }
    sbuf_add(b, ">");
    sbuf_html(b, v);
    sbuf_add(b, "</dd>");
}

/* The payer's page of order `id`. `note`, when not NULL, says why the
 * method the payer just chose was not taken. */
static enum http_action payer_page(struct http_req *req, int64_t id, const char *token,
                                   const char *note)
{
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct requisite *rbuf = arena_calloc(&req->arena, sizeof *rbuf);
    const char *qlang = http_query(req, "lang");
    kassa_err err = (o && shop && rbuf) ? load_paid_order(id, token, o, shop) : KASSA_ENOMEM;
    const struct lang *L = lang_pick(qlang, o ? o->lang : NULL);
    if (err == KASSA_ENOTFOUND) {
        error_page(req, 404, L, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    const kassa_currency *cur = kassa_currency_find(o->currency);
    char amt[48] = "", base[160], ttl_text[32];
    if (cur)
        kassa_money_format(o->amount, cur->exponent, cur->exponent, amt, sizeof amt);
    snprintf(base, sizeof base, "/pay/complete/%lld/%s/", (long long)o->id, o->pay_token);
    int st = tegro_status(o->status);
    bool pending = o->status == ORDER_PENDING;
    int64_t ttl = pending ? order_ttl_left(o) : 0;
    snprintf(ttl_text, sizeof ttl_text, "%02lld:%02lld:%02lld", (long long)(ttl / 3600),
             (long long)(ttl % 3600 / 60), (long long)(ttl % 60));
    const char *after = NULL;
    if (o->status == ORDER_COMPLETED && o->success_url[0])
        after = o->success_url;
    else if (!pending && o->status != ORDER_COMPLETED && o->fail_url[0])
        after = o->fail_url;

    struct sbuf b;
    sbuf_init(&b, PAGE_LIMIT);
    page_open(&b, L, L->title, after);
    sbuf_add(&b, "<h1>");
    sbuf_html(&b, L->title);
    sbuf_add(&b, "</h1><div class=\"amount\" id=\"amount\">");
    sbuf_html(&b, amt);
    sbuf_add(&b, " ");
    sbuf_html(&b, o->currency);
    sbuf_add(&b, "</div><dl>");
    dl_row(&b, L->shop, shop->name, "shop");
    dl_row(&b, L->order, o->merchant_order_id[0] ? o->merchant_order_id : "-", "order");
    const struct pay_method *m = method_find(o->payment_system);
    if (m)
        dl_row(&b, L->method, L == &lang_en ? m->name_en : m->name_ru, "method");
    sbuf_add(&b, "<dt>");
    sbuf_html(&b, L->status);
    sbuf_printf(&b, "</dt><dd><span class=\"status st-%d\" id=\"status\" data-status=\"%s\">", st,
                order_status_name(o->status));
    sbuf_html(&b, status_text(L, o->status));
    sbuf_add(&b, "</span></dd>");
    if (pending)
        dl_row(&b, L->time_left, ttl_text, "ttl");
    sbuf_add(&b, "</dl>");

    /* No method yet (createOrder without one, or with one nothing here
     * serves): the payer chooses, as on the hosted form's chooser. */
    bool choosing = order_awaits_method(o);
    if (choosing) {
        struct method_switches sw;
        err = query_method_switches(o->shop_id, &sw);
        if (err != KASSA_OK) {
            sbuf_free(&b);
            error_page(req, 500, L, "Internal server error");
            return HTTP_DONE;
        }
        char action[192];
        bool ql = qlang != NULL && (strcmp(qlang, "en") == 0 || strcmp(qlang, "ru") == 0);
        snprintf(action, sizeof action, "%smethod%s%s", base, ql ? "?lang=" : "", ql ? qlang : "");
        sbuf_add(&b, "<h2 style=\"font-size:16px\" id=\"choose\">");
        sbuf_html(&b, L->choose);
        sbuf_add(&b, "</h2>");
        if (note != NULL) {
            sbuf_add(&b, "<p class=\"note\" id=\"refused\">");
            sbuf_html(&b, note);
            sbuf_add(&b, "</p>");
        }
        sbuf_add(&b, "<nav class=\"methods\" id=\"methods\">");
        methods_nav(&b, &sw, o->test, L, "post", action, NULL);
        sbuf_add(&b, "</nav>");
    }
    const struct requisite *r = shown_requisite(o, rbuf, L);
    if (pending && r != NULL) {
        sbuf_add(&b, "<section class=\"req\" id=\"requisite\"><div>");
        sbuf_html(&b, L->pay_to);
        sbuf_add(&b, "</div><dl>");
        sbuf_add(&b, "<dt>");
        sbuf_html(&b, value_label(L, r->type));
        sbuf_add(&b, "</dt><dd class=\"value\" id=\"requisite-value\">");
        sbuf_html(&b, r->value);
        sbuf_add(&b, "</dd>");
        dl_row(&b, L->bank, L == &lang_en && r->bank_name_en[0] ? r->bank_name_en : r->bank_name_ru,
               "bank");
        dl_row(&b, L->holder, r->owner_full_name, "holder");
        sbuf_add(&b, "</dl></section>");
        if (is_sbp(o, r)) {
            sbuf_add(&b, "<div class=\"qr\"><img id=\"qr\" alt=\"QR\" src=\"/pay/qr/");
            sbuf_printf(&b, "%lld/%s/dark.png\"><div>", (long long)o->id, o->pay_token);
            sbuf_html(&b, L->scan);
            sbuf_add(&b, "</div></div>");
        }
    }
    if (pending && o->test && !choosing) {
        sbuf_add(&b, "<section class=\"test\" id=\"sandbox\"><p>");
        sbuf_html(&b, L->test_note);
        sbuf_add(&b, "</p><form method=\"post\" action=\"");
        sbuf_add(&b, base);
        sbuf_add(&b, "pay\" style=\"display:inline\"><button class=\"pay\" id=\"pay\" "
                     "type=\"submit\">");
        sbuf_html(&b, L->pay_btn);
        sbuf_add(&b, "</button></form><form method=\"post\" action=\"");
        sbuf_add(&b, base);
        sbuf_add(&b, "fail\" style=\"display:inline\"><button class=\"fail\" id=\"fail\" "
                     "type=\"submit\">");
        sbuf_html(&b, L->fail_btn);
        sbuf_add(&b, "</button></form></section>");
    }
    if (after != NULL) {
        sbuf_add(&b, "<p><a class=\"btn\" id=\"back\" href=\"");
        sbuf_html(&b, after);
        sbuf_add(&b, "\">");
        sbuf_html(&b, L->redirect);
        sbuf_add(&b, "</a></p>");
    }
    /* Receipt items, when the order has them. */
    struct sbuf items;
    sbuf_init(&items, PAGE_LIMIT);
    void *ctx[2] = {&items, o->currency};
    query_receipt_items(o->id, receipt_row, ctx);
    if (items.len > 0 && !items.failed) {
        sbuf_add(&b, "<h2 style=\"font-size:16px\">");
        sbuf_html(&b, L->items);
        sbuf_add(&b, "</h2><table id=\"items\">");
        sbuf_addn(&b, items.buf, items.len);
        sbuf_add(&b, "</table>");
    }
    sbuf_free(&items);
    if (pending) {
        /* Count down and poll the status; reload when it changes. */
        sbuf_printf(&b,
                    "<script>(function(){var left=%lld,st=%d,el=document.getElementById('ttl');"
                    "function pad(n){return (n<10?'0':'')+n}"
                    "setInterval(function(){if(left>0)left--;if(el)el.textContent="
                    "pad(Math.floor(left/3600))+':'+pad(Math.floor(left%%3600/60))+':'+"
                    "pad(left%%60)},1000);"
                    "setInterval(function(){fetch('%sstatus',{cache:'no-store'}).then("
                    "function(r){return r.json()}).then(function(j){if(j.status!==st)"
                    "location.reload()}).catch(function(){})},3000)})()</script>",
                    (long long)ttl, st, base);
    }
    page_close(&b);
    send_page(req, 200, &b);
    return HTTP_DONE;
}

static enum http_action payer_status(struct http_req *req, int64_t id, const char *token)
{
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    kassa_err err = o ? load_paid_order(id, token, o, NULL) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kint(&w, "status", tegro_status(o->status));
    jw_kstr(&w, "state", order_status_name(o->status));
    jw_kint(&w, "ttl", o->status == ORDER_PENDING ? order_ttl_left(o) : 0);
    jw_obj_end(&w);
    http_add_header(req, "Cache-Control", "no-store");
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- the payer chooses the order's method -------------------------------- */

struct choose_cmd {
    struct order_method_cmd m;
    char token[TOKEN_SIZE];
    char lang[8]; /* the page's ?lang, "" none */
};

static void chosen(struct http_req *req, struct writer_cmd *base, kassa_err err)
{
    struct choose_cmd *cc = (struct choose_cmd *)base;
    const struct order *o = &cc->m.order;
    const struct lang *L = lang_pick(cc->lang, o->lang);
    char note[160];
    switch (err) {
    case KASSA_OK:
    case KASSA_ESTATE: { /* chosen before (another tab): the page shows how it stands */
        log_info("payer chose a method", "id=%lld payment_system=%d requisite_id=%lld err=%s",
                 (long long)cc->m.order_id, cc->m.payment_system, (long long)o->requisite_id,
                 kassa_err_name(err));
        char loc[192];
        snprintf(loc, sizeof loc, "/pay/complete/%lld/%s/%s%s", (long long)cc->m.order_id,
                 cc->token, cc->lang[0] ? "?lang=" : "", cc->lang);
        http_add_header(req, "Location", loc);
        static const char body[] = "See Other";
        http_reply(req, 303, "text/plain; charset=utf-8", body, sizeof body - 1);
        return;
    }
    case KASSA_EINVAL:
        snprintf(note, sizeof note, "%s %d",
                 L == &lang_en ? "Not available, choose another method:"
                               : "Недоступно, выберите другой способ:",
                 cc->m.payment_system);
        payer_page(req, cc->m.order_id, cc->token, note);
        return;
    case KASSA_EUNAVAILABLE:
        snprintf(note, sizeof note, "%s",
                 L == &lang_en ? "This method cannot take payments right now, choose another:"
                               : "Этот способ сейчас не принимает платежи, выберите другой:");
        payer_page(req, cc->m.order_id, cc->token, note);
        return;
    case KASSA_ENOTFOUND:
        error_page(req, 404, L, "Payment not found");
        return;
    default:
        error_page(req, 500, L, "Internal server error");
    }
}

/* POST /pay/complete/{id}/{token}/method, form payment_system=N: the
 * chooser on the order's page. */
static enum http_action payer_choose(struct http_req *req, int64_t id, const char *token)
{
    char msg[256];
    struct form *f = arena_calloc(&req->arena, sizeof *f);
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    struct choose_cmd *cc = arena_calloc(&req->arena, sizeof *cc);
    kassa_err err = (f && o && cc) ? load_paid_order(id, token, o, NULL) : KASSA_ENOMEM;
    const char *qlang = http_query(req, "lang");
    const struct lang *L = lang_pick(qlang, o ? o->lang : NULL);
    if (err == KASSA_ENOTFOUND) {
        error_page(req, 404, L, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    if (!form_parse(&req->arena, req->body, req->body_len, f, msg, sizeof msg)) {
        error_page(req, 400, L, "Bad form body: %s", msg);
        return HTTP_DONE;
    }
    const char *ps = form_get(f, "payment_system");
    char *end = NULL;
    long v = ps != NULL && *ps >= '1' && *ps <= '9' ? strtol(ps, &end, 10) : 0;
    if (v <= 0 || v > 1000000 || *end != '\0') {
        error_page(req, 400, L, "Missing or bad parameter: payment_system");
        return HTTP_DONE;
    }
    cc->m.base.apply = order_method_apply;
    cc->m.order_id = o->id;
    cc->m.payment_system = (int)v;
    core_copy(cc->token, sizeof cc->token, token);
    if (qlang != NULL && (strcmp(qlang, "en") == 0 || strcmp(qlang, "ru") == 0))
        core_copy(cc->lang, sizeof cc->lang, qlang);
    return submit_and_render(req, &cc->m.base, chosen);
}

/* ---- sandbox buttons ---------------------------------------------------- */

static void sandbox_done(struct http_req *req, struct writer_cmd *base, kassa_err err)
{
    struct order_transition_cmd *cmd = (struct order_transition_cmd *)base;
    const struct order *o = &cmd->order;
    const struct lang *L = lang_pick(o->lang, NULL);
    if (err == KASSA_ESTATE) {
        error_page(req, 409, L, "%s", L->not_payable);
        return;
    }
    if (err == KASSA_ENOTFOUND) {
        error_page(req, 404, L, "Payment not found");
        return;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return;
    }
    log_info("sandbox payment", "id=%lld status=%s", (long long)o->id,
             order_status_name(o->status));
    char loc[URL_SIZE];
    if (o->status == ORDER_COMPLETED && o->success_url[0])
        core_copy(loc, sizeof loc, o->success_url);
    else if (o->status != ORDER_COMPLETED && o->fail_url[0])
        core_copy(loc, sizeof loc, o->fail_url);
    else
        snprintf(loc, sizeof loc, "/pay/complete/%lld/%s/", (long long)o->id, o->pay_token);
    http_add_header(req, "Location", loc);
    static const char body[] = "See Other";
    http_reply(req, 303, "text/plain; charset=utf-8", body, sizeof body - 1);
}

static enum http_action sandbox_press(struct http_req *req, int64_t id, const char *token, bool pay)
{
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    kassa_err err = (o && cmd) ? load_paid_order(id, token, o, NULL) : KASSA_ENOMEM;
    const struct lang *L = lang_pick(o ? o->lang : NULL, NULL);
    if (err == KASSA_ENOTFOUND) {
        error_page(req, 404, L, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    if (!o->test) {
        error_page(req, 403, L, "Only test orders are paid through the sandbox");
        return HTTP_DONE;
    }
    cmd->base.apply = order_transition_apply;
    cmd->order_id = o->id;
    cmd->to = pay ? ORDER_COMPLETED : ORDER_FAILED;
    cmd->actor = ACTOR_PROVIDER;
    return submit_and_render(req, &cmd->base, sandbox_done);
}

/* ---- QR images ---------------------------------------------------------- */

/* Replace '|' (the ST00012 separator) so a value cannot add fields. */
static void st_value(struct sbuf *b, const char *s)
{
    for (; *s; s++)
        sbuf_addn(b, *s == '|' ? "/" : s, 1);
}

static enum http_action qr_image(struct http_req *req, int64_t id, const char *token,
                                 const char *file)
{
    bool inverted;
    if (strcmp(file, "/dark.png") == 0)
        inverted = false;
    else if (strcmp(file, "/light.png") == 0)
        inverted = true;
    else {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct requisite *rbuf = arena_calloc(&req->arena, sizeof *rbuf);
    kassa_err err = (o && shop && rbuf) ? load_paid_order(id, token, o, shop) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    /* A requisite: a GOST R 56042 (ST00012, UTF-8) payment string that
     * bank apps read. Otherwise the payer page's URL. */
    const struct requisite *r = shown_requisite(o, rbuf, lang_pick(o->lang, NULL));
    struct sbuf text;
    sbuf_init(&text, 8192);
    if (r != NULL) {
        sbuf_add(&text, "ST00012|Name=");
        st_value(&text, r->owner_full_name);
        sbuf_add(&text, "|PersonalAcc=");
        st_value(&text, r->value);
        sbuf_add(&text, "|BankName=");
        st_value(&text, r->bank_name_ru);
        sbuf_printf(&text, "|Sum=%lld|Purpose=", (long long)o->amount);
        st_value(&text, shop->name);
        sbuf_printf(&text, " #%lld", (long long)o->id);
    } else {
        char url[URL_SIZE + 128];
        tegro_pay_url(o, url, sizeof url);
        sbuf_add(&text, url);
    }
    size_t tlen, plen = 0;
    char *t = sbuf_finish(&text, &tlen);
    unsigned char *png = t ? qr_png(t, 8, inverted, &plen) : NULL;
    free(t);
    if (png == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    http_add_header(req, "Cache-Control", "private, max-age=300");
    http_reply_owned(req, 200, "image/png", (char *)png, plen);
    return HTTP_DONE;
}

/* ---- routing ------------------------------------------------------------ */

enum http_action pages_handle(struct http_req *req)
{
    const char *p = req->path;
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    const char *rest;
    int64_t id;
    char token[TOKEN_SIZE];
    if (strcmp(p, "/pay") == 0 || strcmp(p, "/pay/") == 0) {
        if (get)
            return pay_entry(req);
        if (post) /* some forms post the GET fields to /pay/ */
            return pay_form(req);
    } else if (strcmp(p, "/pay/form") == 0 || strcmp(p, "/pay/form/") == 0) {
        if (post)
            return pay_form(req);
    } else if ((rest = path_after(p, "/pay/complete/")) != NULL) {
        const char *tail;
        if (parse_id_token(rest, &id, token, &tail)) {
            if (get && (strcmp(tail, "/") == 0 || tail[0] == '\0'))
                return payer_page(req, id, token, NULL);
            if (get && strcmp(tail, "/status") == 0)
                return payer_status(req, id, token);
            if (post && strcmp(tail, "/pay") == 0)
                return sandbox_press(req, id, token, true);
            if (post && strcmp(tail, "/fail") == 0)
                return sandbox_press(req, id, token, false);
            if (post && strcmp(tail, "/method") == 0)
                return payer_choose(req, id, token);
        }
        error_page(req, 404, &lang_ru, "Payment not found");
        return HTTP_DONE;
    } else if ((rest = path_after(p, "/pay/qr/")) != NULL) {
        const char *tail;
        if (get && parse_id_token(rest, &id, token, &tail))
            return qr_image(req, id, token, tail);
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    } else {
        error_page(req, 404, &lang_ru, "Not found");
        return HTTP_DONE;
    }
    error_page(req, 405, &lang_ru, "Method not allowed");
    return HTTP_DONE;
}

/* ---- admin: per-shop method switches ------------------------------------ */

static void render_method(struct jw *w, const struct pay_method *m, bool enabled)
{
    jw_obj(w);
    jw_kint(w, "payment_system", m->id);
    jw_kstr(w, "name", m->name_en);
    jw_kstr(w, "provider", m->provider == PROVIDER_REQUISITES ? "requisites" : "none");
    jw_kstr_or_null(w, "requisite_type", m->requisite_type);
    jw_kbool(w, "enabled", enabled);
    jw_obj_end(w);
}

static void method_set_done(struct http_req *req, struct writer_cmd *base, kassa_err err)
{
    struct method_set_cmd *cmd = (struct method_set_cmd *)base;
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id); /* its entries carry the switches */
    log_info("shop method switched", "shop=%lld payment_system=%d enabled=%d",
             (long long)cmd->shop_id, cmd->method_id, cmd->enabled);
    struct jw w;
    jw_init(&w, 4096);
    render_method(&w, method_find(cmd->method_id), cmd->enabled);
    reply_jw(req, 200, &w);
}

enum http_action admin_shop_methods(struct http_req *req, const char *rest)
{
    char *end;
    long long shop_id = strtoll(rest, &end, 10);
    if (rest[0] < '1' || rest[0] > '9' || strncmp(end, "/methods", 8) != 0) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    const char *tail = end + 8;
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct method_switches sw;
    kassa_err err = shop ? query_shop(shop_id, shop) : KASSA_ENOMEM;
    if (err == KASSA_OK)
        err = query_method_switches(shop_id, &sw);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if ((tail[0] == '\0' || strcmp(tail, "/") == 0) && strcmp(req->method, "GET") == 0) {
        size_t n;
        const struct pay_method *t = method_table(&n);
        struct jw w;
        jw_init(&w, REPLY_JSON_LIMIT);
        jw_arr(&w);
        for (size_t i = 0; i < n; i++)
            render_method(&w, &t[i], method_enabled(&sw, t[i].id));
        jw_arr_end(&w);
        reply_jw(req, 200, &w);
        return HTTP_DONE;
    }
    if (tail[0] != '/' || strcmp(req->method, "PUT") != 0) {
        reply_error(req, tail[0] == '/' ? 405 : 404,
                    tail[0] == '/' ? "method not allowed" : "Not found");
        return HTTP_DONE;
    }
    char *mend;
    long ps = strtol(tail + 1, &mend, 10);
    const struct pay_method *m = NULL;
    if (tail[1] < '0' || tail[1] > '9' || *mend != '\0' || (m = method_find((int)ps)) == NULL) {
        reply_error(req, 404, "Unknown payment system '%.32s'", tail + 1);
        return HTTP_DONE;
    }
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_t *en = json_object_get(root, "enabled");
    if (!json_is_boolean(en)) {
        json_decref(root);
        reply_error(req, 400, "enabled: required, true or false");
        return HTTP_DONE;
    }
    struct method_set_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->base.apply = method_set_apply;
    cmd->shop_id = shop_id;
    cmd->method_id = m->id;
    cmd->enabled = json_is_true(en);
    json_decref(root);
    return submit_and_render(req, &cmd->base, method_set_done);
}
