/* core.h: shops, requisites and orders, dialect-free.
 *
 * Each write is a command struct that embeds a store task (store.h's struct
 * store_task, member `task`): a dialect fills the command's inputs, calls
 * the *_prepare function on its own thread (random ids, fingerprints: work
 * that needs no database), sets task.run to the command's *_apply (or calls
 * its *_init) and submits &cmd->task (txn/submit.h). The writer then runs
 * *_apply inside a batch transaction, possibly more than once (store.h);
 * *_apply finds its command with container_of. The core knows no writer:
 * its one timer, the sweeper, is given a function that runs a task
 * (core_run_fn). */
#ifndef KASSA_CORE_H
#define KASSA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "model/model.h"

/* ---- settings ----------------------------------------------------------- */

/* A merchant dialect as the core knows it: a name, the id its orders
 * carry, and what a new shop's row of it gets. The core never asks what a
 * dialect is; main.c builds the list from the dialect registry and the
 * configuration. */
struct core_dialect {
    const char *name;                /* registered name: the key of the shop's row (static) */
    int id;                          /* what orders.origin holds for its orders */
    int order_ttl;                   /* seconds a new shop's orders of it live */
    const char *callback_format;     /* a new shop's callback format (static) */
    int api_key_bytes, secret_bytes; /* random bytes of new credentials, as hex */
    /* Whether `value` is a callback format of the dialect; false with a
     * message naming the setting in msg. */
    bool (*callback_format_ok)(const char *value, char *msg, size_t msglen);
};

/* What the deployment tells the core (main.c sets it from the
 * configuration; the defaults serve tests). */
struct core_settings {
    int idempotency_ttl;  /* seconds idempotency keys are kept (86400) */
    int auth_fail_limit;  /* failed authentications a key or address may have (20) */
    int auth_fail_window; /* ... in this many seconds, then 429 until it ends (60) */
    /* A reversal leaves the platform its fee: the merchant's available is
     * debited the whole amount paid (false: the fee goes back too, the
     * merchant loses only what it was credited). --reversal-keeps-fee. */
    bool reversal_keeps_fee;
    /* Seconds after an order expired that a device's bank credit received
     * by then may still complete it (600). --bank-message-grace. */
    int bank_message_grace;
    /* The merchant dialects of the deployment: a new shop gets a row of
     * each (none until configured). */
    int n_dialects;
    struct core_dialect dialects[SHOP_DIALECTS_MAX];
};

/* Set the settings (zero fields keep their defaults; a dialect list
 * replaces the one in force). */
void core_configure(const struct core_settings *s);
/* The settings in force. */
const struct core_settings *core_settings(void);
/* A configured merchant dialect by name or by id, or NULL. */
const struct core_dialect *core_dialect(const char *name);
const struct core_dialect *core_dialect_by_id(int id);

/* ---- metrics.c: what GET /metrics counts of the core ------------------ */

/* Register the core's series (core_configure does, once it is given the
 * dialects: they are the order transitions' dialect label). */
void core_metrics_register(void);

/* Count, once the transaction around it commits (base/metric.h
 * metric_stage), an order that entered o->status (created, or a
 * transition), or a withdrawal that entered w->status. */
void core_count_order(const struct order *o);
void core_count_withdrawal(const struct withdrawal *w);

/* ---- limits.c: the largest amount of one order or withdrawal ------------ */

/* The largest amount (minor units) one order, or with `withdrawal` one
 * withdrawal, may have in `currency`: the operator's (core_set_amount_limits)
 * or the default (RUB 1,000,000.00 an order, 100 times that a withdrawal;
 * each currency its own). 0 for an unknown currency. */
int64_t core_amount_limit(const char *currency, bool withdrawal);

/* "1000000.00 RUB": the limit as a dialect's message says it. */
void core_amount_limit_text(const char *currency, bool withdrawal, char *out, size_t size);

/* Set limits from "RUB=1000000,USD=10000" (currencies not listed keep their
 * default). -1 with msg on a malformed list, an unknown currency or an
 * amount that is not positive. */
int core_set_amount_limits(const char *spec, bool withdrawal, char *msg, size_t msglen);

/* ---- util.c ------------------------------------------------------------- */

/* v in decimal (at most 20 digits and a sign). */
void core_i64(int64_t v, char out[24]);
/* a, b and c joined into dst (cut to size - 1 bytes, always terminated). */
void core_concat(char *dst, size_t size, const char *a, const char *b, const char *c);
/* SHA-256 of data (aborts only when OpenSSL cannot run at all). */
void core_sha256(const void *data, size_t len, unsigned char out[32]);

/* A time-ordered (version 7) UUID: 48 bits of Unix milliseconds, then 74
 * random bits from `random` (10 bytes). New rows land at the end of the
 * uuid indexes instead of on random pages, and 74 random bits keep it as
 * unguessable as a secret needs to be. */
void core_uuid7(int64_t unix_ms, const unsigned char random[10], char out[UUID_SIZE]);

/* True when s is a UUID in 8-4-4-4-12 hex form (any case). */
bool core_is_uuid(const char *s);

/* True when u is an absolute http or https URL with a host and no space or
 * control byte (a CR/LF in a redirect target splits the answer's headers). */
