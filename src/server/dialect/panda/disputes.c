/* disputes.c: panda's dispute API (spec/p2p.md "Disputes"), wire format
 * only (the rules are core/dispute.c's):
 *
 *   GET  /disputes?page=&per_page=&status=   {"disputes": [...], "has_more"}
 *   GET  /disputes/{uuid}                     one dispute with evidence and logs
 *   GET  /disputes/{uuid}/evidence/{uuid}     an evidence file's bytes
 *   GET  /orders/{uuid}/disputes              the order's dispute
 *   POST /orders/{uuid}/disputes              open (or reopen) one: multipart
 *                                             amount, comment, evidence (0-5)
 *
 * each also under /v1; and the signed `dispute` callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/form.h"
#include "dialect/reply.h"
#include "kassa/money.h"
#include "panda.h"

#define PER_PAGE_MAX 100

static int places_of(const char *currency)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    return cur != NULL ? cur->exponent : 2;
}

static void time_or_null(struct jw *w, const char *key, int64_t at)
{
    char text[32];
    if (at == 0) {
        jw_knull(w, key);
        return;
    }
    clock_format(at, CLOCK_ISO8601, text, sizeof text);
    jw_kstr(w, key, text);
}

struct items_ctx {
    struct jw *w;
    const struct dispute *d;
};

static bool evidence_one(void *arg, const struct dispute_evidence *e)
{
    struct items_ctx *x = arg;
    char url[URL_SIZE + 128];
    jw_obj(x->w);
    jw_kstr(x->w, "uuid", e->uuid);
    jw_kstr(x->w, "dispute_id", x->d->uuid);
    jw_kstr(x->w, "key", e->key);
    jw_kstr(x->w, "uploader", dispute_party_name(e->uploader));
    snprintf(url, sizeof url, "%s/v1/disputes/%s/evidence/%s", dialect_settings()->public_url,
             x->d->uuid, e->uuid);
    jw_kstr(x->w, "url", url);
    time_or_null(x->w, "created_at", e->created_at);
    jw_obj_end(x->w);
    return !x->w->failed;
}

static bool log_one(void *arg, const struct dispute_log *l)
{
    struct items_ctx *x = arg;
    jw_obj(x->w);
    jw_kstr(x->w, "uuid", l->uuid);
    jw_kstr(x->w, "dispute_id", x->d->uuid);
    jw_kstr(x->w, "actor_role", dispute_party_name(l->actor));
    jw_kstr(x->w, "status", dispute_status_name(l->status));
    jw_kstr(x->w, "details", l->details);
    time_or_null(x->w, "created_at", l->created_at);
    jw_obj_end(x->w);
    return !x->w->failed;
}

/* A dispute as PandaPay24 shows it; with `full` its evidence and logs
 * (read now). KASSA_OK or the reads' error. */
static kassa_err render_dispute(struct jw *w, const struct dispute *d, bool full)
{
    jw_obj(w);
    jw_kstr(w, "uuid", d->uuid);
    jw_kstr(w, "order_id", d->order_uuid);
    jw_kint(w, "merchant_id", d->merchant_id);
    jw_kstr_or_null(w, "merchant_order_id", d->merchant_order_id);
    jw_kmoney(w, "amount", d->amount, d->currency, places_of(d->currency), true);
    jw_kstr(w, "status", dispute_status_name(d->status));
    jw_kstr(w, "reason", "payment_made");
    jw_kstr(w, "initiator", dispute_party_name(d->initiator));
    jw_kint(w, "ttl_sec", dispute_ttl_left(d, clock_now()));
    jw_kint(w, "pause_duration_sec", d->pause_duration);
    time_or_null(w, "paused_at", d->paused_at);
    time_or_null(w, "reopened_at", d->reopened_at);
    time_or_null(w, "created_at", d->created_at);
    time_or_null(w, "modified_at", d->modified_at);
    kassa_err err = KASSA_OK;
    if (full) {
        struct items_ctx x = {w, d};
        jw_key(w, "evidence");
        jw_arr(w);
        err = query_dispute_evidence(d->id, evidence_one, &x);
        jw_arr_end(w);
        jw_key(w, "logs");
        jw_arr(w);
        if (err == KASSA_OK)
            err = query_dispute_logs(d->id, log_one, &x);
        jw_arr_end(w);
    }
    jw_obj_end(w);
    return err;
}

