/* requisites.c: a trader's own requisites (trader.h):
 *
 *   GET   /trader/v1/requisites?type=&currency=&active=   a list
 *   POST  /trader/v1/requisites   {"type", "requisite", "owner_full_name",
 *         "bank_code", "bank_name_ru", "bank_name_en", "currency",
 *         "country_code", and the limits} -> 201 the requisite (the
 *         trader's own, in its verified name: requisite_holder_check)
 *   POST  /trader/v1/requisites/{id}/pause, .../resume   -> the requisite
 *   PATCH /trader/v1/requisites/{id}   {"min_amount", "max_amount",
 *         "daily_amount", "daily_count", "max_pending"} -> the requisite
 *
 * The limits are the admin API's (dialect/requisite.h, the core's rule);
 * another trader's requisite answers 404 as a missing one (the core's
 * requisite_update_cmd.trader_id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/list.h"
#include "dialect/requisite.h"
#include "trader.h"

/* The trader's view of its requisite, with the count of its pending
 * orders when pending >= 0. */
static void render_requisite(struct jw *w, const struct requisite *r, int64_t pending)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", r->id);
    jw_kstr(w, "type", r->type);
    jw_kstr(w, "requisite", r->value);
    jw_kstr(w, "owner_full_name", r->owner_full_name);
    jw_kstr(w, "bank_code", r->bank_code);
    jw_kstr(w, "bank_name_ru", r->bank_name_ru);
    jw_kstr(w, "bank_name_en", r->bank_name_en);
    jw_kstr(w, "currency", r->currency);
    jw_kstr(w, "country_code", r->country_code);
    jw_kstr(w, "bic", r->bic);
    jw_kstr(w, "corr_account", r->corr_account);
    jw_kbool(w, "active", r->active != 0);
    requisite_limits_render(w, r);
    if (pending >= 0)
        jw_kint(w, "pending_orders", pending);
    clock_format(r->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    jw_obj_end(w);
}

/* ---- the list ------------------------------------------------------------ */

static bool page_requisite(void *arg, const struct requisite *r, int64_t pending)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_requisite(p->w, r, pending);
    p->last_id = r->id;
    return true;
}

static enum http_action list_requisites(struct http_req *req, const struct trader *t)
{
    struct requisite_filter f = {.active = -1, .trader_id = t->id};
    if (!requisite_list_args(req, &f))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_requisites_list(&f, page_requisite, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* Whether root has no member but `names` (null ones allowed: no limit,
 * or nothing, as the admin API takes them); else msg says which. */
static bool only_names(json_t *root, const char *const *names, const char *what, char *msg,
                       size_t msglen)
{
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], key) != 0)
            i++;
        if (names[i] == NULL) {
            snprintf(msg, msglen, "unknown field '%.64s': %s", key, what);
            return false;
        }
    }
    return true;
}

/* ---- adding one ---------------------------------------------------------- */