bool core_http_url_ok(const char *u);

/* Copy src into dst (size bytes); false when it does not fit (dst empty). */
bool core_copy(char *dst, size_t size, const char *src);

/* ---- shop.c ------------------------------------------------------------- */

/* The fixed part of a tariff in one currency. */
struct fee_fixed {
    char currency[16];
    int64_t amount; /* minor units, >= 0 */
};

#define FEE_FIXED_MAX 32

struct shop_create_cmd {
    struct store_task task;
    struct shop shop;                      /* in: name, url, callback_url, fee_percent,
                                              merchant_id (0: a new merchant), and in rows
                                              of its dialects (shop_dialect_add) any order
                                              TTL or callback format not the default; out:
                                              all, a row of every configured dialect */
    struct fee_fixed fixed[FEE_FIXED_MAX]; /* in: fixed fees per currency */
    int n_fixed;
};

/* Change a shop's tariff: the percent when `percent` is non-empty, and the
 * listed fixed fees (0 removes the fixed part in that currency). */
struct shop_tariff_cmd {
    struct store_task task;
    int64_t shop_id;
    char percent[16];
    struct fee_fixed fixed[FEE_FIXED_MAX];
    int n_fixed;
};
kassa_err shop_tariff_apply(struct store_conn *c, struct store_task *task);

/* Check the inputs (KASSA_EINVAL with a message naming the field in msg;
 * a row of a dialect not configured), fill defaults and generate the keys
 * and each configured dialect's credentials. */
kassa_err shop_create_prepare(struct shop_create_cmd *cmd, char *msg, size_t msglen);
kassa_err shop_create_apply(struct store_conn *c, struct store_task *task);

/* A shop's settings, as flags (for the checks of shop.c and shop_update_cmd.set). */
enum shop_setting {
    SHOP_SET_NAME = 1u << 0,
    SHOP_SET_URL = 1u << 1,
    SHOP_SET_CALLBACK_URL = 1u << 2,
    SHOP_SET_FEE_PERCENT = 1u << 3,
    SHOP_SET_FORM_HOSTS = 1u << 4,
    SHOP_SET_ACTIVE = 1u << 5,      /* switched on or off: its merchant calls are refused */
    SHOP_SET_RATE = 1u << 6,        /* rate_limit and rate_burst (0..SHOP_RATE_MAX) */
    SHOP_SET_DISPUTE_TTL = 1u << 7, /* dispute_ttl (DISPUTE_TTL_MIN..DISPUTE_TTL_MAX) */
    SHOP_SET_DISPUTE_CALLBACKS = 1u << 8,
    SHOP_SET_DISPUTE_AUTO_SUCCESS = 1u << 9,
    SHOP_SET_AMOUNT_ADJUST = 1u << 10, /* amount_adjust_max (0..SHOP_AMOUNT_ADJUST_MAX) */
    SHOP_SET_TEST_MODE = 1u << 11,     /* every order a test order (core/order.c) */
    SHOP_SET_LOGO_URL = 1u << 12,      /* the payer page's logo: an https URL or "" */
    SHOP_SET_BRAND_COLOR = 1u << 13,   /* the payer page's colour: "#rrggbb" or "" */
};
/* The most whole units an order's amount may be raised to be unique on its
 * requisite (spec/p2p.md "Unambiguous amounts"). */
#define SHOP_AMOUNT_ADJUST_MAX 1000

/* A shop's settings in one dialect, as flags (shop_dialect_change.set). */
enum shop_dialect_setting {
    SHOP_SET_ORDER_TTL = 1u << 0,
    SHOP_SET_CALLBACK_FORMAT = 1u << 1,
    SHOP_SET_STRICT_SIGNING = 1u << 2,
};

/* The change of a shop's row of one dialect. */
struct shop_dialect_change {
    char dialect[DIALECT_NAME_SIZE]; /* a configured dialect's name */
    unsigned set;                    /* enum shop_dialect_setting */
    int order_ttl;
    char callback_format[CALLBACK_FORMAT_SIZE];
    bool strict_signing;
};

/* Change some of a shop's settings: those flagged in `set` take their
 * values from `values`, those of its dialect rows from `dialects`, and the
 * listed fixed fees are set (as in shop_tariff_cmd). Credentials, keys and
 * the merchant never change here. */
struct shop_update_cmd {
    struct store_task task;
    int64_t shop_id;    /* in */
    unsigned set;       /* in: SHOP_SET_* */
    struct shop values; /* in: the new values of the flagged settings */
    struct shop_dialect_change dialects[SHOP_DIALECTS_MAX]; /* in */
    int n_dialects;
    struct fee_fixed fixed[FEE_FIXED_MAX]; /* in */
    int n_fixed;
    struct shop shop; /* out: the shop after the change */
};

/* The change of `dialect`'s row in cmd, added (nothing set) when there is
 * none yet; NULL when every entry is taken or the name does not fit. */
struct shop_dialect_change *shop_update_dialect(struct shop_update_cmd *cmd, const char *dialect);

/* Check the new values (KASSA_EINVAL with a message naming the field; also
 * when there is nothing to change, or a dialect is not configured). */
kassa_err shop_update_prepare(struct shop_update_cmd *cmd, char *msg, size_t msglen);

