/* admin_requisites.c: the operator's requisites: add one, change one,
 * and the requisite as the admin API shows it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "admin_lists.h"
#include "admin_requisites.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/reply.h"
#include "dialect/requisite.h"
#include "kassa/money.h"

/* A trader's requisite refused by requisite_holder_check. */
static bool holder_refused(struct http_req *req, kassa_err err, const struct requisite *r,
                           const struct trader *t)
{
    if (err == KASSA_ENOTFOUND && r->trader_id > 0 && t->id == 0) {
        reply_error(req, 400, "trader_id: no trader %lld", (long long)r->trader_id);
        return true;
    }
    if (err == KASSA_ECONFLICT) {
        reply_error(req, 400,
                    "owner_full_name: a trader's requisite must be in the trader's verified "
                    "name '%s'",
                    t->verified_name);
        return true;
    }
    return false;
}

static void requisite_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_add_cmd *cmd = container_of(task, struct requisite_add_cmd, task);
    if (holder_refused(req, err, &cmd->req, &cmd->trader))
        return;
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kint(&w, "id", cmd->req.id);
    jw_obj_end(&w);
    reply_jw(req, 201, &w);
}

enum http_action admin_add_requisite(struct http_req *req)
{
    char msg[512];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct requisite_add_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct requisite *r = &cmd->req;
    if (!json_opt_string(root, "type", r->type, sizeof r->type, msg, sizeof msg) ||
        !json_opt_string(root, "requisite", r->value, sizeof r->value, msg, sizeof msg) ||
        !json_opt_string(root, "owner_full_name", r->owner_full_name, sizeof r->owner_full_name,
                         msg, sizeof msg) ||
        !json_opt_string(root, "bank_code", r->bank_code, sizeof r->bank_code, msg, sizeof msg) ||
        !json_opt_string(root, "bank_name_ru", r->bank_name_ru, sizeof r->bank_name_ru, msg,
                         sizeof msg) ||
        !json_opt_string(root, "bank_name_en", r->bank_name_en, sizeof r->bank_name_en, msg,
                         sizeof msg) ||
        !json_opt_string(root, "currency", r->currency, sizeof r->currency, msg, sizeof msg) ||
        !json_opt_string(root, "country_code", r->country_code, sizeof r->country_code, msg,
                         sizeof msg) ||
        !json_opt_string(root, "bic", r->bic, sizeof r->bic, msg, sizeof msg) ||
        !json_opt_string(root, "corr_account", r->corr_account, sizeof r->corr_account, msg,
                         sizeof msg) ||
        !json_opt_id(root, "trader_id", &r->trader_id, msg, sizeof msg) ||
        !requisite_limits_json(req, root, REQUISITE_SET_LIMITS, &cmd->limits, msg, sizeof msg) ||
        requisite_add_prepare(cmd, msg, sizeof msg) != KASSA_OK) {
        json_decref(root);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_decref(root);
    cmd->task.run = requisite_add_apply;
    admin_audit_created(&cmd->req.id);
    return admin_submit(req, &cmd->task, requisite_rendered);
}

void render_admin_requisite(struct jw *w, const struct requisite *r, int64_t pending)
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
    jw_kint(w, "assigned", r->assigned);
    requisite_limits_render(w, r);
    if (r->device_id > 0)
        jw_kint(w, "device_id", r->device_id);
    else
        jw_knull(w, "device_id");
    if (r->trader_id > 0)
        jw_kint(w, "trader_id", r->trader_id);
    else
        jw_knull(w, "trader_id");
    if (pending >= 0)
        jw_kint(w, "pending_orders", pending);
    clock_format(r->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    jw_obj_end(w);
}

static void requisite_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_update_cmd *cmd = container_of(task, struct requisite_update_cmd, task);
    if (holder_refused(req, err, &cmd->req, &cmd->trader))
        return;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Requisite not found");
        return;
    }
    if (err == KASSA_EINVAL) {
        reply_error(req, 400, "%s", cmd->msg);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    const struct requisite *r = &cmd->req;
    log_info("requisite updated", "id=%lld active=%d settings=0x%x", (long long)r->id, r->active,
             cmd->set);
    struct jw w;
    jw_init(&w, 4096);
    render_admin_requisite(&w, r, -1);
    reply_jw(req, 200, &w);
}

