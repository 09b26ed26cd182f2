/* admin_methods.c: the operator's per-shop payment-method switches.
 *
 *   GET /admin/v1/shops/{id}/methods            every method and whether it is on
 *   PUT /admin/v1/shops/{id}/methods/{payment_system}  {"enabled": bool} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "admin_auth.h"
#include "admin_shops.h"

static void render_method(struct jw *w, const struct pay_method *m, bool enabled)
{
    jw_obj(w);
    jw_kint(w, "payment_system", m->id);
    jw_kstr(w, "name", m->name_en);
    jw_kstr(w, "provider", m->provider == PROVIDER_REQUISITES ? "requisites" : "none");
    jw_kstr_or_null(w, "requisite_type", m->requisite_type);
    jw_kbool(w, "enabled", enabled);
    jw_obj_end(w);
}

static void method_set_done(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct method_set_cmd *cmd = container_of(task, struct method_set_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id); /* its entries carry the switches */
    log_info("shop method switched", "shop=%lld payment_system=%d enabled=%d",
             (long long)cmd->shop_id, cmd->method_id, cmd->enabled);
    struct jw w;
    jw_init(&w, 4096);
    render_method(&w, method_find(cmd->method_id), cmd->enabled);
    reply_jw(req, 200, &w);
}

enum http_action admin_shop_methods(struct http_req *req, const char *rest)
{
    char *end;
    long long shop_id = strtoll(rest, &end, 10);
    if (rest[0] < '1' || rest[0] > '9' || strncmp(end, "/methods", 8) != 0) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    const char *tail = end + 8;
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct method_switches sw;
    kassa_err err = shop ? query_shop(shop_id, shop) : KASSA_ENOMEM;
    if (err == KASSA_OK)
        err = query_method_switches(shop_id, &sw);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if ((tail[0] == '\0' || strcmp(tail, "/") == 0) && strcmp(req->method, "GET") == 0) {
        size_t n;
        const struct pay_method *t = method_table(&n);
        struct jw w;
        jw_init(&w, REPLY_JSON_LIMIT);
        jw_arr(&w);
        for (size_t i = 0; i < n; i++)
            render_method(&w, &t[i], method_enabled(&sw, t[i].id));
        jw_arr_end(&w);
        reply_jw(req, 200, &w);
        return HTTP_DONE;
    }
    if (tail[0] != '/' || strcmp(req->method, "PUT") != 0) {
        reply_error(req, tail[0] == '/' ? 405 : 404,
                    tail[0] == '/' ? "method not allowed" : "Not found");
        return HTTP_DONE;
    }
    char *mend;
    long ps = strtol(tail + 1, &mend, 10);
    const struct pay_method *m = NULL;
    if (tail[1] < '0' || tail[1] > '9' || *mend != '\0' || (m = method_find((int)ps)) == NULL) {
        reply_error(req, 404, "Unknown payment system '%.32s'", tail + 1);
        return HTTP_DONE;
    }
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_t *en = json_object_get(root, "enabled");
    if (!json_is_boolean(en)) {
        json_decref(root);
        reply_error(req, 400, "enabled: required, true or false");
        return HTTP_DONE;
    }
    struct method_set_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->task.run = method_set_apply;
    cmd->shop_id = shop_id;
    cmd->method_id = m->id;
    cmd->enabled = json_is_true(en);
    json_decref(root);
    return admin_submit(req, &cmd->task, method_set_done);
}
