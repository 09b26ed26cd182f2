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
#include "dialect/list.h"
#include "dialect/p2p.h"
#include "dialect/reply.h"
#include "kassa/money.h"

static const struct dispute_view view = {.base = "/admin/v1/disputes", .for_operator = true};

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
    bool queue;
    if (!dispute_list_args(req, &f, &queue))
        return HTTP_DONE;
    /* Without a status or awaiting: the open ones, the operator's first. */
    reply_dispute_list(req, f, queue, AWAIT_OPERATOR, (int)n, &view);
    return HTTP_DONE;
}

static enum http_action get_dispute(struct http_req *req, const char *uuid)
{
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(0, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (!lookup_failed(req, err, "Dispute"))
        reply_dispute(req, d, &view);
    return HTTP_DONE;
}

static enum http_action get_evidence(struct http_req *req, const char *uuid, const char *ev)
{
    struct dispute *d = arena_alloc(&req->arena, sizeof *d);
    kassa_err err = d != NULL ? query_dispute(0, DISPUTE_BY_UUID, 0, uuid, d) : KASSA_ENOMEM;
    if (lookup_failed(req, err, "Dispute"))
        return HTTP_DONE;
    reply_dispute_evidence(req, d, ev);
    return HTTP_DONE;
}

/* ---- the operator's and the trader's moves ------------------------------------- */

static void changed(struct http_req *req, struct store_task *task, kassa_err err)
{
    reply_dispute_changed(req, container_of(task, struct dispute_cmd, task), err, &view);
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
    char msg[512], outcome[16];
    int status = 400;
    const char *names[5] = {0};
    for (int k = 0; k < 4 && actions[i].members[k] != NULL; k++)
        names[k] = actions[i].members[k];
    if (!dispute_body(req, cmd, names, NULL, outcome, sizeof outcome, &status, msg, sizeof msg))
        goto refuse;
    if (cmd->action == DISPUTE_DECIDE_SUCCESS) {
        if (strcmp(outcome, "cancel") == 0)
            cmd->action = DISPUTE_DECIDE_CANCEL;
        else if (strcmp(outcome, "success") != 0) {
            snprintf(msg, sizeof msg, "%s",
                     req->body_len > 0 ? "outcome: expected success or cancel"
                                       : "outcome: required, success or cancel");
            goto refuse;
        }
        if (cmd->action == DISPUTE_DECIDE_CANCEL && cmd->amount != 0) {
            snprintf(msg, sizeof msg, "amount_received: only with outcome success");
            goto refuse;
        }
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
