/* device.h: a trader's phones and the bank notifications they relay
 * (spec/p2p.md "Confirmation"; core/device.c, core/bank_message.c). Part
 * of core.h, which includes it. */
#ifndef KASSA_CORE_DEVICE_H
#define KASSA_CORE_DEVICE_H

#include "core.h"

/* ---- device.c: devices, a trader's phones (spec/p2p.md "Confirmation") ---- */

#define DEVICE_PAIRING_TTL 600 /* seconds a pairing code is good for */
#define DEVICE_CODE_SIZE 13    /* a pairing code: 12 of A-Z and 2-9, + NUL */
#define DEVICE_TOKEN_PREFIX "kdt_"
#define DEVICE_TOKEN_SIZE 53    /* "kdt_" + 48 hex + NUL */
#define DEVICE_MESSAGES_MAX 100 /* messages one POST may carry */

/* The SHA-256 (64 hex) a pairing code or a device token is kept as. A
 * code is compared without case, spaces or dashes ("abcd-efgh-jkmn"). */
void device_code_hash(const char *code, char hash[65]);
void device_token_hash(const char *token, char hash[65]);

/* A pairing code for trader_id (prepare makes it and its hash; apply
 * keeps the hash, good for DEVICE_PAIRING_TTL seconds). KASSA_ENOTFOUND
 * (no such trader), KASSA_ESTATE (the trader is suspended). */
struct device_code_cmd {
    struct store_task task;
    int64_t trader_id;           /* in */
    char code[DEVICE_CODE_SIZE]; /* prepared: shown once */
    char code_hash[65];
    int64_t expires_at; /* out */
};
void device_code_prepare(struct device_code_cmd *cmd);
kassa_err device_code_apply(struct store_conn *c, struct store_task *task);

/* Why a pairing was refused. */
enum device_pair_refusal { PAIR_OK, PAIR_UNKNOWN, PAIR_USED, PAIR_EXPIRED };

/* The phone's pairing: the code (its hash, prepared) and a name in; a new
 * device with a new token and secret out (the token's hash only kept).
 * KASSA_EAUTH_KEY with `refusal` saying why. */
struct device_pair_cmd {
    struct store_task task;
    char code_hash[65];               /* in */
    char name[TEXT_SIZE];             /* in */
    struct device device;             /* out (secret prepared) */
    char token[DEVICE_TOKEN_SIZE];    /* prepared: shown once */
    enum device_pair_refusal refusal; /* out */
};
void device_pair_prepare(struct device_pair_cmd *cmd, const char *code);
kassa_err device_pair_apply(struct store_conn *c, struct store_task *task);

/* The device a bearer token names, in use (read on a reader):
 * KASSA_ENOTFOUND for an unknown or revoked token's. */
kassa_err device_authenticate(const char *token, struct device *out);

/* An authenticated device request's change: its nonce recorded (a replay:
 * KASSA_EAUTH_REPLAY), last_seen set to now, and with `rotate` a new token
 * and secret (prepared by device_touch_prepare; the old ones stop at
 * once). KASSA_ENOTFOUND when the device was revoked meanwhile. */
struct device_touch_cmd {
    struct store_task task;
    int64_t device_id;          /* in */
    struct request_nonce nonce; /* in */
    bool rotate;                /* in */
    char token[DEVICE_TOKEN_SIZE];
    char secret[KEY_SIZE];
    struct device device; /* out: after */
};
void device_touch_prepare(struct device_touch_cmd *cmd);
kassa_err device_touch_apply(struct store_conn *c, struct store_task *task);

/* Revoke a device (its token and secret stop; requisites bound to it are
 * unbound). trader_id 0: the operator's (any device), else the device must
 * be that trader's. KASSA_ENOTFOUND (none, another trader's), KASSA_ESTATE
 * (already revoked). */
struct device_revoke_cmd {
    struct store_task task;
    int64_t device_id, trader_id; /* in */
    struct device device;         /* out */
};
kassa_err device_revoke_apply(struct store_conn *c, struct store_task *task);

