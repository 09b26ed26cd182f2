/* settings.c: operator settings written from the admin API (see core.h). */
#include <stdlib.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core.h"

kassa_err rate_put_apply(struct store_conn *c, struct store_task *task)
{
    struct rate_put_cmd *cmd = container_of(task, struct rate_put_cmd, task);
    return STORE_CALL(c, rate_put, cmd->from, cmd->to, cmd->rate, clock_now());
}

kassa_err method_set_apply(struct store_conn *c, struct store_task *task)
{
    struct method_set_cmd *cmd = container_of(task, struct method_set_cmd, task);
    return STORE_CALL(c, shop_method_set, cmd->shop_id, cmd->method_id, cmd->enabled, clock_now());
}

kassa_err callback_resend_apply(struct store_conn *c, struct store_task *task)
{
    struct callback_resend_cmd *cmd = container_of(task, struct callback_resend_cmd, task);
    if (cmd->merchant_id > 0) {
        struct callback *cb = malloc(sizeof *cb);
        kassa_err err = cb != NULL ? STORE_CALL(c, callback_get, cmd->id, cb) : KASSA_ENOMEM;
        if (err == KASSA_OK)
            err = merchant_shop_check(c, cb->shop_id, cmd->merchant_id);
        free(cb);
        if (err != KASSA_OK)
            return err;
    }
    return STORE_CALL(c, callback_resend, cmd->id, clock_now_ms());
}

#define CLOCK_SETTING "test_clock_offset"

kassa_err clock_keep_apply(struct store_conn *c, struct store_task *task)
{
    struct clock_keep_cmd *cmd = container_of(task, struct clock_keep_cmd, task);
    char v[24];
    core_i64(cmd->offset, v);
    return STORE_CALL(c, setting_put, CLOCK_SETTING, v, clock_now());
}

kassa_err clock_restore(struct store *s)
{
    if (!clock_is_test())
        return KASSA_OK;
    struct store_conn *c = store_reader(s);
    if (c == NULL)
        return KASSA_EIO;
    char v[24];
    kassa_err err = STORE_CALL(c, setting_get, CLOCK_SETTING, v, sizeof v);
    store_release(c);
    if (err == KASSA_ENOTFOUND)
        return KASSA_OK;
    if (err != KASSA_OK)
        return err;
    long long offset = strtoll(v, NULL, 10);
    int64_t moved = offset - clock_offset();
    if (moved > 0 && (err = clock_advance(moved)) != KASSA_OK)
        return err;
    log_info("test clock restored", "offset_s=%lld now=%lld", offset, (long long)clock_now());
    return KASSA_OK;
}