/* Read the shop (KASSA_ENOTFOUND), change the flagged settings, write. A
 * dialect the shop has no row of yet gets one, with new credentials. The
 * caller forgets the shop's cached entries once committed. */
kassa_err shop_update_apply(struct store_conn *c, struct store_task *task);

/* A requisite's limits as a request gives them (requisite_limits_read):
 * `set` says which (enum requisite_setting's limit and pause flags); the
 * amounts as decimal text of the requisite's currency ("0": no limit), the
 * counts and the pause in `values`. */
struct requisite_limits_in {
    unsigned set;
    char amount[3][32]; /* min_amount, max_amount, daily_amount */
    struct requisite values;
};

/* Apply `in` to r (whose currency reads the amounts): KASSA_EINVAL with msg
 * for an amount that is not one, negative counts, or a min_amount above
 * the max_amount. The one check of a requisite's limits. */
kassa_err requisite_limits_read(struct requisite *r, const struct requisite_limits_in *in,
                                char *msg, size_t msglen);

struct requisite_add_cmd {
    struct store_task task;
    struct requisite req; /* in: every field but id; out: id */
    struct trader trader; /* out: its trader, when it names one */
    /* in: its limits (a trader's requisite takes one open order at a time
     * unless max_pending says otherwise) */
    struct requisite_limits_in limits;
};

kassa_err requisite_add_prepare(struct requisite_add_cmd *cmd, char *msg, size_t msglen);
kassa_err requisite_add_apply(struct store_conn *c, struct store_task *task);

/* A requisite's settings, as flags (requisite_update_cmd.set). Its type,
 * number and currency never change: a payer may be paying it now. */
enum requisite_setting {
    REQUISITE_SET_ACTIVE = 1u << 0, /* off: it takes no new orders */
    REQUISITE_SET_OWNER = 1u << 1,
    REQUISITE_SET_BANK_CODE = 1u << 2,
    REQUISITE_SET_BANK_NAME_RU = 1u << 3,
    REQUISITE_SET_BANK_NAME_EN = 1u << 4,
    REQUISITE_SET_COUNTRY = 1u << 5,
    REQUISITE_SET_PAUSED = 1u << 6, /* its trader's pause (active: the operator's) */
    REQUISITE_SET_MIN_AMOUNT = 1u << 7,
    REQUISITE_SET_MAX_AMOUNT = 1u << 8,
    REQUISITE_SET_DAILY_AMOUNT = 1u << 9,
    REQUISITE_SET_DAILY_COUNT = 1u << 10,
    REQUISITE_SET_MAX_PENDING = 1u << 11,
    REQUISITE_SET_BIC = 1u << 12,          /* account requisites: 9 digits or "" */
    REQUISITE_SET_CORR_ACCOUNT = 1u << 13, /* account requisites: 20 digits or "" */
};
#define REQUISITE_SET_LIMITS                                                                       \
    (REQUISITE_SET_PAUSED | REQUISITE_SET_MIN_AMOUNT | REQUISITE_SET_MAX_AMOUNT |                  \
     REQUISITE_SET_DAILY_AMOUNT | REQUISITE_SET_DAILY_COUNT | REQUISITE_SET_MAX_PENDING)

struct requisite_update_cmd {
    struct store_task task;
    int64_t id;              /* in */
    unsigned set;            /* in: enum requisite_setting */
    struct requisite values; /* in: the new values of the flagged settings */
    struct requisite req;    /* out: the requisite as stored after */
    struct trader trader;    /* out: its trader, when it has one (requisite_holder_check) */
    struct requisite_limits_in limits; /* in: its limits (set: REQUISITE_SET_LIMITS flags) */
    char msg[160];                     /* out: why apply refused with KASSA_EINVAL */
    /* in: > 0, only a requisite of this trader: another's is
     * KASSA_ENOTFOUND, exactly as a missing one (the trader API) */
    int64_t trader_id;
};

kassa_err requisite_update_prepare(struct requisite_update_cmd *cmd, char *msg, size_t msglen);
/* KASSA_ENOTFOUND when there is no such requisite (or it is not
 * cmd->trader_id's). */
kassa_err requisite_update_apply(struct store_conn *c, struct store_task *task);

/* The shop a merchant request names by `key` (SHOP_BY_PUBLIC_KEY, ...),
 * or by a dialect's API key (shop_cache_get_api_key), from memory when it
 * was read less than 5 s ago (shop_cache.c). KASSA_ENOTFOUND, or a store
 * error. */
kassa_err shop_cache_get(struct store *s, enum shop_key by, const char *key, struct shop *out);
kassa_err shop_cache_get_api_key(struct store *s, const char *dialect, const char *api_key,
                                 struct shop *out);

/* Drop a shop's cached entries (after it changed here). */
void shop_cache_forget(int64_t shop_id);

/* The requisite types kassa knows ("SBP", "card", ...). */
bool requisite_type_known(const char *type);

/* Whether requisites of `type` are bank accounts (accountNumber,
 * internalTransferAccountNumber): those may carry a BIC and a
 * correspondent account. */
bool requisite_is_account(const char *type);

/* ---- receipt.c: what a payer's receipt and an order's items may be ---- */

#define RECEIPT_MAX_ITEMS 100