static void requisite_added(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_add_cmd *cmd = container_of(task, struct requisite_add_cmd, task);
    if (err == KASSA_ECONFLICT) {
        reply_error(req, 400,
                    "owner_full_name: a trader's requisite must be in the trader's verified "
                    "name '%s'",
                    cmd->trader.verified_name);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("requisite added by its trader", "id=%lld", (long long)cmd->req.id);
    struct jw w;
    jw_init(&w, 4096);
    render_requisite(&w, &cmd->req, 0);
    reply_jw(req, 201, &w);
}

static enum http_action add_requisite(struct http_req *req, struct trader_call *call)
{
    static const char *const names[] = {
        "type",         "requisite",   "owner_full_name", "bank_code",  "bank_name_ru",
        "bank_name_en", "currency",    "country_code",    "min_amount", "max_amount",
        "daily_amount", "daily_count", "max_pending",     "paused",     "bic",
        "corr_account", NULL};
    static const struct {
        const char *name;
        size_t off, size;
    } fields[] = {
        {"type", offsetof(struct requisite, type), SHORT_SIZE},
        {"requisite", offsetof(struct requisite, value), TEXT_SIZE},
        {"owner_full_name", offsetof(struct requisite, owner_full_name), TEXT_SIZE},
        {"bank_code", offsetof(struct requisite, bank_code), SHORT_SIZE},
        {"bank_name_ru", offsetof(struct requisite, bank_name_ru), TEXT_SIZE},
        {"bank_name_en", offsetof(struct requisite, bank_name_en), TEXT_SIZE},
        {"currency", offsetof(struct requisite, currency), 16},
        {"country_code", offsetof(struct requisite, country_code), 16},
        {"bic", offsetof(struct requisite, bic), 16},
        {"corr_account", offsetof(struct requisite, corr_account), 32},
    };
    char msg[512];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct requisite_add_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    bool ok =
        cmd != NULL && only_names(root, names,
                                  "a requisite takes type, requisite, owner_full_name, bank_code, "
                                  "bank_name_ru, bank_name_en, currency, country_code, min_amount, "
                                  "max_amount, daily_amount, daily_count, max_pending, paused, "
                                  "bic and corr_account",
                                  msg, sizeof msg);
    for (size_t i = 0; ok && i < sizeof fields / sizeof fields[0]; i++)
        ok = json_opt_string(root, fields[i].name, (char *)&cmd->req + fields[i].off,
                             fields[i].size, msg, sizeof msg);
    ok =
        ok && requisite_limits_json(req, root, REQUISITE_SET_LIMITS, &cmd->limits, msg, sizeof msg);
    json_decref(root);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    /* The trader's own: never another's, whatever the body says. */
    cmd->req.trader_id = call->t.id;
    if (!ok || requisite_add_prepare(cmd, msg, sizeof msg) != KASSA_OK) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = requisite_add_apply;
    trader_audit_created(call, &cmd->req.id);
    return trader_submit(req, call, &cmd->task, requisite_added);
}

/* ---- pause, resume, limits ----------------------------------------------- */

static void requisite_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_update_cmd *cmd = container_of(task, struct requisite_update_cmd, task);
    switch (err) {
    case KASSA_OK:
        break;
    case KASSA_ENOTFOUND:
        reply_error(req, 404, "Requisite not found");
        return;
    case KASSA_EINVAL:
        reply_error(req, 400, "%s", cmd->msg);
        return;
    default:
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("requisite changed by its trader", "id=%lld paused=%d limits=0x%x",
             (long long)cmd->req.id, cmd->req.paused, cmd->limits.set);
    struct jw w;
    jw_init(&w, 4096);
    render_requisite(&w, &cmd->req, -1);
    reply_jw(req, 200, &w);
}

/* The limits the trader sets (its pause has endpoints of their own). */
#define TRADER_LIMITS (REQUISITE_SET_LIMITS & ~REQUISITE_SET_PAUSED)

/* pause: "pause", "resume", or NULL for a PATCH of the limits. */
static enum http_action update_requisite(struct http_req *req, struct trader_call *call, int64_t id,
                                         const char *pause)
{
    static const char *const names[] = {"min_amount",  "max_amount",  "daily_amount",
                                        "daily_count", "max_pending", NULL};
    char msg[512];
    struct requisite_update_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->id = id;
    cmd->trader_id = call->t.id;
    if (pause != NULL) {
        if (req->body_len > 0) {
            reply_error(req, 400, "%s takes no body", pause);
            return HTTP_DONE;
        }
        cmd->limits.set = REQUISITE_SET_PAUSED;
        cmd->limits.values.paused = strcmp(pause, "pause") == 0;
    } else {
        json_t *root = parse_json_object(req, msg, sizeof msg);
        bool ok = root != NULL &&
                  only_names(root, names,
                             "a trader's requisite update takes min_amount, max_amount, "
                             "daily_amount, daily_count and max_pending (pause and "
                             "resume: POST .../pause, .../resume)",
                             msg, sizeof msg) &&
                  requisite_limits_json(req, root, TRADER_LIMITS, &cmd->limits, msg, sizeof msg);
        json_decref(root);
        if (!ok || requisite_update_prepare(cmd, msg, sizeof msg) != KASSA_OK) {
            reply_error(req, 400, "%s", msg);
            return HTTP_DONE;
        }
    }
    cmd->task.run = requisite_update_apply;
    return trader_submit(req, call, &cmd->task, requisite_updated);
}

enum http_action trader_requisites(struct http_req *req, struct trader_call *call, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (p[0] == '\0' && get)
        return list_requisites(req, &call->t);
    if (p[0] == '\0' && post)
        return add_requisite(req, call);
    char *end = NULL;
    long long id = p[0] == '/' && p[1] >= '1' && p[1] <= '9' ? strtoll(p + 1, &end, 10) : 0;
    if (id > 0 && *end == '\0' && strcmp(req->method, "PATCH") == 0)
        return update_requisite(req, call, id, NULL);
    if (id > 0 && post && (strcmp(end, "/pause") == 0 || strcmp(end, "/resume") == 0))
        return update_requisite(req, call, id, end + 1);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
