/* tegro.c: the Tegro.money REST dialect (spec/tegro.md): POST /api/<method>/
 * with a Bearer HMAC-SHA256 of the raw body under the shop's tegro api_key,
 * answered in {"type","desc","data"} envelopes with HTTP 200. Wire format
 * only; orders are the core's. Every call records its nonce in the store
 * (a replay is refused) in the same writer batch as what it changes. */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "kassa/json.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "dialect/reply.h"
#include "internal.h"
#include "tegro.h"

#define NONCE_WINDOW 86400 /* a time-like nonce within this of the clock */
#define ORDERS_PAGE_SIZE 50

/* ---- envelopes ---------------------------------------------------------- */

static void tegro_error(struct http_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tegro_error(struct http_req *req, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (strcmp(msg, "Internal server error") == 0 && core_db_unavailable_lately())
        /* The database is down, or was when this request failed: say it
         * is worth retrying, as the panda and admin APIs do. */
        snprintf(msg, sizeof msg, "database unavailable, try again shortly");
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kstr(&w, "type", "error");
    jw_kstr(&w, "desc", msg);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

/* Open {"type":"success","desc":"","data": ; the caller writes the data and
 * closes with jw_obj_end. */
static void envelope_open(struct jw *w)
{
    jw_init(w, REPLY_JSON_LIMIT);
    jw_obj(w);
    jw_kstr(w, "type", "success");
    jw_kstr(w, "desc", "");
    jw_key(w, "data");
}

/* ---- authentication and the nonce --------------------------------------- */

struct tegro_ctx {
    struct shop shop;
    json_t *root;
    struct request_nonce nonce;
};

/* Check a nonce's text: digits with an optional fraction. A time-like
 * integer part (10/13/16/19 digits) must lie within a day of the clock. */
static bool nonce_check(const char *nonce, char *msg, size_t msglen)
{
    size_t int_digits = 0, frac = 0;
    const char *p = nonce;
    while (*p >= '0' && *p <= '9') {
        p++;
        int_digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            frac++;
        }
        if (frac == 0)
            int_digits = 0;
    }
    if (int_digits == 0 || *p != '\0') {
        snprintf(msg, msglen, "Wrong nonce: must be an integer or a decimal number");
        return false;
    }
    if (int_digits == 10 || int_digits == 13 || int_digits == 16 || int_digits == 19) {
        long long secs = 0;
        for (int i = 0; i < 10; i++)
            secs = secs * 10 + (nonce[i] - '0');
        long long now = clock_now();
        if (secs < now - NONCE_WINDOW || secs > now + NONCE_WINDOW) {
            snprintf(msg, msglen,
                     "Wrong nonce: a time nonce must be within 24 hours of the "
                     "server time");
            return false;
        }
    }
    return true;
}

/* Authenticate: shop_id (read from the raw body), the Bearer HMAC over the
 * raw body, then parse the JSON and read the nonce; the replay key hashes
 * `method` with the body. Answers and returns false on any refusal. */
static bool tegro_auth(struct http_req *req, const char *method, struct tegro_ctx *tx)
{
    const char *v;
    size_t n;
    char shop_id[TOKEN_SIZE];
    if (!raw_member(req->body, req->body_len, "shop_id", &v, &n) ||
        !scalar_text(v, n, shop_id, sizeof shop_id) || shop_id[0] == '\0' || v[0] != '"') {
        tegro_error(req, "Empty required param shop_id");
        return false;
    }
    if (tegro_locked_out(req, shop_id))
        return false;
    kassa_err err = query_shop_by_key(SHOP_BY_PUBLIC_KEY, shop_id, &tx->shop);
    if (err == KASSA_ENOTFOUND) {
        tegro_auth_failed(req, ""); /* the address's: one guessing shops */
        tegro_error(req, "Shop not found");
        return false;
    }
    if (err != KASSA_OK) {
        tegro_error(req, "Internal server error");
        return false;
    }
    const char *auth = http_header(req, "Authorization");
    const struct shop_dialect *row = tegro_row(&tx->shop);
    const char *keys[2], *secrets[2]; /* the pair before too, while a rotation's overlap lasts */
    int pairs = row != NULL ? shop_credentials(row, clock_now(), keys, secrets) : 0, authed = 0;
    for (int i = 0; i < pairs && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0; i++)
        authed |= kassa_tegro_rest_verify(keys[i], req->body, req->body_len, auth + 7) == KASSA_OK;
    if (!authed) {
        tegro_auth_failed(req, shop_id);
        tegro_error(req, "Wrong authorization token");
        return false;
    }
    if (!tx->shop.active) {
        tegro_error(req, "Shop is disabled");
        return false;
    }
    reply_who(req, "shop:%lld", (long long)tx->shop.id);
    if (tegro_over_rate(req, &tx->shop))
        return false;
    char msg[512];
    tx->root = parse_json_object_flags(req, JSON_DECODE_INT_AS_REAL, msg, sizeof msg);
    if (tx->root == NULL) {
        tegro_error(req, "Invalid request: %s", msg);
        return false;
    }
    json_t *jn = json_object_get(tx->root, "nonce");
    if (jn == NULL || json_is_null(jn) || (json_is_string(jn) && json_string_length(jn) == 0)) {
        tegro_error(req, "Empty required param nonce");
        goto fail;
    }
    if ((!json_is_string(jn) && !json_is_number(jn)) ||
        !raw_member(req->body, req->body_len, "nonce", &v, &n) ||
        !scalar_text(v, n, tx->nonce.nonce, sizeof tx->nonce.nonce)) {
        tegro_error(req, "Wrong nonce: must be an integer or a decimal number");
        goto fail;
    }
    tx->nonce.has = true;
    if (!nonce_check(tx->nonce.nonce, msg, sizeof msg)) {
        tegro_error(req, "%s", msg);
        goto fail;
    }
    /* The request is the method and the body: the seed's recipe sends the
     * same {"shop_id","nonce"} body to shops, balance and orders within one
     * second, and those are three requests, not a replay. */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int hl = 32;
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(md, method, strlen(method) + 1) == 1 &&
              EVP_DigestUpdate(md, req->body, req->body_len) == 1 &&
              EVP_DigestFinal_ex(md, tx->nonce.body_hash, &hl) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        tegro_error(req, "Internal server error");
        goto fail;
    }
    return true;
fail:
    json_decref(tx->root);
    tx->root = NULL;
    return false;
}