struct receipt_item {
    char name[256];
    char count[32];      /* decimal text as given */
    int64_t count_milli; /* count in thousandths */
    int64_t price;       /* minor units */
};

struct receipt {
    struct receipt_item items[RECEIPT_MAX_ITEMS];
    size_t n;
};

/* Append an item, checking it: a non-empty name, a count > 0 with at most 3
 * decimals, a price > 0 with at most the currency's `exponent` decimals.
 * false with a message naming item `index` otherwise. */
bool receipt_add(struct receipt *r, size_t index, const char *name, const char *count,
                 const char *price, int exponent, char *msg, size_t msglen);

/* Whether the items total (sum of count x price, exact) equals `amount`
 * (minor units); on a mismatch msg says both totals. */
bool receipt_total_ok(const struct receipt *r, int64_t amount, int exponent, char *msg,
                      size_t msglen);

/* Store a new order's items (none when r is NULL or empty). */
kassa_err receipt_items_put(struct store_conn *c, int64_t order_id, const struct receipt *r);

#define RECEIPT_IMAGE_MAX (3u << 20) /* bytes of an uploaded receipt image */

/* The content type of an uploaded receipt image ("image/jpeg",
 * "image/png"), or NULL when it is neither (only those are kept). */
const char *receipt_image_type(const void *data, size_t len);

/* Store a payer's receipt image for an order (replacing an earlier one). */
struct receipt_image_cmd {
    struct store_task task;
    int64_t order_id;
    const char *content_type; /* from receipt_image_type */
    const void *data;
    size_t len; /* at most RECEIPT_IMAGE_MAX */
};
kassa_err receipt_image_apply(struct store_conn *c, struct store_task *task);

/* ---- nonce.c: requests that must not be replayed (nonce.h) ---- */

#include "core/nonce.h"

/* ---- settings.c: operator settings written from the admin API ---- */

/* Set the exchange rate FROM-TO (decimal text, checked by the caller). */
struct rate_put_cmd {
    struct store_task task;
    char from[16], to[16], rate[32];
};
kassa_err rate_put_apply(struct store_conn *c, struct store_task *task);

/* Switch a payment method on or off for a shop. Once committed, the caller
 * forgets the shop's cached entries (shop_cache_forget). */
struct method_set_cmd {
    struct store_task task;
    int64_t shop_id;
    int method_id;
    bool enabled;
};
kassa_err method_set_apply(struct store_conn *c, struct store_task *task);

/* Keep the test clock's offset (clock_offset) across restarts: a moved
 * clock goes on from the moved time after a crash or restart. */
struct clock_keep_cmd {
    struct store_task task;
    int64_t offset; /* in: seconds */
};
kassa_err clock_keep_apply(struct store_conn *c, struct store_task *task);

/* Move a --test-clock clock to where it was kept (clock_keep_cmd), at
 * start. KASSA_OK also when nothing was kept. */
kassa_err clock_restore(struct store *s);

/* Deliver a callback once more. KASSA_ENOTFOUND. */
struct callback_resend_cmd {
    struct store_task task;
    int64_t id;
    int64_t merchant_id; /* in: > 0, only a callback of this merchant's shops (else ENOTFOUND) */
};
kassa_err callback_resend_apply(struct store_conn *c, struct store_task *task);

/* ---- order.c ------------------------------------------------------------ */

struct order_create_cmd {
    struct store_task task;
    struct shop shop;              /* the authenticated shop */
    struct order order;            /* in: amount, currency, requisite_type, optional
                                      fields, origin; out: the stored order */
    char idem_key[TEXT_SIZE];      /* "" when none */
    int method_asked;              /* in: the method the request named when the payer is
                                      to choose instead (order.payment_system 0), else 0:
                                      fingerprinted, so a retry naming another differs */
    unsigned char fingerprint[32]; /* set by prepare */
    int64_t fee_percent_part;      /* set by prepare: the percent part of the fee */
    bool replayed;                 /* out: answered from the idempotency record */

    /* in: the countries its requisite may be of (zeroed: any), filled by
     * the dialect from the same list as order.countries */
    struct country_filter countries;
    /* in: the request's nonce, recorded in the same savepoint (a replay
     * refuses the create with KASSA_EAUTH_REPLAY) */
    struct request_nonce nonce;
    /* in: the shop's merchant_order_id names one order for as long as the
     * order exists, not only while its idempotency key is kept: a create
     * naming an existing one answers it (same parameters) or refuses
     * (KASSA_ECONFLICT), whatever the key's age */
    bool merchant_order_id_unique;
    /* in: the order's URLs are not covered by the request's signature:
     * only the shop's hosts are taken (order_url_refused; KASSA_EINVAL) */
    bool urls_unsigned;
    /* in: items stored with a new order (their total checked against the
     * amount by the dialect with receipt_total_ok); NULL or none: no items */
    const struct receipt *receipt;
    /* the trader's currency of the reserve the pick made (set by apply) */
    char trader_currency[16];
};

/* The first of the order's success_url, fail_url and notify_url whose host
 * the shop does not allow (those of its url and callback_url), as the
 * field's name; NULL when all are allowed or empty. For URLs a request's
 * signature does not cover (the hosted form): anyone holding a payment
 * link could otherwise send the payer and the merchant's notification
 * elsewhere. */
