/* settings.c: operator settings written from the admin API (see core.h). */
#include "base/base.h"
#include "base/clock.h"
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
    return STORE_CALL(c, callback_resend, cmd->id, clock_now_ms());
}
