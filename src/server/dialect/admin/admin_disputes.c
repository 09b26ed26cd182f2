/* admin_disputes.c: the operator's side of disputes (spec/p2p.md
 * "Disputes"; the rules are core/dispute.c's).
 *
 *   GET  /admin/v1/disputes?status=&shop_id=&trader_id=&awaiting=   the queue:
 *        without status the open ones, those awaiting the operator first
 *   GET  /admin/v1/disputes/{uuid}                  with evidence and logs
 *   GET  /admin/v1/disputes/{uuid}/evidence/{uuid}  an evidence file
 *   POST /admin/v1/disputes/{uuid}/decide  {"outcome": "success"|"cancel",
 *                                           "amount_received"?, "comment"?}
 *   POST /admin/v1/disputes/{uuid}/pause   {"comment"?}, .../resume
 *   POST /admin/v1/disputes/{uuid}/accept  {"amount_received"?, "comment"?}  for the trader
 *   POST /admin/v1/disputes/{uuid}/reject  {"reason", "comment"?} or multipart
 *                                           reason, comment, evidence        for the trader */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "admin_lists.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/query.h"
#include "dialect/form.h"
#include "dialect/list.h"
#include "dialect/reply.h"
#include "kassa/money.h"

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
    char url[256];
    jw_obj(x->w);
    jw_kstr(x->w, "uuid", e->uuid);
    jw_kstr(x->w, "key", e->key);
    jw_kstr(x->w, "uploader", dispute_party_name(e->uploader));
    jw_kstr(x->w, "content_type", e->content_type);
    snprintf(url, sizeof url, "/admin/v1/disputes/%s/evidence/%s", x->d->uuid, e->uuid);
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
    jw_kstr(x->w, "actor_role", dispute_party_name(l->actor));
    jw_kstr(x->w, "status", dispute_status_name(l->status));
    jw_kstr(x->w, "details", l->details);
    time_or_null(x->w, "created_at", l->created_at);
    jw_obj_end(x->w);
    return !x->w->failed;
}

/* The operator's view: the merchant's fields and whose move it is, the
 * trader's reason, the deadline, the amount it resolved with. */
static kassa_err render_dispute(struct jw *w, const struct dispute *d, bool full)
{
    int exp = places_of(d->currency);
    jw_obj(w);
    jw_kstr(w, "uuid", d->uuid);
    jw_kint(w, "id", d->id);
    jw_kint(w, "order_id", d->order_id);
    jw_kstr(w, "order_uuid", d->order_uuid);
    jw_kint(w, "shop_id", d->shop_id);
    jw_kint(w, "merchant_id", d->merchant_id);
    jw_kstr_or_null(w, "merchant_order_id", d->merchant_order_id);
    if (d->trader_id > 0)
        jw_kint(w, "trader_id", d->trader_id);
    else
        jw_knull(w, "trader_id");
    jw_kmoney(w, "amount", d->amount, d->currency, exp, false);
    jw_kstr(w, "currency", d->currency);
    jw_kstr(w, "comment", d->comment);
    jw_kstr(w, "status", dispute_status_name(d->status));
    if (d->awaiting == AWAIT_NONE)
        jw_knull(w, "awaiting");
    else
        jw_kstr(w, "awaiting", dispute_awaiting_name(d->awaiting));
    jw_kstr(w, "initiator", dispute_party_name(d->initiator));
    jw_kstr_or_null(w, "reject_reason", d->reject_reason);
    jw_kint(w, "ttl_sec", dispute_ttl_left(d, clock_now()));
    time_or_null(w, "deadline", d->deadline);
    jw_kint(w, "pause_duration_sec", d->pause_duration);
    time_or_null(w, "paused_at", d->paused_at);
    time_or_null(w, "reopened_at", d->reopened_at);
    if (d->amount_received > 0)
        jw_kmoney(w, "amount_received", d->amount_received, d->currency, exp, false);
    else
        jw_knull(w, "amount_received");
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

static void reply_dispute(struct http_req *req, const struct dispute *d)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    if (render_dispute(&w, d, true) != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return;
    }
    reply_jw(req, 200, &w);
}

static bool lookup_failed(struct http_req *req, kassa_err err, const char *what)
{
    if (err == KASSA_OK)
        return false;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "%s not found", what);
    else
        reply_error(req, 500, "Internal server error");
    return true;
}

/* ---- the queue ---------------------------------------------------------------- */

static bool page_dispute(void *arg, const struct dispute *d)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_dispute(p->w, d, false);
    p->last_id = d->id;
    return !p->w->failed;
}