const char *order_url_refused(const struct shop *s, const struct order *o);

/* Set the command's task up (run: order_create_apply; run_many: the store's
 * grouped create when the command can run in a group). */
void order_create_init(struct order_create_cmd *cmd);

/* Validate the order's inputs (KASSA_ECURRENCY, KASSA_EMONEY_ZERO,
 * KASSA_EINVAL for an unknown requisite type, KASSA_EMETHOD_OFF when the
 * shop switched off the method of its payment_system or, without one, of
 * its requisite type: cmd->shop.methods_off), generate its ids and token,
 * fingerprint its parameters. */
kassa_err order_create_prepare(struct order_create_cmd *cmd);

/* Idempotency check, fee (percent + the shop's fixed fee in the order's
 * currency), requisite assignment, insert. KASSA_ECONFLICT when the
 * idempotency key was used with other parameters; KASSA_EMONEY_RANGE when
 * the fee would exceed the amount. */
kassa_err order_create_apply(struct store_conn *c, struct store_task *task);

/* The run_many of creates on store `s` (several creates of a batch in two
 * statements), or NULL when its backend creates one at a time. */
store_task_many_fn order_create_many_fn(const struct store *s);

/* The order an operator names by `ref`: its uuid or its numeric id, read on
 * a read connection of `s`. KASSA_ENOTFOUND (also for a malformed ref). */
kassa_err order_find_ref(struct store *s, const char *ref, struct order *o);

/* Seconds left before the order expires (0 once past), on the clock. */
int64_t order_ttl_left(const struct order *o);

/* ---- order lifecycle (lifecycle.c) --------------------------------------- */

/* Who asks for a transition: some are only an operator's to make (e.g. a
 * late payment: expired -> completed). */
enum actor {
    ACTOR_MERCHANT,
    ACTOR_PAYER,
    ACTOR_OPERATOR,
    ACTOR_PROVIDER,
    ACTOR_SYSTEM,
    ACTOR_DEVICE,  /* a trader's paired phone: a bank credit matched to the order */
    ACTOR_DISPUTE, /* a dispute resolved in the payer's favour (core/dispute.c) */
    ACTOR_TRADER,  /* the trader of the order's requisite (the trader API) */
};

struct order_transition_cmd {
    struct store_task task;
    int64_t order_id;     /* in */
    enum order_status to; /* in: the state wanted */
    enum actor actor;     /* in */
    /* in, to ORDER_COMPLETED only: the amount actually received (minor
     * units of the order's currency, order_received_check), 0: as the
     * order's amount */
    int64_t amount_received;
    struct order order; /* out: the order after the transition */
    /* in: the request's nonce, recorded with the change (a replay refuses
     * it with KASSA_EAUTH_REPLAY, nothing changed); .has false: none */
    struct request_nonce nonce;
    /* in: > 0, only an order on a requisite of this trader: any other is
     * KASSA_ENOTFOUND, exactly as a missing one (ids do not leak) */
    int64_t trader_id;
};

/* Move an order to cmd->to, with its ledger postings and event row, in the
 * task's transaction. KASSA_ENOTFOUND, or KASSA_ESTATE when the state
 * machine (DESIGN.md "Orders") does not allow it for this actor; nothing
 * changes then. */
kassa_err order_transition_apply(struct store_conn *c, struct store_task *task);

/* Whether order o is on a requisite of trader `trader_id` (> 0): the one
 * rule of what a trader may see and decide (the trader API). */
bool order_of_trader(const struct order *o, int64_t trader_id);

/* Whether the state machine lets `actor` move an order from -> to. */
bool order_transition_allowed(enum order_status from, enum order_status to, enum actor actor);
/* "operator", "provider", ...: what an order's confirmed_by says. */
const char *actor_name(enum actor a);

/* Move *o to `to` inside the caller's transaction (state row, postings,
 * event); *o is updated on success. KASSA_ESTATE when not allowed or when
 * the stored state is no longer o->status (*o then holds the stored order,
 * so the refusal can name the state that refused it). */
kassa_err order_transition(struct store_conn *c, struct order *o, enum order_status to,
                           enum actor actor);

/* The same, completing with the amount actually received (`received` > 0;
 * 0: as the order's amount, as order_transition): the order keeps its
 * amount and gains amount_received, its fee and amount_usdt become those
 * of the amount received (order_receive), and the ledger moves that
 * amount. KASSA_EINVAL with `received` on any other transition. */
kassa_err order_transition_received(struct store_conn *c, struct order *o, enum order_status to,
                                    enum actor actor, int64_t received);

/* Whether `received` (minor units of `currency`) may be named as the amount
 * actually received: KASSA_EMONEY_ZERO when not > 0, KASSA_EAMOUNT_LIMIT
 * beyond the largest order (core_amount_limit), KASSA_ECURRENCY. */
kassa_err order_received_check(const char *currency, int64_t received);

/* Set o's amount received (> 0) and what follows from it: its fee at the
 * order's own rate (fee * received / amount, half-up: the tariff the order
 * was created with, so a later tariff change does not reprice it, and the
 * fee never exceeds what was received), its USDT amount at the order's
 * exchange rate (0 without one). */