/* PATCH /admin/v1/requisites/{id}: any of active (false: it takes no new
 * orders; its pending ones run their course), owner_full_name, bank_code,
 * bank_name_ru, bank_name_en, country_code, bic, corr_account (an account
 * requisite's bank, for the payer's ST00012 QR code). Its type, number and currency
 * never change (a payer may be paying it now): add a new requisite. */
enum http_action admin_patch_requisite(struct http_req *req, const char *arg)
{
    static const struct {
        const char *name;
        unsigned flag;
        size_t off, size;
    } fields[] = {
        {"owner_full_name", REQUISITE_SET_OWNER, offsetof(struct requisite, owner_full_name),
         TEXT_SIZE},
        {"bank_code", REQUISITE_SET_BANK_CODE, offsetof(struct requisite, bank_code), SHORT_SIZE},
        {"bank_name_ru", REQUISITE_SET_BANK_NAME_RU, offsetof(struct requisite, bank_name_ru),
         TEXT_SIZE},
        {"bank_name_en", REQUISITE_SET_BANK_NAME_EN, offsetof(struct requisite, bank_name_en),
         TEXT_SIZE},
        {"country_code", REQUISITE_SET_COUNTRY, offsetof(struct requisite, country_code), 16},
        {"bic", REQUISITE_SET_BIC, offsetof(struct requisite, bic), 16},
        {"corr_account", REQUISITE_SET_CORR_ACCOUNT, offsetof(struct requisite, corr_account), 32},
    };
    char msg[512];
    char *end;
    long long id = strtoll(arg, &end, 10);
    if (id <= 0 || *end != '\0' || *arg < '0' || *arg > '9') {
        reply_error(req, 404, "Requisite not found");
        return HTTP_DONE;
    }
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct requisite_update_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->id = id;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        size_t i = 0;
        while (i < sizeof fields / sizeof fields[0] && strcmp(fields[i].name, key) != 0)
            i++;
        if (requisite_limit_key(key)) {
            continue; /* requisite_limits_json below */
        } else if (i < sizeof fields / sizeof fields[0]) {
            char *dst = (char *)&cmd->values + fields[i].off;
            if (!json_is_string(val) || json_string_length(val) >= fields[i].size) {
                snprintf(msg, sizeof msg, "%s: expected a string of at most %zu bytes", key,
                         fields[i].size - 1);
                goto refuse;
            }
            core_copy(dst, fields[i].size, json_string_value(val));
            cmd->set |= fields[i].flag;
        } else if (strcmp(key, "active") == 0) {
            if (!json_is_boolean(val)) {
                snprintf(msg, sizeof msg, "active: expected true or false");
                goto refuse;
            }
            cmd->values.active = json_is_true(val) ? 1 : 0;
            cmd->set |= REQUISITE_SET_ACTIVE;
        } else if (strcmp(key, "type") == 0 || strcmp(key, "requisite") == 0 ||
                   strcmp(key, "currency") == 0) {
            snprintf(msg, sizeof msg,
                     "%s: a requisite's type, number and currency never change (a payer may be "
                     "paying it now); add a new requisite and switch this one off",
                     key);
            goto refuse;
        } else {
            snprintf(msg, sizeof msg,
                     "unknown field '%.64s': a requisite update takes active, owner_full_name, "
                     "bank_code, bank_name_ru, bank_name_en, country_code, bic, corr_account, "
                     "min_amount, max_amount, daily_amount, daily_count, max_pending, paused",
                     key);
            goto refuse;
        }
    }
    if (!requisite_limits_json(req, root, REQUISITE_SET_LIMITS, &cmd->limits, msg, sizeof msg) ||
        requisite_update_prepare(cmd, msg, sizeof msg) != KASSA_OK)
        goto refuse;
    json_decref(root);
    cmd->task.run = requisite_update_apply;
    return admin_submit(req, &cmd->task, requisite_updated);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* ---- orders ------------------------------------------------------------- */

/* The operator's view of an order: core names, every field. */