static void reply_dispute(struct http_req *req, int status, const struct dispute *d)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    kassa_err err = render_dispute(&w, d, true);
    if (err != KASSA_OK) {
        log_warn("dispute not rendered", "dispute=%s error=%s", d->uuid, kassa_strerror(err));
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return;
    }
    reply_jw(req, status, &w);
}

/* ---- reads ---------------------------------------------------------------- */

struct page_ctx {
    struct jw *w;
    int n, per_page;
    bool more;
};

static bool page_one(void *arg, const struct dispute *d)
{
    struct page_ctx *p = arg;
    if (p->n == p->per_page) {
        p->more = true;
        return false;
    }
    p->n++;
    render_dispute(p->w, d, false);
    return !p->w->failed;
}

/* A positive integer query argument (absent: dflt); false when malformed. */
static bool arg_count(struct http_req *req, const char *name, int dflt, int max, int *out)
{
    const char *v = http_query(req, name);
    *out = dflt;
    if (v == NULL)
        return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v < '0' || *v > '9' || *end != '\0' || n < 1 || n > max)
        return false;
    *out = (int)n;
    return true;
}

static enum http_action disputes_list(struct http_req *req)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    int page, per_page;
    if (!arg_count(req, "page", 1, 1000000, &page)) {
        reply_error(req, 400, "page: expected an integer from 1");
        return HTTP_DONE;
    }
    if (!arg_count(req, "per_page", 10, PER_PAGE_MAX, &per_page)) {
        reply_error(req, 400, "per_page: expected an integer between 1 and %d", PER_PAGE_MAX);
        return HTTP_DONE;
    }
    struct dispute_filter f = {.shop_id = shop.id, .status = -1, .awaiting = -1};
    const char *status = http_query(req, "status");
    if (status != NULL && (f.status = dispute_status_parse(status)) < 0) {
        reply_error(req, 400,
                    "status: expected in_progress, paused, resolved_success or resolved_cancel");
        return HTTP_DONE;
    }
    f.offset = (page - 1) * per_page;
    f.limit = per_page + 1; /* one more: whether there is a next page */
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "disputes");
    jw_arr(&w);
    struct page_ctx p = {.w = &w, .per_page = per_page};
    kassa_err err = query_disputes(&f, page_one, &p);
    jw_arr_end(&w);
    jw_kbool(&w, "has_more", p.more);
    jw_obj_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static bool reply_lookup_error(struct http_req *req, kassa_err err, const char *what)
{
    if (err == KASSA_OK)
        return false;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "%s not found", what);
    else {
        log_warn("dispute read failed", "what=%s error=%s", what, kassa_strerror(err));
        reply_error(req, 500, "Internal server error");
    }
    return true;
}

static enum http_action dispute_get(struct http_req *req, const char *uuid)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(shop.id, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (!reply_lookup_error(req, err, "Dispute"))
        reply_dispute(req, 200, d);
    return HTTP_DONE;
}

static enum http_action evidence_get(struct http_req *req, const char *uuid, const char *ev)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(shop.id, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (reply_lookup_error(req, err, "Dispute"))
        return HTTP_DONE;
    char *ctype = NULL;
    void *data = NULL;
    size_t len = 0;
    /* A GET's arena is sized for small bodies: make room for one file. */
    req->arena.limit += DISPUTE_FILE_MAX;
    err = query_dispute_evidence_data(d->id, ev, &req->arena, &ctype, &data, &len);
    if (!reply_lookup_error(req, err, "Evidence"))
        http_reply(req, 200, ctype, data, len);
    return HTTP_DONE;
}