void order_receive(struct order *o, int64_t received);

/* The outbox row for the order's current status. */
kassa_err order_event(struct store_conn *c, const struct order *o);
/* An outbox row of another kind for the order ("dispute.in_progress"),
 * with the order's current status. */
kassa_err order_event_kind(struct store_conn *c, const struct order *o, const char *kind);

/* True (once) when order_event ran since the last call: the writer's
 * commit hook uses it to wake the dispatcher only when there is news. */
bool core_take_new_events(void);

/* The payer says the money was sent (an order_transition_cmd with only
 * order_id set): confirmed_by_customer on a pending order, KASSA_ESTATE
 * otherwise. cmd->order receives the order. */
kassa_err order_confirm_apply(struct store_conn *c, struct store_task *task);

#define ORDER_EXPIRE_BATCH 256

/* Expire up to ORDER_EXPIRE_BATCH pending orders whose time is up. */
struct order_expire_cmd {
    struct store_task task;
    int expired; /* out */
};
kassa_err order_expire_apply(struct store_conn *c, struct store_task *task);

/* Runs a task in a write transaction of its own and waits for its result
 * (main.c passes one that runs it on the writer: writer_run). */
typedef kassa_err (*core_run_fn)(struct store_task *task);

/* The timer thread running order_expire_apply every second of real time
 * (and at once after clock_advance), and purging old idempotency keys, each
 * through `run`. KASSA_EIO when the thread cannot start. */
kassa_err sweeper_start(core_run_fn run);
void sweeper_stop(void);

/* ---- credentials and their rotation (shop.c) ---- */

/* The credentials of a shop's dialect row good at `now`: the current pair
 * first, then the one before it while its overlap lasts. Returns how many
 * (1 or 2). */
int shop_credentials(const struct shop_dialect *row, int64_t now, const char *keys[2],
                     const char *secrets[2]);
/* The secret that goes with a shop's `api_key` of `dialect` at `now`: the
 * current pair's, or the previous pair's while its overlap lasts; NULL
 * when the key is neither (or its overlap is over). */
const char *shop_secret_for_key(const struct shop *s, const char *dialect, const char *api_key,
                                int64_t now);
/* The secret a callback is signed with (and its API key into *api_key):
 * the pair before the current one while its overlap lasts (the merchant's
 * unchanged code still verifies with it), else the current one. */
const char *shop_callback_secret(const struct shop_dialect *row, int64_t now, const char **api_key);

/* Rotate a shop's credentials of one dialect: a new pair is issued and the
 * current one keeps working for overlap seconds more (0: stops now).
 * KASSA_ENOTFOUND when there is no such shop, KASSA_ECONFLICT when it has
 * no credentials in that dialect. */
#define ROTATE_OVERLAP_MAX (30 * 86400)
struct shop_rotate_cmd {
    struct store_task task;
    int64_t shop_id;                 /* in */
    char dialect[DIALECT_NAME_SIZE]; /* in: a registered dialect's name */
    int64_t overlap;                 /* in: seconds */
    struct shop_dialect row;         /* out: the row after (the new pair, old_valid_until) */
    int64_t merchant_id; /* in: > 0, only a shop of this merchant (another's: ENOTFOUND) */
};
kassa_err shop_rotate_prepare(struct shop_rotate_cmd *cmd, char *msg, size_t msglen);
kassa_err shop_rotate_apply(struct store_conn *c, struct store_task *task);

/* ---- guard.c: failed authentications and shop request rates ---- */

#define SHOP_RATE_MAX 1000000

/* Whether a client address or a key (within `scope`: "panda", "tegro",
 * "admin", ...; NULL or "" for none) failed to authenticate
 * auth_fail_limit times in auth_fail_window seconds, here or, within a
 * second, on any node of a shared PostgreSQL: then *retry_s gets the
 * seconds until it may try again. Costs no lock while no failure happened
 * within a window. */
bool guard_locked(const char *scope, const char *addr, const char *key, int *retry_s);
/* Whether any failure happened within a window (else nothing is locked:
 * a caller need not even find the client's address). */
bool guard_active(void);
/* Count a failed authentication of the address and the key. */
void guard_fail(const char *scope, const char *addr, const char *key);
/* Share this node's failures with the others (added to counts in the
 * database) and, with pull, lock here what they counted to the limit (the
 * sweeper's, every second; pull only on a store other nodes share). */
void guard_sync(core_run_fn run, bool pull);

/* Take one request from a shop's token bucket (shop.rate_limit a second,
 * up to rate_burst at once); false when it is empty, *retry_s then 1.
 * Always true for a shop without a limit. Per node. */
bool shop_rate_take(const struct shop *s, int *retry_s);

/* ---- trader.c: traders, deposits, trader withdrawals ---- */

enum trader_setting {
    TRADER_SET_NAME = 1 << 0,
    TRADER_SET_REWARD = 1 << 1,
    TRADER_SET_ACTIVE = 1 << 2, /* active or suspended */
    TRADER_SET_ONLINE = 1 << 3,
    TRADER_SET_LOGIN = 1 << 4, /* console login and password hash together */
};

/* Create (t in: name, verified_name, reward_bps, currency ("": USDT); its
 * credentials made by prepare; id out) or update (t.id and the members
 * `set` names in; the trader as stored out; KASSA_ENOTFOUND). */
