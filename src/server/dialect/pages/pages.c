/* pages.c: the payer's pages and the payment QR images (the hosted
 * payment form that creates orders is tegro's: dialect/tegro/form.c).
 *
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

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "dialect/form.h"
#include "dialect/html.h"
#include "pages_qr.h"
#include "dialect/reply.h"

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
 * order (core's order_requisite). NULL when none. */
static const struct requisite *shown_requisite(const struct order *o, struct requisite *buf,
                                               const struct lang *L)
{
    return order_requisite(o, L == &lang_en, buf);
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
    int st = page_status(o->status);
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
    if (buf_len(&items.buf) > 0 && !items.failed) {
        sbuf_add(&b, "<h2 style=\"font-size:16px\">");
        sbuf_html(&b, L->items);
        sbuf_add(&b, "</h2><table id=\"items\">");
        sbuf_addn(&b, buf_ptr(&items.buf), buf_len(&items.buf));
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
    jw_kint(&w, "status", page_status(o->status));
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

static void chosen(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct choose_cmd *cc = container_of(task, struct choose_cmd, m.task);
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
    cc->m.task.run = order_method_apply;
    cc->m.order_id = o->id;
    cc->m.payment_system = (int)v;
    core_copy(cc->token, sizeof cc->token, token);
    if (qlang != NULL && (strcmp(qlang, "en") == 0 || strcmp(qlang, "ru") == 0))
        core_copy(cc->lang, sizeof cc->lang, qlang);
    return submit_and_render(req, &cc->m.task, chosen);
}

/* ---- sandbox buttons ---------------------------------------------------- */

static void sandbox_done(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
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
    cmd->task.run = order_transition_apply;
    cmd->order_id = o->id;
    cmd->to = pay ? ORDER_COMPLETED : ORDER_FAILED;
    cmd->actor = ACTOR_PROVIDER;
    return submit_and_render(req, &cmd->task, sandbox_done);
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
        dialect_pay_url(o, url, sizeof url);
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

static enum http_action pages_handle(struct http_req *req)
{
    const char *p = req->path;
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    const char *rest;
    int64_t id;
    char token[TOKEN_SIZE];
    if ((rest = path_after(p, "/pay/complete/")) != NULL) {
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

/* ---- the registry's entry ----------------------------------------------- */

static const struct dialect_route routes[] = {
    {.path = "/pay", .handle = pages_handle},
};

const struct dialect dialect_pages = {
    .name = "pages",
    .id = 4, /* it makes no orders; the number is its all the same */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