/* ---- the order's dispute ----------------------------------------------------- */

static void opened(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct dispute_cmd *cmd = container_of(task, struct dispute_cmd, task);
    if (err == KASSA_ESTATE) {
        switch (cmd->refusal) {
        case DISPUTE_REFUSE_ORDER_STATE:
            reply_error(req, 409,
                        "Dispute cannot be opened: order is %s (a dispute opens on a timeout, "
                        "canceled or failed order, or a pending one the customer confirmed)",
                        panda_status(cmd->order.status));
            return;
        case DISPUTE_REFUSE_OPEN:
            reply_error(req, 409, "Dispute already open for this order: %s", cmd->dispute.uuid);
            return;
        case DISPUTE_REFUSE_REOPENED:
            reply_error(req, 409, "Dispute %s was reopened once already: it cannot be reopened",
                        cmd->dispute.uuid);
            return;
        case DISPUTE_REFUSE_NO_EVIDENCE:
            reply_error(req, 400, "evidence: reopening dispute %s takes new evidence",
                        cmd->dispute.uuid);
            return;
        default:
            reply_error(req, 409, "Dispute %s is resolved: %s", cmd->dispute.uuid,
                        dispute_status_name(cmd->dispute.status));
            return;
        }
    }
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return;
    }
    if (err != KASSA_OK) {
        log_warn("dispute not opened", "error=%s", kassa_strerror(err));
        reply_error(req, 500, "Internal server error");
        return;
    }
    reply_dispute(req, cmd->reopened ? 200 : 201, &cmd->dispute);
}

/* The multipart fields of an opening into cmd (the amount in the order's
 * currency); false after answering 400, 413 or 415. */
static bool read_opening(struct http_req *req, const struct order *o, struct dispute_cmd *cmd)
{
    const char *ct = http_header(req, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0) {
        reply_error(req, 400, "expected multipart/form-data with amount, comment and evidence");
        return false;
    }
    struct form_part part;
    size_t pos = 0;
    bool amount_seen = false;
    while (form_multipart_next(ct, req->body, req->body_len, &pos, &part)) {
        if (form_part_is(&part, "evidence")) {
            if (cmd->n_files == DISPUTE_FILES_MAX) {
                reply_error(req, 400, "evidence: at most %d files", DISPUTE_FILES_MAX);
                return false;
            }
            if (part.len > DISPUTE_FILE_MAX) {
                reply_error(req, 413, "evidence: each file at most 3 MB");
                return false;
            }
            const char *type = dispute_evidence_type(part.data, part.len);
            if (type == NULL) {
                reply_error(req, 415, "evidence: only JPG, PNG and PDF files are accepted");
                return false;
            }
            cmd->files[cmd->n_files++] = (struct dispute_file){part.data, part.len, type};
        } else if (form_part_is(&part, "amount")) {
            char text[64];
            const kassa_currency *cur = kassa_currency_find(o->currency);
            if (part.len == 0 || part.len >= sizeof text || cur == NULL ||
                kassa_money_parse(memcpy(text, part.data, part.len), part.len, cur->exponent,
                                  KASSA_MONEY_POSITIVE, &cmd->amount) != KASSA_OK) {
                reply_error(req, 400, "amount: expected a decimal amount greater than 0");
                return false;
            }
            amount_seen = true;
        } else if (form_part_is(&part, "comment")) {
            if (part.len >= sizeof cmd->comment || memchr(part.data, '\0', part.len) != NULL) {
                reply_error(req, 400, "comment: at most %zu bytes of text",
                            sizeof cmd->comment - 1);
                return false;
            }
            memcpy(cmd->comment, part.data, part.len);
            cmd->comment[part.len] = '\0';
        } else {
            reply_error(req, 400,
                        "unknown field '%.*s': a dispute takes amount, comment and "
                        "evidence",
                        (int)(part.name_len < 40 ? part.name_len : 40), part.name);
            return false;
        }
    }
    if (amount_seen && order_received_check(o->currency, cmd->amount) != KASSA_OK) {
        reply_error(req, 400, "amount: %s",
                    kassa_strerror(order_received_check(o->currency, cmd->amount)));
        return false;
    }
    return true;
}