struct trader_cmd {
    struct store_task task;
    struct trader t;
    unsigned set;
    /* The console sign-in (TRADER_SET_LOGIN; a create's when login is not
     * ""): KASSA_EEXIST when the login is another's (core/login.h). */
    char login[LOGIN_SIZE];
    char password_hash[OP_HASH_SIZE];
};
kassa_err trader_create_prepare(struct trader_cmd *cmd, char *msg, size_t msglen);
kassa_err trader_create_apply(struct store_conn *c, struct store_task *task);
kassa_err trader_update_apply(struct store_conn *c, struct store_task *task);

/* A deposit the operator records (platform custody -> trader available)
 * or a trader's withdrawal (back; KASSA_EFUNDS beyond what is
 * available), `amount` minor units of the trader's currency (> 0). Out:
 * the trader and the balances after. KASSA_ENOTFOUND. */
struct trader_money_cmd {
    struct store_task task;
    int64_t trader_id;
    bool deposit;
    int64_t amount;
    struct trader trader;
    struct trader_balances balances;
};
kassa_err trader_money_apply(struct store_conn *c, struct store_task *task);

/* A requisite's holder rule: a requisite of a trader (r->trader_id) must
 * name the trader's verified name as its holder. KASSA_OK (no trader, or
 * the names agree), KASSA_ENOTFOUND (no such trader), KASSA_ECONFLICT
 * (the names differ; *trader holds the trader either way). */
kassa_err requisite_holder_check(struct store_conn *c, const struct requisite *r,
                                 struct trader *trader);

/* ---- operator.c: operators, roles, tokens, the audit log ----------------- */

/* What a role may do: read anything; complete and fail orders and resend
 * callbacks; withdrawals, rates and tariffs; everything else an operator
 * of the API changes (shops, requisites, the test clock); operators and
 * their tokens. owner: all; admin: all but operators; support: read and
 * orders; finance: read and finance; viewer: read. */
enum op_perm { PERM_READ, PERM_ORDERS, PERM_FINANCE, PERM_ADMIN, PERM_OPERATORS };
bool role_may(enum op_role role, enum op_perm perm);

/* Who makes an admin request: an operator by one of their tokens, or the
 * bootstrap --admin-token (operator_id 0, token_id 0, role owner). */
struct op_actor {
    int64_t operator_id;
    int64_t token_id;
    enum op_role role;
    char name[OP_NAME_SIZE];
};

/* Tokens are "kop_" and 48 hex digits; only their SHA-256 is kept. */
#define OP_TOKEN_PREFIX "kop_"
#define OP_TOKEN_SIZE 53 /* with its NUL */
void operator_token_new(char token[OP_TOKEN_SIZE], char hash[65]);
void operator_token_hash(const char *token, char hash[65]);
/* The operator a token belongs to: KASSA_ENOTFOUND when it is not a
 * token, unknown, revoked or its operator switched off. Notes its use
 * (written by operator_touch_flush at most once a minute per token). */
kassa_err operator_authenticate(const char *token, struct op_actor *out);
/* Write the tokens' last-use times noted since the last call (the
 * sweeper's). */
void operator_touch_flush(core_run_fn run);

/* scrypt password hashes (console sign-in): make one (out: OP_HASH_SIZE),
 * check one in constant time. */
kassa_err operator_password_hash(const char *password, char *out, size_t size);
bool operator_password_check(const char *password, const char *stored);

enum operator_setting {
    OPERATOR_SET_NAME = 1 << 0,
    OPERATOR_SET_ROLE = 1 << 1,
    OPERATOR_SET_DISABLED = 1 << 2,
    OPERATOR_SET_PASSWORD = 1 << 3, /* login and password together */
};

/* Create (op in; id out) or update (op.id and the flagged members in; the
 * operator as stored out). create: KASSA_EEXIST when the login is taken;
 * update: KASSA_ENOTFOUND, KASSA_EEXIST, KASSA_ESTATE when `self` (the
 * actor is that operator) and the role or the switch would change. */
struct operator_cmd {
    struct store_task task;
    struct operator op;
    unsigned set;
    bool self;
};
/* Check a new operator and hash its password (NULL: none) into op. */
kassa_err operator_create_prepare(struct operator_cmd *cmd, const char *password, char *msg,
                                  size_t msglen);
kassa_err operator_create_apply(struct store_conn *c, struct store_task *task);
kassa_err operator_update_apply(struct store_conn *c, struct store_task *task);

/* A new token for t.operator_id (t.name, t.hash in; id out; KASSA_ESTATE
 * when the operator is switched off), or revoking t.id (the token as
 * stored out; KASSA_ENOTFOUND, also when only_operator is set and the
 * token is another's). */
struct token_cmd {
    struct store_task task;
    struct op_token t;
    int64_t only_operator;
};
kassa_err token_create_apply(struct store_conn *c, struct store_task *task);
kassa_err token_revoke_apply(struct store_conn *c, struct store_task *task);

/* An admin write with its audit line: runs `inner` and, in the same
 * transaction, appends `entry` (its actor, action, target and request
 * filled in by the caller) with the target's record before and after.
 * For a creation, created_id points at the new record's id (set by
 * inner), and entry->target_id is "". */
