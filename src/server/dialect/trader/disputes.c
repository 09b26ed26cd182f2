/* disputes.c: the disputes on a trader's requisites (trader.h;
 * docs/p2p.md "Disputes"; the rules are core/dispute.c's):
 *
 *   GET  /trader/v1/disputes?status=&awaiting=    without either the open
 *        ones, those awaiting the trader first (a list)
 *   GET  /trader/v1/disputes/{uuid}               with evidence and logs
 *   GET  /trader/v1/disputes/{uuid}/evidence/{uuid}  an evidence file
 *   POST /trader/v1/disputes/{uuid}/accept  {"amount_received"?, "comment"?}
 *   POST /trader/v1/disputes/{uuid}/reject  {"reason", "comment"?} or multipart
 *        reason, comment, evidence
 *
 * Another trader's dispute answers 404 as a missing one (here, and in the
 * core again: dispute_cmd.trader_id with PARTY_TRADER). */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "dialect/list.h"
#include "dialect/p2p.h"
#include "trader.h"

static const struct dispute_view view = {.base = "/trader/v1/disputes", .for_operator = false};

static enum http_action list_disputes(struct http_req *req, const struct trader *t)
{
    static const char *const args[] = {"status", "awaiting", "limit", "cursor", NULL};
    char msg[256];
    struct dispute_filter f = {.status = -1, .awaiting = -1, .trader_id = t->id};
    int64_t n = LIST_LIMIT_DEFAULT;
    struct known k = {args, NULL};
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400,
                    "unknown argument '%.40s': disputes are listed by status and awaiting "
                    "(with limit and cursor)",
                    k.bad);
        return HTTP_DONE;
    }
    if (!arg_int(req, "limit", 1, LIST_LIMIT_MAX, &n, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    bool queue;
    if (!dispute_list_args(req, &f, &queue))
        return HTTP_DONE;
    reply_dispute_list(req, f, queue, AWAIT_TRADER, (int)n, &view);
    return HTTP_DONE;
}

/* The dispute `uuid` when it is on the trader's requisites; false after
 * answering (404 Dispute not found, as a missing one, for another's). */
static bool own_dispute(struct http_req *req, const struct trader *t, const char *uuid,
                        struct dispute *d)
{
    kassa_err err = query_dispute(0, DISPUTE_BY_UUID, 0, uuid, d);
    if (err == KASSA_OK && d->trader_id != t->id)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        return true;
    reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500, "%s",
                err == KASSA_ENOTFOUND ? "Dispute not found" : "Internal server error");
    return false;
}

static void changed(struct http_req *req, struct store_task *task, kassa_err err)
{
    reply_dispute_changed(req, container_of(task, struct dispute_cmd, task), err, &view);
}

/* The trader's answer: accept (the order completes, late if need be, with
 * the amount received) or reject with a reason (the operator's move). */
static enum http_action answer(struct http_req *req, struct trader_call *call, const char *uuid,
                               bool accept)
{
    static const char *const accept_names[] = {"amount_received", "amount", "comment", NULL};
    static const char *const reject_names[] = {"reason", "comment", NULL};
    struct dispute_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!own_dispute(req, &call->t, uuid, &cmd->dispute))
        return HTTP_DONE;
    core_copy(cmd->uuid, sizeof cmd->uuid, uuid);
    cmd->action = accept ? DISPUTE_ACCEPT : DISPUTE_REJECT;
    cmd->actor = PARTY_TRADER;
    cmd->trader_id = call->t.id;
    char msg[512], outcome[16];
    int status;
    if (!dispute_body(req, cmd, accept ? accept_names : reject_names,
                      accept ? "an acceptance takes amount_received and comment"
                             : "a rejection takes reason, comment and evidence",
                      outcome, sizeof outcome, &status, msg, sizeof msg)) {
        reply_error(req, status, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = dispute_apply;
    return trader_submit(req, call, &cmd->task, changed);
}

enum http_action trader_disputes(struct http_req *req, struct trader_call *call, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (p[0] == '\0' && get)
        return list_disputes(req, &call->t);
    const char *slash = p[0] == '/' ? strchr(p + 1, '/') : NULL;
    size_t n = p[0] != '/' ? 0 : slash != NULL ? (size_t)(slash - p - 1) : strlen(p + 1);
    char uuid[UUID_SIZE];
    if (n > 0 && n < sizeof uuid) {
        memcpy(uuid, p + 1, n);
        uuid[n] = '\0';
        struct dispute *d = arena_alloc(&req->arena, sizeof *d);
        const char *ev = slash != NULL ? path_after(slash, "/evidence/") : NULL;
        if (d == NULL) {
            reply_error(req, 500, "Internal server error");
            return HTTP_DONE;
        }
        if (slash == NULL && get) {
            if (own_dispute(req, &call->t, uuid, d))
                reply_dispute(req, d, &view);
            return HTTP_DONE;
        }
        if (ev != NULL && get && *ev != '\0' && strchr(ev, '/') == NULL) {
            if (own_dispute(req, &call->t, uuid, d))
                reply_dispute_evidence(req, d, ev);
            return HTTP_DONE;
        }
        if (post && slash != NULL && strcmp(slash, "/accept") == 0)
            return answer(req, call, uuid, true);
        if (post && slash != NULL && strcmp(slash, "/reject") == 0)
            return answer(req, call, uuid, false);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
