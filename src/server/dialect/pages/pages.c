/* pages.c: the payer's pages and the payment QR images (the hosted
 * payment form that creates orders is tegro's: dialect/tegro/form.c).
 *
 *   GET  /pay/complete/{id}/{token}/      the payer's page (payer.c)
 *   GET  /pay/complete/{id}/{token}/status   {"status", "state", "ttl",
 *                                        "confirmed_by_customer"} for its refresh
 *   POST /pay/complete/{id}/{token}/pay | /fail   sandbox buttons (test orders)
 *   POST /pay/complete/{id}/{token}/method   the payer chooses the method of an
 *                                        order created without a usable one
 *   POST /pay/complete/{id}/{token}/confirm  "I have paid" (the panda confirm)
 *   POST /pay/complete/{id}/{token}/receipt  the payer's receipt (multipart
 *                                        field "receipt", JPG or PNG)
 *   GET  /pay/qr/{id}/{token}/dark.png | light.png   (st00012.h: what it carries)
 *   GET  /pay/static/pay.css | pay.js    the pages' stylesheet and script
 *
 * Pages load nothing but these files (no inline CSS or script: the CSP
 * allows none) and a shop's logo; every value from a merchant or payer is
 * HTML-escaped, and the token is compared in constant time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/embedded.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "dialect/form.h"
#include "dialect/html.h"
#include "dialect/reply.h"
#include "pages.h"
#include "pages_qr.h"
#include "dialect/st00012.h"

extern const struct embedded_file pay_static[];
extern const size_t pay_static_count;

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
    jw_kbool(&w, "confirmed_by_customer", o->confirmed_by_customer);
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

/* ---- the payer: "I have paid", the receipt ------------------------------ */

/* Back to the order's page (a 303), with `query` ("" none). */
static void back_to_page(struct http_req *req, const struct order *o, const char *query)
{
    char loc[192];
    snprintf(loc, sizeof loc, "/pay/complete/%lld/%s/%s", (long long)o->id, o->pay_token, query);
    http_add_header(req, "Location", loc);
    static const char body[] = "See Other";
    http_reply(req, 303, "text/plain; charset=utf-8", body, sizeof body - 1);
}

static void confirmed(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    const struct lang *L = lang_pick(cmd->order.lang, NULL);
    /* KASSA_ESTATE: no longer pending (paid or expired meanwhile): the page
     * shows how it stands. */
    if (err != KASSA_OK && err != KASSA_ESTATE) {
        error_page(req, 500, L, "Internal server error");
        return;
    }
    log_info("payer says paid", "id=%lld err=%s", (long long)cmd->order_id, kassa_err_name(err));
    back_to_page(req, &cmd->order, "");
}

/* POST /pay/complete/{id}/{token}/confirm: the payer says the money was
 * sent (confirmed_by_customer, as panda's public confirm). */
static enum http_action payer_confirm(struct http_req *req, int64_t id, const char *token)
{
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    kassa_err err = cmd ? load_paid_order(id, token, &cmd->order, NULL) : KASSA_ENOMEM;
    const struct lang *L = lang_pick(cmd ? cmd->order.lang : NULL, NULL);
    if (err != KASSA_OK) {
        error_page(req, err == KASSA_ENOTFOUND ? 404 : 500, L,
                   err == KASSA_ENOTFOUND ? "Payment not found" : "Internal server error");
        return HTTP_DONE;
    }
    cmd->order_id = cmd->order.id;
    cmd->task.run = order_confirm_apply;
    return submit_and_render(req, &cmd->task, confirmed);
}

struct receipt_upload {
    struct receipt_image_cmd cmd;
    struct order order;
};

static void receipt_stored(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct receipt_upload *u = container_of(task, struct receipt_upload, cmd.task);
    if (err != KASSA_OK) {
        error_page(req, 500, lang_pick(u->order.lang, NULL), "Internal server error");
        return;
    }
    log_info("payer's receipt", "id=%lld content_type=%s size=%zu", (long long)u->order.id,
             u->cmd.content_type, u->cmd.len);
    back_to_page(req, &u->order, "?receipt=1");
}

