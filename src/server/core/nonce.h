/* nonce.h: requests that must not be replayed (nonce.c): a signed
 * request's nonce recorded with the change it asks for, in the same
 * transaction, so that no node takes it twice. Included by core.h. */
#ifndef KASSA_CORE_NONCE_H
#define KASSA_CORE_NONCE_H

#include <stdbool.h>
#include <stdint.h>

#include "kassa/error.h"
#include "store/store.h"

#define NONCE_SIZE 72

/* A signed request's nonce and the hash of its body: the same pair twice
 * is a replay (the same nonce with another body is not). */
struct request_nonce {
    bool has; /* false: nothing to record */
    char nonce[NONCE_SIZE];
    unsigned char body_hash[32];
};

/* Record the nonce of shop_id's request, in the caller's transaction,
 * pruning records older than two days now and then. KASSA_EAUTH_REPLAY
 * when the shop sent this nonce with this body before. */
kassa_err nonce_record(struct store_conn *c, int64_t shop_id, const struct request_nonce *n);

/* A command that records a nonce, then runs `inner` in the same
 * savepoint (a replay refuses both with KASSA_EAUTH_REPLAY). `owner`: a
 * shop's id, or a trader's id negated (dialect/signed.h). */
struct nonced_task {
    struct store_task task; /* run: nonced_run */
    struct store_task *inner;
    int64_t owner;
    struct request_nonce nonce;
};
kassa_err nonced_run(struct store_conn *c, struct store_task *task);

/* A command that only records a nonce (a read that must not be replayed). */
struct nonce_cmd {
    struct store_task task;
    int64_t shop_id;
    struct request_nonce nonce;
};
kassa_err nonce_apply(struct store_conn *c, struct store_task *task);

#endif
