/* form.c: Tegro's hosted payment form (the tegro wire contract, "Hosted
 * payment form"): a signed link or form creates the order and sends the
 * payer to its page.
 *
 *   GET  /pay/?shop_id&amount&order_id&currency&sign[&test&lang&payment_system&..._url]
 *   POST /pay/form/                       form-encoded, creates the order
 *
 * Without a usable payment_system the payer first chooses among the shop's
 * methods (each button sends the request's own fields again). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "dialect/form.h"
#include "dialect/html.h"
#include "dialect/reply.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "tegro.h"

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
    char addr[64] = "";
    int retry = 1;
    if (guard_active()) {
        http_client_addr(req, addr, sizeof addr);
        if (guard_locked("tegro-form", addr, p->shop_id, &retry)) {
            char s[16];
            snprintf(s, sizeof s, "%d", retry);
            http_add_header(req, "Retry-After", s);
            error_page(req, 429, L, "Too many failed attempts; try again in %d s", retry);
            return false;
        }
    }
    if (addr[0] == '\0')
        http_client_addr(req, addr, sizeof addr);
    kassa_err err = query_shop_by_key(SHOP_BY_PUBLIC_KEY, p->shop_id, shop);
    if (err == KASSA_ENOTFOUND || (err == KASSA_OK && !shop->active)) {
        guard_fail("tegro-form", addr, "");
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
    const struct shop_dialect *row = tegro_row(shop);
    const char *keys[2], *secrets[2]; /* the pair before too, while a rotation's overlap lasts */
    int pairs = row != NULL ? shop_credentials(row, clock_now(), keys, secrets) : 0, ok = 0;
    for (int i = 0; i < pairs; i++)
        ok |= kassa_tegro_form_verify(kv, n, secrets[i], p->sign) == KASSA_OK;
    if (!ok) {
        guard_fail("tegro-form", addr, p->shop_id);
        error_page(req, 403, L,
                   "Wrong sign: expected md5 of the sorted query string of amount, currency, "
                   "order_id, shop_id%s followed by the shop's secret",
                   p->test != NULL ? ", test" : "");
        return false;
    }
    return true;
}

static void pay_created(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct tegro_create *tc = container_of(task, struct tegro_create, cmd.task);
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
                                   .test = p->test != NULL && strcmp(p->test, "1") == 0,
                                   .unsigned_urls = true};
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
    return submit_and_render(req, &tc->cmd.task, pay_created);
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

enum http_action tegro_form_handle(struct http_req *req)
{
    const char *p = req->path;
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (strcmp(p, "/pay") == 0 || strcmp(p, "/pay/") == 0) {
        if (get)
            return pay_entry(req);
        if (post) /* some forms post the GET fields to /pay/ */
            return pay_form(req);
    } else if (strcmp(p, "/pay/form") == 0 || strcmp(p, "/pay/form/") == 0) {
        if (post)
            return pay_form(req);
    } else {
        error_page(req, 404, &lang_ru, "Not found");
        return HTTP_DONE;
    }
    error_page(req, 405, &lang_ru, "Method not allowed");
    return HTTP_DONE;
}