static enum http_action list_disputes(struct http_req *req)
{
    static const char *const args[] = {"status", "shop_id", "trader_id", "awaiting",
                                       "limit",  "cursor",  NULL};
    char msg[256];
    struct dispute_filter f = {.status = -1, .awaiting = -1};
    int64_t n = 50;
    struct known k = {args, NULL};
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400,
                    "unknown argument '%.40s': disputes are listed by status, shop_id, "
                    "trader_id and awaiting (with limit and cursor)",
                    k.bad);
        return HTTP_DONE;
    }
    if (!arg_int(req, "limit", 1, 500, &n, msg, sizeof msg) ||
        !arg_int(req, "shop_id", 1, INT64_MAX, &f.shop_id, msg, sizeof msg) ||
        !arg_int(req, "trader_id", 1, INT64_MAX, &f.trader_id, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    const char *status = http_query(req, "status");
    const char *awaiting = http_query(req, "awaiting");
    const char *cursor = http_query(req, "cursor");
    if (status != NULL && (f.status = dispute_status_parse(status)) < 0) {
        reply_error(req, 400,
                    "status: expected in_progress, paused, resolved_success or resolved_cancel");
        return HTTP_DONE;
    }
    if (awaiting != NULL && (strcmp(awaiting, "trader") == 0 || strcmp(awaiting, "operator") == 0))
        f.awaiting = dispute_awaiting_parse(awaiting);
    else if (awaiting != NULL) {
        reply_error(req, 400, "awaiting: expected trader or operator");
        return HTTP_DONE;
    }
    /* Without a status or awaiting: the open ones, the operator's first
     * (part 'o'), then the rest (part 't'); else one part 'i'. */
    bool queue = status == NULL && awaiting == NULL;
    char part = queue ? 'o' : 'i';
    if (cursor != NULL) {
        char *end;
        long long id = cursor[0] != '\0' ? strtoll(cursor + 1, &end, 10) : 0;
        bool ok = cursor[0] != '\0' && cursor[1] >= '0' && cursor[1] <= '9' && *end == '\0' &&
                  id >= 0 && (queue ? cursor[0] == 'o' || cursor[0] == 't' : cursor[0] == 'i');
        if (!ok) {
            reply_error(req, 400, "cursor: not a cursor of this list");
            return HTTP_DONE;
        }
        part = cursor[0];
        f.after_id = id;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    kassa_err err = KASSA_OK;
    char next[32] = "";
    int room = (int)n;
    if (part == 'o') {
        struct row_page p = {.w = &w, .limit = room};
        struct dispute_filter o = f;
        o.open_only = true;
        o.awaiting = AWAIT_OPERATOR;
        o.limit = room + 1;
        err = query_disputes(&o, page_dispute, &p);
        room -= p.n;
        if (p.more)
            snprintf(next, sizeof next, "o%lld", (long long)p.last_id);
        else {
            part = 't';
            f.after_id = 0;
        }
    }
    if (err == KASSA_OK && next[0] == '\0' && room > 0 && part != 'o') {
        struct row_page p = {.w = &w, .limit = room};
        struct dispute_filter o = f;
        if (part == 't') {
            o.open_only = true;
            o.awaiting = AWAIT_OPERATOR;
            o.not_awaiting = true;
        }
        o.limit = room + 1;
        err = query_disputes(&o, page_dispute, &p);
        if (p.more)
            snprintf(next, sizeof next, "%c%lld", part, (long long)p.last_id);
    } else if (err == KASSA_OK && next[0] == '\0' && room == 0 && part == 't') {
        snprintf(next, sizeof next, "t0"); /* the operator's part filled the page */
    }
    jw_arr_end(&w);
    if (next[0] != '\0')
        jw_kstr(&w, "next_cursor", next);
    else
        jw_knull(&w, "next_cursor");
    jw_obj_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static enum http_action get_dispute(struct http_req *req, const char *uuid)
{
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(0, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (!lookup_failed(req, err, "Dispute"))
        reply_dispute(req, d);
    return HTTP_DONE;
}

static enum http_action get_evidence(struct http_req *req, const char *uuid, const char *ev)
{
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(0, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (lookup_failed(req, err, "Dispute"))
        return HTTP_DONE;
    char *ctype = NULL;
    void *data = NULL;
    size_t len = 0;
    req->arena.limit += DISPUTE_FILE_MAX; /* a GET's arena is sized for small bodies */
    err = query_dispute_evidence_data(d->id, ev, &req->arena, &ctype, &data, &len);
    if (!lookup_failed(req, err, "Evidence"))
        http_reply(req, 200, ctype, data, len);
    return HTTP_DONE;
}

/* ---- the operator's and the trader's moves ------------------------------------- */

static void changed(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct dispute_cmd *cmd = container_of(task, struct dispute_cmd, task);
    const char *uuid = cmd->dispute.uuid[0] ? cmd->dispute.uuid : cmd->uuid;
    if (err == KASSA_ESTATE) {
        switch (cmd->refusal) {
        case DISPUTE_REFUSE_NOT_TRADERS:
            reply_error(req, 409, "dispute %s is not awaiting the trader's answer", uuid);
            break;
        case DISPUTE_REFUSE_NOT_PAUSED:
            reply_error(req, 409, "dispute %s is not paused", uuid);
            break;
        case DISPUTE_REFUSE_PAUSED:
            reply_error(req, 409, "dispute %s is paused already", uuid);
            break;
        case DISPUTE_REFUSE_RESOLVED:
            reply_error(req, 409, "dispute %s is resolved (%s)", uuid,
                        dispute_status_name(cmd->dispute.status));
            break;
        default:
            reply_error(req, 409, "dispute %s: order %lld is %s", uuid, (long long)cmd->order.id,
                        order_status_name(cmd->order.status));
        }
        return;
    }
    if (err == KASSA_EAMOUNT_LIMIT || err == KASSA_EMONEY_ZERO) {
        reply_error(req, 400, "amount_received: %s", kassa_strerror(err));
        return;
    }
    if (err != KASSA_OK) {
        lookup_failed(req, err, "Dispute");
        return;
    }
    log_info("dispute changed", "dispute=%s status=%s", cmd->dispute.uuid,
             dispute_status_name(cmd->dispute.status));
    reply_dispute(req, &cmd->dispute);
}

/* The amount received of a JSON body, in the dispute's currency; false
 * with msg. */
static bool read_amount(struct http_req *req, json_t *root, const char *currency, int64_t *out,
                        char *msg, size_t msglen)
{
    char text[64];
    bool found = false;
    const char *key = json_object_get(root, "amount") != NULL ? "amount" : "amount_received";
    if (!json_decimal_text(req, root, key, text, sizeof text, &found, msg, msglen))
        return false;
    *out = 0;
    if (!found)
        return true;
    const kassa_currency *cur = kassa_currency_find(currency);
    if (cur == NULL || kassa_money_parse(text, strlen(text), cur->exponent, KASSA_MONEY_POSITIVE,
                                         out) != KASSA_OK) {
        snprintf(msg, msglen, "%s: expected a positive amount in %s, e.g. 950.00", key, currency);
        return false;
    }
    if (order_received_check(currency, *out) != KASSA_OK) {
        char limit[64];
        core_amount_limit_text(currency, false, limit, sizeof limit);
        snprintf(msg, msglen, "%s: at most %s", key, limit);
        return false;
    }
    return true;
}

/* A reject in multipart: reason, comment, evidence files. */
static bool read_reject_form(struct http_req *req, const char *ct, struct dispute_cmd *cmd,
                             int *status, char *msg, size_t msglen)
{
    struct form_part part;
    size_t pos = 0;
    *status = 400;
    while (form_multipart_next(ct, req->body, req->body_len, &pos, &part)) {
        char *dst = form_part_is(&part, "reason")    ? cmd->reason
                    : form_part_is(&part, "comment") ? cmd->comment
                                                     : NULL;
        size_t size = dst == cmd->reason ? sizeof cmd->reason : sizeof cmd->comment;
        if (dst != NULL) {
            if (part.len >= size) {
                snprintf(msg, msglen, "%.*s: too long", (int)part.name_len, part.name);
                return false;
            }
            memcpy(dst, part.data, part.len);
            dst[part.len] = '\0';
        } else if (form_part_is(&part, "evidence")) {
            const char *type = dispute_evidence_type(part.data, part.len);
            if (cmd->n_files == DISPUTE_FILES_MAX) {
                snprintf(msg, msglen, "evidence: at most %d files", DISPUTE_FILES_MAX);
                return false;
            }
            if (part.len > DISPUTE_FILE_MAX || type == NULL) {
                *status = part.len > DISPUTE_FILE_MAX ? 413 : 415;
                snprintf(msg, msglen, "%s",
                         *status == 413 ? "evidence: each file at most 3 MB"
                                        : "evidence: only JPG, PNG and PDF files are accepted");
                return false;
            }
            cmd->files[cmd->n_files++] = (struct dispute_file){part.data, part.len, type};
        } else {
            snprintf(msg, msglen,
                     "unknown field '%.*s': a rejection takes reason, comment and "
                     "evidence",
                     (int)(part.name_len < 40 ? part.name_len : 40), part.name);
            return false;
        }
    }
    return true;
}

static enum http_action dispute_action(struct http_req *req, const char *uuid, const char *action)
{
    static const struct {
        const char *name;
        enum dispute_action action;
        const char *const members[4];
    } actions[] = {
        {"decide", DISPUTE_DECIDE_SUCCESS, {"outcome", "amount_received", "amount", "comment"}},
        {"pause", DISPUTE_PAUSE, {"comment"}},
        {"resume", DISPUTE_RESUME, {"comment"}},
        {"accept", DISPUTE_ACCEPT, {"amount_received", "amount", "comment"}},
        {"reject", DISPUTE_REJECT, {"reason", "comment"}},
    };
    size_t i = 0;
    while (i < sizeof actions / sizeof actions[0] && strcmp(actions[i].name, action) != 0)
        i++;
    if (i == sizeof actions / sizeof actions[0]) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    struct dispute_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    /* The dispute's currency for an amount; the handler's 404 before a
     * body is looked at. */
    kassa_err err = query_dispute(0, DISPUTE_BY_UUID, 0, uuid, &cmd->dispute);
    if (lookup_failed(req, err, "Dispute"))
        return HTTP_DONE;
    core_copy(cmd->uuid, sizeof cmd->uuid, uuid);
    cmd->action = actions[i].action;
    cmd->actor = PARTY_OPERATOR;
    char msg[512];
    int status = 400;
    const char *ct = http_header(req, "Content-Type");
    if (cmd->action == DISPUTE_REJECT && ct != NULL &&
        strncasecmp(ct, "multipart/form-data", 19) == 0) {
        if (!read_reject_form(req, ct, cmd, &status, msg, sizeof msg))
            goto refuse;
    } else if (req->body_len > 0) {
        json_t *root = parse_json_object_flags(req, JSON_DECODE_INT_AS_REAL, msg, sizeof msg);
        if (root == NULL)
            goto refuse;
        const char *names[5] = {0};
        for (int k = 0; k < 4 && actions[i].members[k] != NULL; k++)
            names[k] = actions[i].members[k];
        char outcome[16] = "";
        bool ok =
            json_only_members(root, names, NULL, msg, sizeof msg) &&
            json_opt_string(root, "comment", cmd->comment, sizeof cmd->comment, msg, sizeof msg) &&
            json_opt_string(root, "reason", cmd->reason, sizeof cmd->reason, msg, sizeof msg) &&
            json_opt_string(root, "outcome", outcome, sizeof outcome, msg, sizeof msg) &&
            read_amount(req, root, cmd->dispute.currency, &cmd->amount, msg, sizeof msg);
        json_decref(root);
        if (!ok)
            goto refuse;
        if (cmd->action == DISPUTE_DECIDE_SUCCESS) {
            if (strcmp(outcome, "cancel") == 0)
                cmd->action = DISPUTE_DECIDE_CANCEL;
            else if (strcmp(outcome, "success") != 0) {
                snprintf(msg, sizeof msg, "outcome: expected success or cancel");
                goto refuse;
            }
            if (cmd->action == DISPUTE_DECIDE_CANCEL && cmd->amount != 0) {
                snprintf(msg, sizeof msg, "amount_received: only with outcome success");
                goto refuse;
            }
        }
    } else if (cmd->action == DISPUTE_DECIDE_SUCCESS) {
        snprintf(msg, sizeof msg, "outcome: required, success or cancel");
        goto refuse;
    }
    if (cmd->action == DISPUTE_REJECT && !dispute_reason_known(cmd->reason)) {
        snprintf(msg, sizeof msg,
                 "reason: expected payment_not_found, fake_proof, invalid_proof_datetime, "
                 "invalid_proof_requisites or bank_account_blocked");
        goto refuse;
    }
    cmd->task.run = dispute_apply;
    return admin_submit(req, &cmd->task, changed);
refuse:
    reply_error(req, status, "%s", msg);
    return HTTP_DONE;
}

enum http_action admin_disputes(struct http_req *req, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (strcmp(p, "/disputes") == 0 && get)
        return list_disputes(req);
    const char *arg = path_after(p, "/disputes/");
    if (arg != NULL && *arg != '\0') {
        const char *slash = strchr(arg, '/');
        char uuid[UUID_SIZE];
        size_t n = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
        if (n < sizeof uuid) {
            memcpy(uuid, arg, n);
            uuid[n] = '\0';
            if (slash == NULL && get)
                return get_dispute(req, uuid);
            const char *ev = slash != NULL ? path_after(slash, "/evidence/") : NULL;
            if (ev != NULL && get && *ev != '\0' && strchr(ev, '/') == NULL)
                return get_evidence(req, uuid, ev);
            if (slash != NULL && post && strchr(slash + 1, '/') == NULL)
                return dispute_action(req, uuid, slash + 1);
        }
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