/* Bind a requisite to a device of its own trader (device_id 0: unbind).
 * trader_id 0: the operator's, else the requisite must be that trader's.
 * KASSA_ENOTFOUND (no such requisite: `what` "requisite"; no such device
 * in use: "device"), KASSA_ECONFLICT (the device is another trader's, or
 * the requisite has no trader). */
struct requisite_bind_cmd {
    struct store_task task;
    int64_t requisite_id, device_id, trader_id; /* in */
    const char *what;                           /* out, on KASSA_ENOTFOUND */
    int64_t requisite_trader;                   /* out */
};
kassa_err requisite_bind_apply(struct store_conn *c, struct store_task *task);

/* ---- bank_message.c: bank notifications kept, read and matched ---------- */

/* What the candidates of a credit say (a pure rule, no store). */
enum bank_match { BANK_MATCH_NONE, BANK_MATCH_ONE, BANK_MATCH_MANY };

/* Of n candidate orders (store_bank_candidates: the credit's amount and
 * currency), those the credit may confirm: pending or expired, assigned
 * at or before `received_at` and expiring no earlier than received_at -
 * grace; when not `bound` (the device has no requisite bound), also on a
 * requisite of the credit's bank (bank_same) whose number ends with the
 * credit's last4 (none given: none may). *which: the index of the one
 * (BANK_MATCH_ONE). */
enum bank_match bank_match_decide(const struct bank_candidate *cands, int n, int64_t received_at,
                                  int64_t grace, bool bound, const char *bank, const char *last4,
                                  int *which);

/* Whether a template's bank name ("Sber") names a requisite's bank: its
 * bank_code or bank_name_en equal without case, or bank_name_en beginning
 * with it ("Sberbank"). */
bool bank_same(const char *bank, const char *bank_code, const char *bank_name_en);

/* Read one message (its source, sender, package, title, text, in) with
 * the installed templates: kind, amount, currency, last4, payer, bank and
 * template_id out; a message that is no credit is BANK_MESSAGE_IGNORED
 * with its reason (debit, balance, other, unparsed, unreadable), a credit
 * BANK_MESSAGE_UNMATCHED until matched. */
void bank_message_read(struct bank_message *m);

/* A device's batch of messages (read by device_messages_prepare). Per
 * message, out: its state, reason and order uuid as stored (a repeat of
 * an event id answers as the first did, nothing new stored). Each credit
 * is matched (bank_match_decide) and completes its one order by
 * order_transition_received (ACTOR_DEVICE, the amount read). The device's
 * nonce and last_seen as device_touch_cmd. KASSA_ENOTFOUND when the device
 * was revoked meanwhile, KASSA_EAUTH_REPLAY. */
struct device_message_answer {
    enum bank_message_state state;
    char reason[16];
    char order_uuid[UUID_SIZE];
    int64_t id;
};
struct device_messages_cmd {
    struct store_task task;
    int64_t device_id;                 /* in */
    struct request_nonce nonce;        /* in */
    int n;                             /* in */
    const struct bank_message *in;     /* in: n messages, read */
    struct device_message_answer *out; /* out: n answers */
};
kassa_err device_messages_apply(struct store_conn *c, struct store_task *task);

/* Attach an unmatched or ambiguous message to an order (by uuid): the
 * order completes with the message's amount (ACTOR_OPERATOR, or
 * ACTOR_TRADER's when the trader acts). The order must be on a requisite
 * of the message's trader; trader_id 0: the operator (any message), else
 * the message must be that trader's. KASSA_ENOTFOUND (`what`: "message",
 * "order"), KASSA_ESTATE (the message is matched or ignored: `what`
 * "message"; the order may not complete: "order"), KASSA_ECONFLICT (the
 * order is another trader's, or of another currency). */
struct bank_message_attach_cmd {
    struct store_task task;
    int64_t message_id, trader_id; /* in */
    char order_uuid[UUID_SIZE];    /* in */
    enum actor actor;              /* in */
    const char *matched_by;        /* in: "operator", "trader" */
    const char *what;              /* out, on a refusal */
    struct bank_message message;   /* out: after */
    struct order order;            /* out: after */
};
kassa_err bank_message_attach_apply(struct store_conn *c, struct store_task *task);

#endif