enum http_action panda_order_disputes(struct http_req *req, const char *uuid, bool post)
{
    struct shop shop;
    /* An opening's signature covers the timestamp and the path (as a
     * receipt's); a read's the timestamp. */
    if (!panda_auth(req, post ? req->path : "", post ? strlen(req->path) : 0, &shop))
        return HTTP_DONE;
    struct dispute_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    kassa_err err = query_shop_order(shop.id, ORDER_BY_UUID, uuid, 0, &cmd->order);
    if (reply_lookup_error(req, err, "Order"))
        return HTTP_DONE;
    if (!post) {
        err = query_dispute(shop.id, DISPUTE_BY_ORDER, cmd->order.id, NULL, &cmd->dispute);
        if (!reply_lookup_error(req, err, "Dispute"))
            reply_dispute(req, 200, &cmd->dispute);
        return HTTP_DONE;
    }
    if (!read_opening(req, &cmd->order, cmd))
        return HTTP_DONE;
    cmd->action = DISPUTE_OPEN;
    cmd->actor = PARTY_MERCHANT;
    cmd->shop_id = shop.id;
    cmd->order_id = cmd->order.id;
    cmd->task.run = dispute_apply;
    return submit_and_render(req, &cmd->task, opened);
}

enum http_action panda_disputes_handle(struct http_req *req)
{
    bool v1 = strncmp(req->path, "/v1/", 4) == 0;
    const char *tail = path_after(req->path + (v1 ? 3 : 0), "/disputes");
    if (strcmp(req->method, "GET") != 0) {
        reply_error(req, 405, "method not allowed");
        return HTTP_DONE;
    }
    if (tail != NULL && (tail[0] == '\0' || strcmp(tail, "/") == 0))
        return disputes_list(req);
    if (tail != NULL && tail[0] == '/') {
        tail++;
        const char *slash = strchr(tail, '/');
        if (slash == NULL)
            return dispute_get(req, tail);
        const char *ev = path_after(slash, "/evidence/");
        char uuid[UUID_SIZE];
        size_t n = (size_t)(slash - tail);
        if (ev != NULL && n < sizeof uuid && *ev != '\0' && strchr(ev, '/') == NULL) {
            memcpy(uuid, tail, n);
            uuid[n] = '\0';
            return evidence_get(req, uuid, ev);
        }
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

/* ---- the dispute callback ------------------------------------------------------ */

bool panda_dispute_plan(const struct event *e, const struct order *o, const struct shop *s,
                        const struct shop_dialect *row, struct callback *cb, kassa_err *err)
{
    struct dispute d;
    *err = query_dispute(o->shop_id, DISPUTE_BY_ORDER, o->id, NULL, &d);
    if (*err == KASSA_ENOTFOUND) {
        *err = KASSA_OK;
        return false;
    }
    if (*err != KASSA_OK)
        return false;
    snprintf(cb->url, sizeof cb->url, "%s", s->callback_url);
    snprintf(cb->content_type, sizeof cb->content_type, "%s", PANDA_CALLBACK_CT);
    struct jw w;
    jw_init(&w, sizeof cb->body - 1);
    render_dispute(&w, &d, false);
    size_t n = 0;
    char *doc = jw_finish(&w, &n);
    if (doc == NULL || n + 1 > sizeof cb->body) {
        free(doc);
        *err = KASSA_ETOOBIG;
        return false;
    }
    memcpy(cb->body, doc, n + 1);
    cb->body_len = n;
    free(doc);
    return true;
}
