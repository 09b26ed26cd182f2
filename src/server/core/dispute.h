/* dispute.h: disputes (spec/p2p.md "Disputes"; core/dispute.c). Part of
 * core.h, which includes it. */
#ifndef KASSA_CORE_DISPUTE_H
#define KASSA_CORE_DISPUTE_H

#include "core.h"

/* ---- dispute.c: disputes (spec/p2p.md "Disputes") ------------------------ */

#define DISPUTE_TTL_DEFAULT 1800 /* seconds a trader has to answer, per shop */
#define DISPUTE_TTL_MIN 60
#define DISPUTE_TTL_MAX (30 * 86400)
#define DISPUTE_FILES_MAX 5                /* evidence files one request carries */
#define DISPUTE_FILE_MAX RECEIPT_IMAGE_MAX /* bytes of one (3 MB) */
#define DISPUTE_EXPIRE_BATCH 64

/* Seconds the trader has left to answer at `now`: 0 when paused, resolved
 * or not the trader's move. */
int64_t dispute_ttl_left(const struct dispute *d, int64_t now);
/* The clock of a dispute: pausing stops it (paused_at), resuming moves
 * the deadline on by the pause and adds it to pause_duration. */
void dispute_pause_at(struct dispute *d, int64_t now);
void dispute_resume_at(struct dispute *d, int64_t now);
/* Whether an order in this state may have a dispute opened on it: timeout
 * (expired), canceled or failed, or pending with the payer's confirmation. */
bool dispute_order_ok(const struct order *o);
/* The content type of an evidence file by its first bytes ("image/jpeg",
 * "image/png", "application/pdf"), NULL when it is none of them. */
const char *dispute_evidence_type(const void *data, size_t len);
/* Whether `code` is a trader's reason to reject (payment_not_found, ...). */
bool dispute_reason_known(const char *code);
extern const char *const dispute_reasons[]; /* NULL-ended */

struct dispute_file {
    const void *data;
    size_t len;
    const char *content_type; /* dispute_evidence_type's */
};

enum dispute_action {
    DISPUTE_OPEN,   /* the merchant (or, from a receipt, the payer); reopens a canceled one */
    DISPUTE_ACCEPT, /* the trader's answers (or the operator's for the trader) */
    DISPUTE_REJECT,
    DISPUTE_DECIDE_SUCCESS, /* the operator's */
    DISPUTE_DECIDE_CANCEL,
    DISPUTE_PAUSE,
    DISPUTE_RESUME,
};

/* Why a dispute command was refused (KASSA_ESTATE). */
enum dispute_refusal {
    DISPUTE_REFUSE_NONE,
    DISPUTE_REFUSE_ORDER_STATE, /* the order's state allows no dispute (cmd->order) */
    DISPUTE_REFUSE_OPEN,        /* the order has an open dispute already */
    DISPUTE_REFUSE_REOPENED,    /* a canceled dispute was reopened once already */
    DISPUTE_REFUSE_RESOLVED,    /* the dispute is resolved (cmd->dispute) */
    DISPUTE_REFUSE_NOT_TRADERS, /* it is not the trader's move (answered, expired, paused) */
    DISPUTE_REFUSE_NOT_PAUSED,  /* resume: it is not paused */
    DISPUTE_REFUSE_PAUSED,      /* pause: it is paused already */
    DISPUTE_REFUSE_NO_EVIDENCE, /* a reopening brings no new evidence */
};

/* One change of a dispute, with its log line, its evidence, the order's
 * completion when resolved in the payer's favour (order_transition_received
 * with ACTOR_DISPUTE: postings, event, the order's callback) and, for shops
 * that turn it on, a `dispute.<status>` event (the dispute callback), all
 * in the task's transaction. KASSA_ENOTFOUND (no such order or dispute, or
 * not the shop's or the trader's), KASSA_ESTATE with cmd->refusal, or the
 * completion's errors (KASSA_EAMOUNT_LIMIT, ...). */
struct dispute_cmd {
    struct store_task task;
    enum dispute_action action; /* in */
    enum dispute_party actor;   /* in: merchant, customer, trader, operator */
    /* in: a trader's own answer: only a dispute on an order of the
     * trader's requisites (else KASSA_ENOTFOUND); 0 for anyone else */
    int64_t trader_id;
    int64_t shop_id;      /* in: only this shop's (the merchant's); 0: any */
    int64_t order_id;     /* in, DISPUTE_OPEN: the order */
    char uuid[UUID_SIZE]; /* in, every other action: the dispute */
    /* in: OPEN the amount the payer says was sent (0: the order's);
     * ACCEPT and DECIDE_SUCCESS the amount received (0: the dispute's) */
    int64_t amount;
    char comment[DISPUTE_COMMENT_SIZE];           /* in: the log line's words */
    char reason[SHORT_SIZE];                      /* in, REJECT: dispute_reason_known */
    struct dispute_file files[DISPUTE_FILES_MAX]; /* in: evidence */
    int n_files;
    enum dispute_refusal refusal; /* out */
    bool reopened;                /* out: OPEN reopened a canceled dispute */
    struct dispute dispute;       /* out: the dispute after */
    struct order order;           /* out: its order after */
};
kassa_err dispute_apply(struct store_conn *c, struct store_task *task);

/* The payer's receipt (receipt_image_apply) on a timed-out order: opens a
 * dispute with initiator customer and the receipt as evidence, or adds it
 * to the open one. */
kassa_err dispute_from_receipt(struct store_conn *c, const struct order *o,
                               const struct dispute_file *f);

/* Move disputes whose trader did not answer in time to the operator (a
 * log line of the system), or resolve them in the payer's favour for shops
 * with dispute_auto_success; up to DISPUTE_EXPIRE_BATCH (the sweeper's). */
struct dispute_expire_cmd {
    struct store_task task;
    int expired; /* out */
};
kassa_err dispute_expire_apply(struct store_conn *c, struct store_task *task);

/* The dialects map the core's statuses to their own names and numbers. */

#include "core/query.h" /* the reads a dialect needs */

#endif
