/* nonce.c: requests that must not be replayed (see core.h). */
#include "base/base.h"
#include "base/clock.h"
#include "core.h"

#define NONCE_KEEP (2 * 86400) /* records older than this are pruned */

kassa_err nonce_record(struct store_conn *c, int64_t shop_id, const struct request_nonce *n)
{
    static _Thread_local int64_t last_prune; /* per writer thread */
    if (n == NULL || !n->has)
        return KASSA_OK;
    int64_t now = clock_now();
    kassa_err err;
    if (now - last_prune >= 60) {
        if ((err = STORE_CALL(c, nonce_prune, now - NONCE_KEEP)) != KASSA_OK)
            return err;
        last_prune = now;
    }
    err = STORE_CALL(c, nonce_put, shop_id, n->nonce, n->body_hash, now);
    return err == KASSA_EEXIST ? KASSA_EAUTH_REPLAY : err;
}

kassa_err nonce_apply(struct store_conn *c, struct store_task *task)
{
    struct nonce_cmd *cmd = container_of(task, struct nonce_cmd, task);
    return nonce_record(c, cmd->shop_id, &cmd->nonce);
}

kassa_err nonced_run(struct store_conn *c, struct store_task *task)
{
    struct nonced_task *t = container_of(task, struct nonced_task, task);
    kassa_err err = nonce_record(c, t->owner, &t->nonce);
    return err != KASSA_OK ? err : t->inner->run(c, t->inner);
}