/* POST /pay/complete/{id}/{token}/receipt, multipart field "receipt": the
 * payer's receipt image, kept with the order for the operator (on a
 * timed-out order it opens a dispute: core's receipt_image_apply). */
static enum http_action payer_receipt(struct http_req *req, int64_t id, const char *token)
{
    struct receipt_upload *u = arena_calloc(&req->arena, sizeof *u);
    kassa_err err = u ? load_paid_order(id, token, &u->order, NULL) : KASSA_ENOMEM;
    const struct lang *L = lang_pick(u ? u->order.lang : NULL, NULL);
    if (err != KASSA_OK) {
        error_page(req, err == KASSA_ENOTFOUND ? 404 : 500, L,
                   err == KASSA_ENOTFOUND ? "Payment not found" : "Internal server error");
        return HTTP_DONE;
    }
    const struct order *o = &u->order;
    if (o->status != ORDER_PENDING && o->status != ORDER_EXPIRED) {
        error_page(req, 409, L, "%s", L->not_payable);
        return HTTP_DONE;
    }
    const char *ct = http_header(req, "Content-Type");
    struct form_part part;
    size_t pos = 0;
    bool found = false;
    while (!found && form_multipart_next(ct, req->body, req->body_len, &pos, &part))
        found = form_part_is(&part, "receipt");
    if (!found || part.len == 0) {
        error_page(req, 400, L,
                   L == &lang_en ? "Choose the receipt's image (JPG or PNG) first"
                                 : "Сначала выберите изображение чека (JPG или PNG)");
        return HTTP_DONE;
    }
    if (part.len > RECEIPT_IMAGE_MAX) {
        error_page(req, 413, L,
                   L == &lang_en ? "The receipt is larger than 3 MB" : "Чек больше 3 МБ");
        return HTTP_DONE;
    }
    u->cmd.content_type = receipt_image_type(part.data, part.len);
    if (u->cmd.content_type == NULL) {
        error_page(req, 415, L,
                   L == &lang_en ? "Only JPG and PNG images are accepted"
                                 : "Принимаются только изображения JPG и PNG");
        return HTTP_DONE;
    }
    u->cmd.order_id = o->id;
    u->cmd.data = part.data;
    u->cmd.len = part.len;
    u->cmd.task.run = receipt_image_apply;
    return submit_and_render(req, &u->cmd.task, receipt_stored);
}

/* ---- the pages' stylesheet and script ------------------------------------ */

static enum http_action static_file(struct http_req *req, const char *name)
{
    const struct embedded_file *f = NULL;
    for (size_t i = 0; i < pay_static_count; i++)
        if (strcmp(pay_static[i].name, name) == 0)
            f = &pay_static[i];
    if (f == NULL) {
        error_page(req, 404, &lang_ru, "Not found");
        return HTTP_DONE;
    }
    const char *type =
        strstr(name, ".css") != NULL ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    const char *inm = http_header(req, "If-None-Match");
    http_add_header(req, "ETag", f->etag);
    http_add_header(req, "Cache-Control", "public, max-age=300");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    if (inm != NULL && strstr(inm, f->etag) != NULL)
        http_reply(req, 304, NULL, NULL, 0);
    else
        http_reply(req, 200, type, f->data, f->len);
    return HTTP_DONE;
}

/* ---- QR images ---------------------------------------------------------- */

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
    /* What a bank app accepts (st00012.h), as the page says. */
    const struct requisite *r = shown_requisite(o, rbuf, lang_pick(o->lang, NULL));
    struct sbuf text;
    sbuf_init(&text, 8192);
    char payload[URL_SIZE + 1024];
    pay_qr_text(o, r, shop->name, payload, sizeof payload);
    sbuf_add(&text, payload);
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
            if (post && strcmp(tail, "/confirm") == 0)
                return payer_confirm(req, id, token);
            if (post && strcmp(tail, "/receipt") == 0)
                return payer_receipt(req, id, token);
        }
        error_page(req, 404, &lang_ru, "Payment not found");
        return HTTP_DONE;
    } else if ((rest = path_after(p, PAY_STATIC)) != NULL && get) {
        return static_file(req, rest);
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