struct audited_task {
    struct store_task task; /* run: audited_run */
    struct store_task *inner;
    struct audit_entry *entry;
    const int64_t *created_id;
};
kassa_err audited_run(struct store_conn *c, struct store_task *task);

/* ---- ledger.c ----------------------------------------------------------- */

/* Post one balanced transaction: zero legs are dropped, each currency's
 * legs must sum to zero (else KASSA_EINVAL, nothing written). KASSA_EFUNDS
 * when a shop's or a trader's account would go negative. */
kassa_err ledger_post(struct store_conn *c, const char *kind, const char *ref_type, int64_t ref_id,
                      const struct posting *p, size_t n);

/* A paid order, A = order_amount_paid(o) (the amount received when the
 * completion named one): provider clearing -A, shop available +(A - fee),
 * platform fees +fee. A trader's order (spec/p2p.md "Money") moves E'
 * (A in the trader's currency at the order's rate) from the trader's
 * reserve (the reserve E when reserve_held: a completion from pending)
 * and available money to the platform's exchange account, which pays the
 * merchant A in the order's currency; then the reward on E' goes to the
 * trader (its own transaction, LEDGER_KIND_ORDER_REWARD). Every posting
 * of a completion is here. */
kassa_err ledger_order_completed(struct store_conn *c, const struct order *o, bool reserve_held);
/* A trader's order holding (reserve true) or giving back (false) its
 * reserve E of the trader's deposit, in the trader's `currency`. */
kassa_err ledger_trader_reserve(struct store_conn *c, const struct order *o, const char *currency,
                                bool reserve);

/* A reversed order: the completion's postings undone, A as above. The
 * fee goes back (fees -fee, available -(A - fee)) unless keeps_fee
 * (available -A, fees unchanged); clearing +A. The one posting that may
 * take the shop's available below zero: a debt, which refuses withdrawals
 * until later credits cover it. */
kassa_err ledger_order_reversed(struct store_conn *c, const struct order *o, bool keeps_fee);

enum withdrawal_step { WITHDRAWAL_HOLD, WITHDRAWAL_PAY_OUT, WITHDRAWAL_RELEASE };

/* available -> held (HOLD), held -> payouts (PAY_OUT), held -> available
 * (RELEASE). */
kassa_err ledger_withdrawal(struct store_conn *c, const struct withdrawal *w,
                            enum withdrawal_step step);

/* ---- withdrawal.c ------------------------------------------------------- */

struct withdrawal_create_cmd {
    struct store_task task;
    int64_t shop_id;            /* in */
    struct withdrawal w;        /* in: payment_id, currency, amount, account, payment_system;
                                   out: the stored withdrawal */
    bool replayed;              /* out: the same payment_id and parameters came before */
    struct request_nonce nonce; /* in: recorded in the same savepoint (KASSA_EAUTH_REPLAY) */
    int64_t merchant_id;        /* in: > 0, only a shop of this merchant (another's: ENOTFOUND) */
};

/* Validate (KASSA_ECURRENCY, KASSA_EMONEY_ZERO, KASSA_EINVAL for an empty
 * account or payment_id) and fingerprint. */
kassa_err withdrawal_create_prepare(struct withdrawal_create_cmd *cmd);

/* Insert and hold the amount; the same payment_id with the same parameters
 * answers the existing withdrawal, with others KASSA_ECONFLICT; KASSA_EFUNDS
 * when the available balance is short. */
kassa_err withdrawal_create_apply(struct store_conn *c, struct store_task *task);

struct withdrawal_decide_cmd {
    struct store_task task;
    int64_t id;          /* in */
    bool complete;       /* in: true complete, false reject */
    struct withdrawal w; /* out */
};

/* Complete or reject a pending withdrawal; KASSA_ESTATE when it is not
 * pending any more, KASSA_ENOTFOUND. */
kassa_err withdrawal_decide_apply(struct store_conn *c, struct store_task *task);

/* ---- merchant.c: what a merchant user may see and change ---------------- */

/* Whether shop s is merchant_id's (> 0): the one rule of the merchant API;
 * an order, a withdrawal or a callback is the merchant's when its shop is.
 * The reads are query.h's query_merchant_*. */
bool shop_of_merchant(const struct shop *s, int64_t merchant_id);
/* In a command's transaction: KASSA_OK when shop_id is merchant_id's (or
 * merchant_id is 0: no restriction), KASSA_ENOTFOUND when it is missing
 * or another's, exactly alike. */
kassa_err merchant_shop_check(struct store_conn *c, int64_t shop_id, int64_t merchant_id);

/* A merchant's test payment: a create of a test order of `shop` (the
 * caller's order fields: amount, currency; origin: the dialect whose
 * callbacks it gets), whatever the shop's test mode, so the sandbox serves
 * it and no balance moves; an SBP transfer unless the order names a method
 * or requisite type. Sets the task up and prepares it (as
 * order_create_prepare). */
kassa_err merchant_test_order_prepare(struct order_create_cmd *cmd, const struct shop *shop,
                                      int origin);

/* The P2P side's devices and bank messages, and disputes. */
#include "device.h"
#include "dispute.h"

#endif