/* ---- reads: the answer is rendered first, sent once the nonce committed -- */

struct read_cmd {
    struct nonce_cmd cmd;
    char *answer; /* malloc'ed JSON */
    size_t len;
};

static void read_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct read_cmd *rc = container_of(task, struct read_cmd, cmd.task);
    if (err == KASSA_OK) {
        http_reply_owned(req, 200, "application/json", rc->answer, rc->len);
        rc->answer = NULL;
        return;
    }
    free(rc->answer);
    rc->answer = NULL;
    if (err == KASSA_EAUTH_REPLAY)
        tegro_error(req, "Nonce already used");
    else
        tegro_error(req, "Internal server error");
}

/* Finish the envelope in w and send it after the nonce is recorded. */
static enum http_action send_after_nonce(struct http_req *req, struct tegro_ctx *tx, struct jw *w)
{
    jw_obj_end(w);
    struct read_cmd *rc = arena_calloc(&req->arena, sizeof *rc);
    size_t len;
    char *body = jw_finish(w, &len);
    if (rc == NULL || body == NULL) {
        free(body);
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    rc->cmd.task.run = nonce_apply;
    rc->cmd.shop_id = tx->shop.id;
    rc->cmd.nonce = tx->nonce;
    rc->answer = body;
    rc->len = len;
    return submit_and_render(req, &rc->cmd.task, read_rendered);
}

static void render_order(struct jw *w, const struct order *o)
{
    char t[32];
    const kassa_currency *cur = kassa_currency_find(o->currency);
    jw_obj(w);
    jw_kint(w, "id", o->id);
    clock_format(o->created_at, CLOCK_SQL, t, sizeof t);
    jw_kstr(w, "date_created", t);
    if (o->paid_at) {
        clock_format(o->paid_at, CLOCK_SQL, t, sizeof t);
        jw_kstr(w, "date_payed", t);
    } else {
        jw_knull(w, "date_payed");
    }
    jw_kint(w, "status", tegro_status(o->status));
    /* a panda order has a requisite type, not a method: its catalogue id */
    const struct pay_method *m =
        o->payment_system == 0 ? method_for_requisite_type(o->requisite_type) : NULL;
    jw_kint(w, "payment_system_id", m ? m->id : o->payment_system);
    jw_kint(w, "currency_id", cur ? cur->tegro_id : 0);
    jw_kmoney(w, "amount", o->amount, o->currency, 8, false);
    jw_kmoney(w, "fee", o->fee, o->currency, 8, false);
    jw_kstr(w, "email", o->email);
    jw_kint(w, "test_order", o->test ? 1 : 0);
    jw_kstr(w, "payment_id", o->merchant_order_id);
    jw_obj_end(w);
}

static bool shop_one(void *arg, const struct shop *s)
{
    struct jw *w = arg;
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", s->id);
    clock_format(s->created_at, CLOCK_SQL, t, sizeof t);
    jw_kstr(w, "date_added", t);
    jw_kstr(w, "name", s->name);
    jw_kstr(w, "url", s->url);
    jw_kint(w, "status", s->active ? 1 : 0);
    jw_kstr(w, "public_key", s->public_key);
    jw_kstr(w, "desc", s->name);
    jw_obj_end(w);
    return !w->failed;
}

static enum http_action m_shops(struct http_req *req, struct tegro_ctx *tx)
{
    struct jw w;
    envelope_open(&w);
    jw_obj(&w);
    jw_kint(&w, "user_id", tx->shop.merchant_id);
    jw_key(&w, "shops");
    jw_arr(&w);
    kassa_err err = query_merchant_shops(tx->shop.merchant_id, shop_one, &w);
    if (err != KASSA_OK) {
        jw_free(&w);
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    return send_after_nonce(req, tx, &w);
}

struct balance_ctx {
    const char *code[64];
    int64_t available[64];
    size_t n;
};

static bool balance_one(void *arg, const char *currency, int64_t available, int64_t held)
{
    (void)held;
    struct balance_ctx *bc = arg;
    size_t tn;
    const kassa_currency *t = kassa_currency_table(&tn);
    for (size_t i = 0; i < tn && i < 64; i++)
        if (strcmp(t[i].code, currency) == 0)
            bc->available[i] = available;
    return true;
}

static enum http_action m_balance(struct http_req *req, struct tegro_ctx *tx)
{
    struct balance_ctx bc;
    memset(&bc, 0, sizeof bc);
    kassa_err err = query_balances(tx->shop.id, balance_one, &bc);
    if (err != KASSA_OK) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    size_t tn;
    const kassa_currency *t = kassa_currency_table(&tn);
    struct jw w;
    envelope_open(&w);
    jw_obj(&w);
    jw_kint(&w, "user_id", tx->shop.merchant_id);
    jw_key(&w, "balance");
    jw_obj(&w);
    for (size_t i = 0; i < tn && i < 64; i++)
        jw_kmoney(&w, t[i].code, bc.available[i], t[i].code, 2, false);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return send_after_nonce(req, tx, &w);
}

/* order_id / payment_id may be a JSON number or string: its exact text. */
static bool id_text(struct http_req *req, json_t *root, const char *key, char *dst, size_t size,
                    bool *found)
{
    char msg[128];
    json_t *v = json_object_get(root, key);
    *found = false;
    dst[0] = '\0';
    if (v == NULL || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        if (json_string_length(v) >= size)
            return false;
        snprintf(dst, size, "%s", json_string_value(v));
        *found = dst[0] != '\0';
        return true;
    }
    if (!json_decimal_text(req, root, key, dst, size, found, msg, sizeof msg))
        return false;
    return true;
}

struct last_ctx {
    struct order *o;
    bool found;
};

static bool keep_last(void *arg, const struct order *o)
{
    struct last_ctx *lc = arg;
    *lc->o = *o;
    lc->found = true;
    return true;
}

static enum http_action m_order(struct http_req *req, struct tegro_ctx *tx)
{
    char oid[TEXT_SIZE], pid[TEXT_SIZE];
    bool has_oid, has_pid;
    if (!id_text(req, tx->root, "order_id", oid, sizeof oid, &has_oid)) {
        tegro_error(req, "Wrong order_id");
        return HTTP_DONE;
    }
    if (!id_text(req, tx->root, "payment_id", pid, sizeof pid, &has_pid)) {
        tegro_error(req, "Wrong payment_id");
        return HTTP_DONE;
    }
    if (!has_oid && !has_pid) {
        tegro_error(req, "Empty required param order_id or payment_id");
        return HTTP_DONE;
    }
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    kassa_err err = KASSA_ENOTFOUND;
    if (o == NULL) {
        err = KASSA_ENOMEM;
    } else if (has_oid) {
        char *end;
        long long id = strtoll(oid, &end, 10);
        if (*end == '\0' && id > 0 && oid[0] != '+' && oid[0] != '-')
            err = query_shop_order(tx->shop.id, ORDER_BY_ID, NULL, id, o);
    } else {
        struct last_ctx lc = {.o = o};
        err = query_orders_by_merchant_id(tx->shop.id, pid, keep_last, &lc);
        if (err == KASSA_OK && !lc.found)
            err = KASSA_ENOTFOUND;
    }
    if (err == KASSA_ENOTFOUND) {
        tegro_error(req, "Order not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    envelope_open(&w);
    render_order(&w, o);
    return send_after_nonce(req, tx, &w);
}

static bool order_one(void *arg, const struct order *o)
{
    struct jw *w = arg;
    render_order(w, o);
    return !w->failed;
}

static enum http_action m_orders(struct http_req *req, struct tegro_ctx *tx)
{
    char page_text[32];
    bool found;
    char msg[128];
    long long page = 1;
    if (!json_decimal_text(req, tx->root, "page", page_text, sizeof page_text, &found, msg,
                           sizeof msg)) {
        tegro_error(req, "Wrong page: must be a positive integer");
        return HTTP_DONE;
    }
    if (found) {
        char *end;
        page = strtoll(page_text, &end, 10);
        if (*end != '\0' || page < 1 || page > 100000000 || page_text[0] == '+') {
            tegro_error(req, "Wrong page: must be a positive integer");
            return HTTP_DONE;
        }
    }
    struct jw w;
    envelope_open(&w);
    jw_arr(&w);
    kassa_err err = query_orders_page(tx->shop.id, (page - 1) * ORDERS_PAGE_SIZE, ORDERS_PAGE_SIZE,
                                      order_one, &w);
    if (err != KASSA_OK) {
        jw_free(&w);
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    return send_after_nonce(req, tx, &w);
}

static enum http_action m_modules(struct http_req *req, struct tegro_ctx *tx)
{
    struct method_switches sw;
    kassa_err err = query_method_switches(tx->shop.id, &sw);
    if (err != KASSA_OK) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    size_t n;
    const struct pay_method *t = method_table(&n);
    struct jw w;
    envelope_open(&w);
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (!method_usable(&sw, &t[i], false))
            continue;
        jw_obj(&w);
        jw_kint(&w, "id", t[i].id);
        jw_kstr(&w, "name", t[i].name_en);
        jw_kstr(&w, "currency", t[i].currency);
        jw_kstr(&w, "min", t[i].min);
        jw_kstr(&w, "max", t[i].max);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    return send_after_nonce(req, tx, &w);
}

static enum http_action m_rates(struct http_req *req, struct tegro_ctx *tx)
{
    char from[16], to[16], msg[128];
    if (!json_opt_string(tx->root, "from", from, sizeof from, msg, sizeof msg) ||
        !json_opt_string(tx->root, "to", to, sizeof to, msg, sizeof msg)) {
        tegro_error(req, "%s", msg);
        return HTTP_DONE;
    }
    if ((from[0] && !kassa_currency_find(from)) || (to[0] && !kassa_currency_find(to))) {
        tegro_error(req, "Unknown currency %.16s",
                    from[0] && !kassa_currency_find(from) ? from : to);
        return HTTP_DONE;
    }
    size_t n;
    const kassa_currency *t = kassa_currency_table(&n);
    struct jw w;
    envelope_open(&w);
    jw_arr(&w);
    kassa_err err = KASSA_OK;
    for (size_t i = 0; i < n && err == KASSA_OK; i++) {
        if (from[0] && strcmp(from, t[i].code) != 0)
            continue;
        for (size_t k = 0; k < n && err == KASSA_OK; k++) {
            if (i == k || (to[0] && strcmp(to, t[k].code) != 0))
                continue;
            char rate[32];
            err = query_rate(t[i].code, t[k].code, rate);
            if (err == KASSA_ENOTFOUND) {
                err = KASSA_OK;
                continue;
            }
            if (err == KASSA_OK) {
                jw_obj(&w);
                jw_kstr(&w, "from", t[i].code);
                jw_kstr(&w, "to", t[k].code);
                jw_kstr(&w, "rate", rate);
                jw_obj_end(&w);
            }
        }
    }
    if (err != KASSA_OK) {
        jw_free(&w);
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    return send_after_nonce(req, tx, &w);
}

/* ---- createOrder ---------------------------------------------------------- */

static void create_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct tegro_create *tc = container_of(task, struct tegro_create, cmd.task);
    const struct order *o = &tc->cmd.order;
    switch (err) {
    case KASSA_OK: {
        log_info("tegro order created", "id=%lld status=%s replayed=%d", (long long)o->id,
                 order_status_name(o->status), tc->cmd.replayed);
        char url[URL_SIZE + 128];
        dialect_pay_url(o, url, sizeof url);
        struct jw w;
        envelope_open(&w);
        jw_obj(&w);
        jw_kint(&w, "id", o->id);
        jw_kstr(&w, "url", url);
        jw_obj_end(&w);
        jw_obj_end(&w);
        reply_jw(req, 200, &w);
        break;
    }
    case KASSA_EAUTH_REPLAY:
        tegro_error(req, "Nonce already used");
        break;
    case KASSA_ECONFLICT:
        tegro_error(req, "Order already exists");
        break;
    case KASSA_EMONEY_RANGE:
        tegro_error(req, "Amount is smaller than the shop's fee");
        break;
    default:
        tegro_error(req, "Internal server error");
    }
}

/* A string member (or a number's exact text) into dst; "" when absent. */
static bool member_text(struct http_req *req, json_t *obj, const char *doc, size_t doclen,
                        const char *key, char *dst, size_t size, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (v == NULL || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        if (json_string_length(v) >= size ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            snprintf(msg, msglen, "%s: must be at most %zu bytes", key, size - 1);
            return false;
        }
        snprintf(dst, size, "%s", json_string_value(v));
        return true;
    }
    const char *raw;
    size_t n;
    if (json_is_number(v) && raw_member(doc, doclen, key, &raw, &n) && n < size) {
        memcpy(dst, raw, n);
        dst[n] = '\0';
        return true;
    }
    (void)req;
    snprintf(msg, msglen, "Wrong %s: must be a string or a number", key);
    return false;
}

static enum http_action m_create_order(struct http_req *req, struct tegro_ctx *tx)
{
    json_t *root = tx->root;
    char msg[512] = "";
    struct tegro_create *tc = arena_calloc(&req->arena, sizeof *tc);
    char *buf = arena_alloc(&req->arena, 8 * TEXT_SIZE + 4 * URL_SIZE);
    if (tc == NULL || buf == NULL) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    char *currency = buf, *amount = buf + TEXT_SIZE, *order_id = buf + 2 * TEXT_SIZE,
         *ps = buf + 3 * TEXT_SIZE, *email = buf + 4 * TEXT_SIZE, *phone = buf + 5 * TEXT_SIZE,
         *lang = buf + 6 * TEXT_SIZE, *test = buf + 7 * TEXT_SIZE, *success = buf + 8 * TEXT_SIZE,
         *fail = success + URL_SIZE, *notify = fail + URL_SIZE;
    const char *body = req->body;
    size_t blen = req->body_len;
    if (!member_text(req, root, body, blen, "currency", currency, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "amount", amount, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "order_id", order_id, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "payment_system", ps, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "lang", lang, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "test", test, TEXT_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "success_url", success, URL_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "fail_url", fail, URL_SIZE, msg, sizeof msg) ||
        !member_text(req, root, body, blen, "notify_url", notify, URL_SIZE, msg, sizeof msg))
        goto refuse;
    json_t *jt = json_object_get(root, "test");
    bool is_test = json_is_true(jt) || strcmp(test, "1") == 0 || strcmp(test, "true") == 0;
    if (!json_is_boolean(jt) && test[0] && strcmp(test, "0") != 0 && strcmp(test, "1") != 0) {
        snprintf(msg, sizeof msg, "Wrong test: must be 0 or 1");
        goto refuse;
    }

    /* fields {email, phone}: an object (or an empty array, PHP's []). */
    const char *fraw;
    size_t fn;
    json_t *fields = json_object_get(root, "fields");
    email[0] = phone[0] = '\0';
    if (fields != NULL && !json_is_null(fields)) {
        if (json_is_array(fields) && json_array_size(fields) == 0) {
            /* nothing */
        } else if (!json_is_object(fields) || !raw_member(body, blen, "fields", &fraw, &fn)) {
            snprintf(msg, sizeof msg, "Wrong fields: must be an object");
            goto refuse;
        } else if (!member_text(req, fields, fraw, fn, "email", email, TEXT_SIZE, msg,
                                sizeof msg) ||
                   !member_text(req, fields, fraw, fn, "phone", phone, SHORT_SIZE, msg,
                                sizeof msg)) {
            goto refuse;
        }
    }

    /* receipt {items: [{name, count, price}]}: exact numbers from the raw text. */
    json_t *receipt = json_object_get(root, "receipt");
    if (receipt != NULL && !json_is_null(receipt) &&
        !(json_is_array(receipt) && json_array_size(receipt) == 0)) {
        json_t *items = json_is_object(receipt) ? json_object_get(receipt, "items") : NULL;
        const char *rraw, *iraw;
        size_t rn, in;
        const kassa_currency *cur = kassa_currency_find(currency);
        if (cur == NULL) {
            snprintf(msg, sizeof msg, "Unknown currency %.32s", currency);
            goto refuse;
        }
        if (!json_is_array(items) || !raw_member(body, blen, "receipt", &rraw, &rn) ||
            !raw_member(rraw, rn, "items", &iraw, &in)) {
            snprintf(msg, sizeof msg, "Wrong receipt: expected {\"items\": [...]}");
            goto refuse;
        }
        struct receipt_ctx rc = {&tc->receipt, cur->exponent, msg, sizeof msg};
        if (!raw_array_each(iraw, in, receipt_json_item, &rc)) {
            if (msg[0] == '\0')
                snprintf(msg, sizeof msg, "Wrong receipt: expected {\"items\": [...]}");
            goto refuse;
        }
    }

    struct method_switches sw;
    kassa_err err = query_method_switches(tx->shop.id, &sw);
    if (err != KASSA_OK) {
        snprintf(msg, sizeof msg, "Internal server error");
        goto refuse;
    }
    struct tegro_order_input input = {.currency = currency,
                                      .amount = amount,
                                      .order_id = order_id,
                                      .payment_system = ps,
                                      .email = email,
                                      .phone = phone,
                                      .success_url = success,
                                      .fail_url = fail,
                                      .notify_url = notify,
                                      .lang = lang,
                                      .test = is_test};
    if (!tegro_order_fill(tc, &tx->shop, &input, &sw, msg, sizeof msg))
        goto refuse;
    tc->cmd.nonce = tx->nonce;
    order_create_init(&tc->cmd);
    return submit_and_render(req, &tc->cmd.task, create_rendered);
refuse:
    tegro_error(req, "%s", msg);
    return HTTP_DONE;
}

/* ---- withdrawals -------------------------------------------------------- */

static void render_withdrawal(struct jw *w, const struct withdrawal *wd)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", wd->id);
    clock_format(wd->created_at, CLOCK_SQL, t, sizeof t);
    jw_kstr(w, "date_created", t);
    if (wd->completed_at) {
        clock_format(wd->completed_at, CLOCK_SQL, t, sizeof t);
        jw_kstr(w, "date_completed", t);
    } else {
        jw_knull(w, "date_completed");
    }
    jw_kint(w, "status", wd->status);
    jw_kstr(w, "currency", wd->currency);
    jw_kmoney(w, "amount", wd->amount, wd->currency, 8, false);
    jw_kmoney(w, "fee", wd->fee, wd->currency, 8, false);
    jw_kstr(w, "account", wd->account);
    jw_kint(w, "payment_system", wd->payment_system);
    jw_kstr(w, "payment_id", wd->payment_id);
    jw_obj_end(w);
}

struct tegro_withdraw {
    struct withdrawal_create_cmd cmd;
};

static void withdraw_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct tegro_withdraw *tw = container_of(task, struct tegro_withdraw, cmd.task);
    switch (err) {
    case KASSA_OK: {
        log_info("tegro withdrawal", "id=%lld replayed=%d", (long long)tw->cmd.w.id,
                 tw->cmd.replayed);
        struct jw w;
        envelope_open(&w);
        render_withdrawal(&w, &tw->cmd.w);
        jw_obj_end(&w);
        reply_jw(req, 200, &w);
        break;
    }
    case KASSA_EAUTH_REPLAY:
        tegro_error(req, "Nonce already used");
        break;
    case KASSA_ECONFLICT:
        tegro_error(req, "Withdrawal already exists");
        break;
    case KASSA_EFUNDS:
        tegro_error(req, "Insufficient funds");
        break;
    default:
        tegro_error(req, "Internal server error");
    }
}

static enum http_action m_create_withdrawal(struct http_req *req, struct tegro_ctx *tx)
{
    char msg[512] = "", currency[TEXT_SIZE], amount[TEXT_SIZE], ps[TEXT_SIZE];
    struct tegro_withdraw *tw = arena_calloc(&req->arena, sizeof *tw);
    if (tw == NULL) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    struct withdrawal *wd = &tw->cmd.w;
    const char *body = req->body;
    size_t blen = req->body_len;
    if (!member_text(req, tx->root, body, blen, "currency", currency, sizeof currency, msg,
                     sizeof msg) ||
        !member_text(req, tx->root, body, blen, "amount", amount, sizeof amount, msg, sizeof msg) ||
        !member_text(req, tx->root, body, blen, "payment_system", ps, sizeof ps, msg, sizeof msg) ||
        !member_text(req, tx->root, body, blen, "account", wd->account, sizeof wd->account, msg,
                     sizeof msg) ||
        !member_text(req, tx->root, body, blen, "payment_id", wd->payment_id, sizeof wd->payment_id,
                     msg, sizeof msg))
        goto refuse;
    const char *required[][2] = {{"currency", currency},
                                 {"amount", amount},
                                 {"account", wd->account},
                                 {"payment_id", wd->payment_id},
                                 {"payment_system", ps}};
    for (size_t i = 0; i < 5; i++) {
        if (required[i][1][0] == '\0') {
            snprintf(msg, sizeof msg, "Empty required param %s", required[i][0]);
            goto refuse;
        }
    }
    const kassa_currency *cur = kassa_currency_find(currency);
    if (cur == NULL || strlen(currency) >= sizeof wd->currency) {
        snprintf(msg, sizeof msg, "Unknown currency %.32s", currency);
        goto refuse;
    }
    core_copy(wd->currency, sizeof wd->currency, currency);
    kassa_err err =
        kassa_money_parse(amount, strlen(amount), cur->exponent, KASSA_MONEY_POSITIVE, &wd->amount);
    if (err != KASSA_OK) {
        snprintf(msg, sizeof msg, "Wrong amount: %s", kassa_strerror(err));
        goto refuse;
    }
    if (!small_int(ps, &wd->payment_system) || method_find(wd->payment_system) == NULL) {
        snprintf(msg, sizeof msg, "Unknown payment system %.32s", ps);
        goto refuse;
    }
    tw->cmd.shop_id = tx->shop.id;
    tw->cmd.task.run = withdrawal_create_apply;
    if ((err = withdrawal_create_prepare(&tw->cmd)) != KASSA_OK) {
        if (err == KASSA_EAMOUNT_LIMIT) {
            char limit[64];
            core_amount_limit_text(wd->currency, true, limit, sizeof limit);
            snprintf(msg, sizeof msg, "Wrong amount: at most %s", limit);
        } else {
            snprintf(msg, sizeof msg, "%s", kassa_strerror(err));
        }
        goto refuse;
    }
    tw->cmd.nonce = tx->nonce;
    return submit_and_render(req, &tw->cmd.task, withdraw_rendered);
refuse:
    tegro_error(req, "%s", msg);
    return HTTP_DONE;
}

static enum http_action m_withdrawal(struct http_req *req, struct tegro_ctx *tx)
{
    char oid[TEXT_SIZE], pid[TEXT_SIZE];
    bool has_oid, has_pid;
    if (!id_text(req, tx->root, "order_id", oid, sizeof oid, &has_oid) ||
        !id_text(req, tx->root, "payment_id", pid, sizeof pid, &has_pid)) {
        tegro_error(req, "Wrong order_id or payment_id");
        return HTTP_DONE;
    }
    if (!has_oid && !has_pid) {
        tegro_error(req, "Empty required param order_id or payment_id");
        return HTTP_DONE;
    }
    struct withdrawal *wd = arena_calloc(&req->arena, sizeof *wd);
    kassa_err err = KASSA_ENOTFOUND;
    if (wd == NULL) {
        err = KASSA_ENOMEM;
    } else if (has_oid) {
        char *end;
        long long id = strtoll(oid, &end, 10);
        if (*end == '\0' && id > 0 && oid[0] != '+' && oid[0] != '-')
            err = query_withdrawal(tx->shop.id, id, NULL, wd);
    } else {
        err = query_withdrawal(tx->shop.id, 0, pid, wd);
    }
    if (err == KASSA_OK && wd->shop_id != tx->shop.id)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_ENOTFOUND) {
        tegro_error(req, "Withdrawal not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    envelope_open(&w);
    render_withdrawal(&w, wd);
    return send_after_nonce(req, tx, &w);
}

static bool withdrawal_one(void *arg, const struct withdrawal *wd)
{
    struct jw *w = arg;
    render_withdrawal(w, wd);
    return !w->failed;
}

static enum http_action m_withdrawals(struct http_req *req, struct tegro_ctx *tx)
{
    char page_text[32], msg[128];
    bool found;
    long long page = 1;
    if (!json_decimal_text(req, tx->root, "page", page_text, sizeof page_text, &found, msg,
                           sizeof msg)) {
        tegro_error(req, "Wrong page: must be a positive integer");
        return HTTP_DONE;
    }
    if (found) {
        char *end;
        page = strtoll(page_text, &end, 10);
        if (*end != '\0' || page < 1 || page > 10000000 || page_text[0] == '+') {
            tegro_error(req, "Wrong page: must be a positive integer");
            return HTTP_DONE;
        }
    }
    struct jw w;
    envelope_open(&w);
    jw_arr(&w);
    kassa_err err = query_withdrawals_page(tx->shop.id, (int)((page - 1) * ORDERS_PAGE_SIZE),
                                           ORDERS_PAGE_SIZE, withdrawal_one, &w);
    if (err != KASSA_OK) {
        jw_free(&w);
        tegro_error(req, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    return send_after_nonce(req, tx, &w);
}

/* ---- routing ------------------------------------------------------------ */

static enum http_action tegro_handle(struct http_req *req)
{
    const char *m = path_after(req->path, "/api/");
    char name[64];
    size_t n = m ? strcspn(m, "/") : 0;
    if (m == NULL || n == 0 || n >= sizeof name || (m[n] == '/' && m[n + 1] != '\0')) {
        tegro_error(req, "Unknown method");
        return HTTP_DONE;
    }
    memcpy(name, m, n);
    name[n] = '\0';
    if (strcmp(req->method, "POST") != 0) {
        tegro_error(req, "Use POST");
        return HTTP_DONE;
    }
    static const struct {
        const char *name;
        enum http_action (*fn)(struct http_req *, struct tegro_ctx *);
    } methods[] = {
        {"createOrder", m_create_order},
        {"shops", m_shops},
        {"balance", m_balance},
        {"order", m_order},
        {"orders", m_orders},
        {"modules", m_modules},
        {"rates", m_rates},
        {"createWithdrawal", m_create_withdrawal},
        {"withdrawal", m_withdrawal},
        {"withdrawals", m_withdrawals},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strcmp(methods[i].name, name) != 0)
            continue;
        struct tegro_ctx *tx = arena_calloc(&req->arena, sizeof *tx);
        if (tx == NULL) {
            tegro_error(req, "Internal server error");
            return HTTP_DONE;
        }
        if (!tegro_auth(req, methods[i].name, tx))
            return HTTP_DONE;
        enum http_action a = methods[i].fn(req, tx);
        json_decref(tx->root);
        tx->root = NULL;
        return a;
    }
    tegro_error(req, "Unknown method %s", name);
    return HTTP_DONE;
}

/* ---- the registry's entry ----------------------------------------------- */

static const struct dialect_route routes[] = {
    {.path = "/api", .handle = tegro_handle},
    /* the hosted payment form (form.c); the rest of /pay is the payer's pages */
    {.path = "/pay", .exact = true, .handle = tegro_form_handle},
    {.path = "/pay/", .exact = true, .handle = tegro_form_handle},
    {.path = "/pay/form", .exact = true, .handle = tegro_form_handle},
    {.path = "/pay/form/", .exact = true, .handle = tegro_form_handle},
};

static const struct dialect_field fields[] = {
    {"tegro_order_ttl", DIALECT_ORDER_TTL},
    {"notification_format", DIALECT_CALLBACK_FORMAT},
};

static const struct dialect_merchant merchant = {
    .api_key_bytes = 16,
    .secret_bytes = 16,
    .order_ttl = 86400,
    .callback_format = "form",
    .callback_format_ok = tegro_callback_format_ok,
    .fields = fields,
    .n_fields = sizeof fields / sizeof fields[0],
    .callback_plan = tegro_callback_plan,
};

const struct dialect dialect_tegro = {
    .name = TEGRO_NAME,
    .id = 2,
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
    .merchant = &merchant,
};
