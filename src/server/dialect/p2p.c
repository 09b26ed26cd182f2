/* p2p.c: devices, bank messages and disputes as the admin API and the
 * trader API show them, and a dispute answer's body (p2p.h). */
#include "p2p.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
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

/* ---- devices and bank messages ------------------------------------------- */

void render_device(struct jw *w, const struct device *d, const int64_t *ids, int n)
{
    jw_obj(w);
    jw_kint(w, "id", d->id);
    jw_kint(w, "trader_id", d->trader_id);
    jw_kstr(w, "name", d->name);
    jw_kstr(w, "status", d->revoked_at != 0 ? "revoked" : "active");
    jw_kbool(w, "online", d->revoked_at == 0 && device_online(d->last_seen, clock_now()));
    time_or_null(w, "last_seen", d->last_seen);
    time_or_null(w, "created_at", d->created_at);
    time_or_null(w, "revoked_at", d->revoked_at);
    if (ids != NULL) {
        jw_key(w, "requisites");
        jw_arr(w);
        for (int i = 0; i < n; i++)
            jw_int(w, ids[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void render_bank_message(struct jw *w, const struct bank_message *m)
{
    const kassa_currency *cur = kassa_currency_find(m->currency);
    jw_obj(w);
    jw_kint(w, "id", m->id);
    jw_kint(w, "device_id", m->device_id);
    jw_kint(w, "trader_id", m->trader_id);
    jw_kstr(w, "event_id", m->event_id);
    jw_kstr(w, "source", m->source);
    jw_kstr(w, "sender", m->sender);
    jw_kstr(w, "package", m->package);
    jw_kstr(w, "title", m->title);
    jw_kstr(w, "text", m->text);
    time_or_null(w, "received_at", m->received_at);
    time_or_null(w, "created_at", m->created_at);
    jw_kstr(w, "state", bank_message_state_name(m->state));
    jw_kstr_or_null(w, "reason", m->reason);
    jw_kstr(w, "template", m->template_id);
    jw_kstr(w, "bank", m->bank);
    jw_kstr(w, "kind", m->kind);
    if (m->amount > 0 && cur != NULL)
        jw_kmoney(w, "amount", m->amount, m->currency, cur->exponent, false);
    else
        jw_knull(w, "amount");
    jw_kstr(w, "currency", m->currency);
    jw_kstr(w, "last4", m->last4);
    jw_kstr(w, "payer", m->payer);
    jw_kstr_or_null(w, "order", m->order_uuid);
    jw_kstr_or_null(w, "matched_by", m->matched_by);
    time_or_null(w, "matched_at", m->matched_at);
    jw_obj_end(w);
}

void reply_device_code(struct http_req *req, struct device_code_cmd *cmd, kassa_err err)
{
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Trader not found");
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "trader %lld is suspended: it pairs no device",
                    (long long)cmd->trader_id);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("device pairing code made", "trader_id=%lld", (long long)cmd->trader_id);
    struct jw w;
    jw_init(&w, 512);
    jw_obj(&w);
    jw_kstr(&w, "code", cmd->code);
    jw_kint(&w, "trader_id", cmd->trader_id);
    time_or_null(&w, "expires_at", cmd->expires_at);
    jw_obj_end(&w);
    explicit_bzero(cmd->code, sizeof cmd->code);
    reply_jw(req, 201, &w);
}

bool device_code_body_ok(struct http_req *req)
{
    if (req->body_len > 0 && strspn(req->body, " \t\r\n{}") != req->body_len) {
        reply_error(req, 400, "a pairing code takes no body");
        return false;
    }
    return true;
}

/* ---- disputes ------------------------------------------------------------ */

struct items_ctx {
    struct jw *w;
    const struct dispute *d;
    const struct dispute_view *v;
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
    snprintf(url, sizeof url, "%s/%s/evidence/%s", x->v->base, x->d->uuid, e->uuid);
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

/* Whose move it is, the trader's reason, the deadline, the amount it
 * resolved with; the operator also sees the merchant's and the trader's
 * ids (the trader sees its order, not the merchant). */
kassa_err render_dispute(struct jw *w, const struct dispute *d, bool full,
                         const struct dispute_view *v)
{
    int exp = places_of(d->currency);
    jw_obj(w);
    jw_kstr(w, "uuid", d->uuid);
    if (v->for_operator) {
        jw_kint(w, "id", d->id);
        jw_kint(w, "order_id", d->order_id);
    }
    jw_kstr(w, "order_uuid", d->order_uuid);
    if (v->for_operator) {
        jw_kint(w, "shop_id", d->shop_id);
        jw_kint(w, "merchant_id", d->merchant_id);
        jw_kstr_or_null(w, "merchant_order_id", d->merchant_order_id);
        if (d->trader_id > 0)
            jw_kint(w, "trader_id", d->trader_id);
        else
            jw_knull(w, "trader_id");
    }
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
        struct items_ctx x = {w, d, v};
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

void reply_dispute(struct http_req *req, const struct dispute *d, const struct dispute_view *v)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    if (render_dispute(&w, d, true, v) != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return;
    }
    reply_jw(req, 200, &w);
}

void reply_dispute_evidence(struct http_req *req, const struct dispute *d, const char *ev)
{
    char *ctype = NULL;
    void *data = NULL;
    size_t len = 0;
    req->arena.limit += DISPUTE_FILE_MAX; /* a GET's arena is sized for small bodies */
    kassa_err err = query_dispute_evidence_data(d->id, ev, &req->arena, &ctype, &data, &len);
    if (err == KASSA_OK)
        http_reply(req, 200, ctype, data, len);
    else if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Evidence not found");
    else
        reply_error(req, 500, "Internal server error");
}

/* ---- a page of them ------------------------------------------------------ */

struct dispute_page {
    struct row_page p;
    const struct dispute_view *v;
};

static bool page_dispute(void *arg, const struct dispute *d)
{
    struct dispute_page *x = arg;
    if (!page_room(&x->p))
        return false;
    render_dispute(x->p.w, d, false, x->v);
    x->p.last_id = d->id;
    return !x->p.w->failed;
}

void reply_dispute_list(struct http_req *req, struct dispute_filter f, bool queue, int first, int n,
                        const struct dispute_view *v)
{
    const char *cursor = http_query(req, "cursor");
    char part = queue ? 'o' : 'i';
    if (cursor != NULL) {
        char *end;
        long long id = cursor[0] != '\0' ? strtoll(cursor + 1, &end, 10) : 0;
        bool ok = cursor[0] != '\0' && cursor[1] >= '0' && cursor[1] <= '9' && *end == '\0' &&
                  id >= 0 && (queue ? cursor[0] == 'o' || cursor[0] == 't' : cursor[0] == 'i');
        if (!ok) {
            reply_error(req, 400, "cursor: not a cursor of this list");
            return;
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
    int room = n;
    /* The queue: those awaiting `first` (part 'o'), then the rest of the
     * open ones (part 't'). */
    if (part == 'o') {
        struct dispute_page x = {.p = {.w = &w, .limit = room}, .v = v};
        struct dispute_filter o = f;
        o.open_only = true;
        o.awaiting = first;
        o.limit = room + 1;
        err = query_disputes(&o, page_dispute, &x);
        room -= x.p.n;
        if (x.p.more)
            snprintf(next, sizeof next, "o%lld", (long long)x.p.last_id);
        else {
            part = 't';
            f.after_id = 0;
        }
    }
    if (err == KASSA_OK && next[0] == '\0' && room > 0 && part != 'o') {
        struct dispute_page x = {.p = {.w = &w, .limit = room}, .v = v};
        struct dispute_filter o = f;
        if (part == 't') {
            o.open_only = true;
            o.awaiting = first;
            o.not_awaiting = true;
        }
        o.limit = room + 1;
        err = query_disputes(&o, page_dispute, &x);
        if (x.p.more)
            snprintf(next, sizeof next, "%c%lld", part, (long long)x.p.last_id);
    } else if (err == KASSA_OK && next[0] == '\0' && room == 0 && part == 't') {
        snprintf(next, sizeof next, "t0"); /* the first part filled the page */
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
        return;
    }
    reply_jw(req, 200, &w);
}

/* ---- an answer's body ---------------------------------------------------- */

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

bool dispute_body(struct http_req *req, struct dispute_cmd *cmd, const char *const *members,
                  const char *what, char *outcome, size_t outcome_size, int *status, char *msg,
                  size_t msglen)
{
    *status = 400;
    outcome[0] = '\0';
    const char *ct = http_header(req, "Content-Type");
    if (cmd->action == DISPUTE_REJECT && ct != NULL &&
        strncasecmp(ct, "multipart/form-data", 19) == 0) {
        if (!read_reject_form(req, ct, cmd, status, msg, msglen))
            return false;
    } else if (req->body_len > 0) {
        json_t *root = parse_json_object_flags(req, JSON_DECODE_INT_AS_REAL, msg, msglen);
        if (root == NULL)
            return false;
        bool ok =
            json_only_members(root, members, what, msg, msglen) &&
            json_opt_string(root, "comment", cmd->comment, sizeof cmd->comment, msg, msglen) &&
            json_opt_string(root, "reason", cmd->reason, sizeof cmd->reason, msg, msglen) &&
            json_opt_string(root, "outcome", outcome, outcome_size, msg, msglen) &&
            read_amount(req, root, cmd->dispute.currency, &cmd->amount, msg, msglen);
        json_decref(root);
        if (!ok)
            return false;
    }
    if (cmd->action == DISPUTE_REJECT && !dispute_reason_known(cmd->reason)) {
        snprintf(msg, msglen,
                 "reason: expected payment_not_found, fake_proof, invalid_proof_datetime, "
                 "invalid_proof_requisites or bank_account_blocked");
        return false;
    }
    return true;
}

/* ---- an answer's outcome ------------------------------------------------- */

void reply_dispute_changed(struct http_req *req, struct dispute_cmd *cmd, kassa_err err,
                           const struct dispute_view *v)
{
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
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Dispute not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("dispute changed", "dispute=%s status=%s", cmd->dispute.uuid,
             dispute_status_name(cmd->dispute.status));
    reply_dispute(req, &cmd->dispute, v);
}

bool dispute_list_args(struct http_req *req, struct dispute_filter *f, bool *queue)
{
    const char *status = http_query(req, "status");
    const char *awaiting = http_query(req, "awaiting");
    if (status != NULL && (f->status = dispute_status_parse(status)) < 0) {
        reply_error(req, 400,
                    "status: expected in_progress, paused, resolved_success or resolved_cancel");
        return false;
    }
    if (awaiting != NULL && (strcmp(awaiting, "trader") == 0 || strcmp(awaiting, "operator") == 0))
        f->awaiting = dispute_awaiting_parse(awaiting);
    else if (awaiting != NULL) {
        reply_error(req, 400, "awaiting: expected trader or operator");
        return false;
    }
    *queue = status == NULL && awaiting == NULL;
    return true;
}

bool bank_message_attach_body(struct http_req *req, struct bank_message_attach_cmd *cmd)
{
    static const char *const names[] = {"order", NULL};
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    bool ok =
        root != NULL &&
        json_only_members(root, names, "an attachment takes order", msg, sizeof msg) &&
        json_opt_string(root, "order", cmd->order_uuid, sizeof cmd->order_uuid, msg, sizeof msg);
    json_decref(root);
    if (ok && !core_is_uuid(cmd->order_uuid)) {
        snprintf(msg, sizeof msg, "order: required, the order's uuid");
        ok = false;
    }
    if (!ok)
        reply_error(req, 400, "%s", msg);
    return ok;
}
