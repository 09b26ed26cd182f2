/* model.h: the core's records. No wire format here: dialects map these to
 * their own field names, status names and number formats. Strings are
 * bounded arrays; a value that does not fit is refused by the dialect
 * (KASSA_ETOOBIG) before it gets here. */
#ifndef KASSA_MODEL_H
#define KASSA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_SIZE 37  /* 36 chars + NUL */
#define TOKEN_SIZE 33 /* 32 hex + NUL */
#define KEY_SIZE 65   /* credentials: 64 chars + NUL */
#define SHORT_SIZE 64
#define TEXT_SIZE 256 /* merchant-supplied strings are <= 255 bytes */
#define URL_SIZE 1024

enum order_status {
    ORDER_PENDING = 0,
    ORDER_COMPLETED,
    ORDER_FAILED,
    ORDER_EXPIRED,
    ORDER_CANCELED,
    ORDER_NO_REQUISITE,
    ORDER_REVERSED, /* completed, then reversed by the operator (reversed_at) */
};

/* Core names: "pending", "completed", "failed", "expired", "canceled",
 * "no_requisite", "reversed". */
const char *order_status_name(enum order_status s);

struct merchant {
    int64_t id;
    char name[TEXT_SIZE];
    int64_t created_at;
};

/* A shop's credentials and settings in one merchant dialect: a row of
 * shop_dialects, keyed by the dialect's registered name. What the callback
 * format means is the dialect's own (a version number, an encoding); the
 * neutral layers only store it. */
#define DIALECT_NAME_SIZE 16
#define CALLBACK_FORMAT_SIZE 16
#define SHOP_DIALECTS_MAX 4

struct shop_dialect {
    char dialect[DIALECT_NAME_SIZE]; /* the dialect's registered name */
    char api_key[KEY_SIZE];          /* unique within the dialect */
    char secret[KEY_SIZE];
    int order_ttl;                              /* seconds its orders live */
    char callback_format[CALLBACK_FORMAT_SIZE]; /* its callback body's format */
    bool strict_signing;                        /* only signatures covering the whole request */
    /* The pair before the current one, valid until old_valid_until (unix
     * seconds; 0: none): a rotation's overlap (core/shop.c). */
    char old_api_key[KEY_SIZE];
    char old_secret[KEY_SIZE];
    int64_t old_valid_until;
};

struct shop {
    int64_t id;
    int64_t merchant_id;
    char public_key[TOKEN_SIZE]; /* the shop's public id, 32 upper-case hex */
    char name[TEXT_SIZE];
    char url[URL_SIZE];
    char callback_url[URL_SIZE];
    char fee_percent[16]; /* decimal text, <= 4 places: "2.5" */
    /* Further hosts the hosted form's unsigned URLs may name, comma-separated
     * and lower case ("" none); those of url and callback_url always may. */
    char form_hosts[512];
    int active;            /* 1 active, 0 disabled */
    int64_t created_at;    /* Unix seconds */
    int rate_limit;        /* its merchant requests a second, 0: no limit (core/guard.c) */
    int rate_burst;        /* the bucket's size, 0: one second's worth */
    int amount_adjust_max; /* whole units an amount may be raised to be unique */
    /* Disputes (core/dispute.c): seconds a trader has to answer (1800), a
     * signed `dispute` callback on every change, success when the trader
     * does not answer in time (else the operator decides). */
    int dispute_ttl;
    bool dispute_callbacks;
    bool dispute_auto_success;
    /* Test mode: every order of the shop is a test order (core/order.c:
     * the sandbox's requisite, no pool, no money moved). */
    bool test_mode;
    /* Its branding on the payer page (dialect/pages): a logo (an https URL,
     * "" none) and a colour ("#rrggbb", "" the page's own). */
    char logo_url[URL_SIZE];
    char brand_color[16];
    /* One row per merchant dialect the shop has credentials in, in the
     * store's order (by name); shop_dialect_find looks one up. */
    int n_dialects;
    struct shop_dialect dialects[SHOP_DIALECTS_MAX];

    /* Bit i set: the method method_table()[i] (core/method.h) is switched
     * off for the shop. Only shop_cache_get fills it, with the shop a
     * merchant request names (the store's shop_get leaves it alone);
     * order_create_prepare refuses an order whose method it has off. */
    uint64_t methods_off;
};

/* The shop's row of `dialect` (a registered name), or NULL when it has
 * none. The _mut form returns a writable row. */
const struct shop_dialect *shop_dialect_find(const struct shop *s, const char *dialect);
struct shop_dialect *shop_dialect_mut(struct shop *s, const char *dialect);

/* The row of `dialect`, added (zeroed but for its name) when the shop has
 * none; NULL when the name does not fit or every row is taken. */
struct shop_dialect *shop_dialect_add(struct shop *s, const char *dialect);

struct requisite {
    int64_t id;
    char type[SHORT_SIZE]; /* panda requisite_type: "SBP", "card", ... */
    char value[TEXT_SIZE]; /* phone or card number */
    char owner_full_name[TEXT_SIZE];
    char bank_code[SHORT_SIZE];
    char bank_name_ru[TEXT_SIZE];
    char bank_name_en[TEXT_SIZE];
    char currency[16];
    char country_code[16];
    int active;
    int64_t assigned; /* orders assigned so far: spreads the load */
    int64_t created_at;
    int64_t trader_id; /* whose requisite it is; 0: the operator's own pool */
    /* Its limits (provider/requisites.c; minor units of its currency; 0:
     * none): the amount of one order, what it takes in a day (UTC) and in
     * how many orders, and how many orders may be open on it at once. */
    int64_t min_amount, max_amount;
    int64_t daily_amount, daily_count;
    int64_t max_pending;
    int paused;        /* its trader paused it (active is the operator's switch) */
    int64_t device_id; /* the trader's phone that confirms it; 0: none */
    /* An account requisite's bank (for the payer's ST00012 QR code,
     * dialect/pages/st00012.h): BIC, 9 digits, and correspondent account,
     * 20 digits; "" none. */
    char bic[16];
    char corr_account[32];
};

#define DEVICE_ONLINE_SECONDS 120 /* a heartbeat within this: online */

/* Whether a device last seen at `last_seen` (0: never) is online at `now`:
 * the selection rule's (provider/requisites.c: a requisite bound to a
 * device that is not online takes no order). */
bool device_online(int64_t last_seen, int64_t now);

/* The countries an order's requisite may be of (panda's `countries`). It
 * admits every country when no code is listed or "ANY" is; codes are kept
 * sorted and without duplicates, so the same countries in another order
 * make an equal filter. */
#define COUNTRY_FILTER_MAX 16
#define COUNTRY_CODE_SIZE 16 /* as requisite.country_code */

struct country_filter {
    bool any; /* "ANY" was listed */
    int n;
    char code[COUNTRY_FILTER_MAX][COUNTRY_CODE_SIZE];
};

/* Add a country code ("ANY": every country). false when the code is empty
 * or too long, or the filter is full (the filter is unchanged then). */
bool country_filter_add(struct country_filter *f, const char *code);

/* Whether f restricts the countries at all (a code listed, and not "ANY").
 * NULL: no. */
bool country_filter_active(const struct country_filter *f);

/* Whether a requisite of `country_code` may serve an order asking for f
 * (NULL or not active: every requisite may). The one country rule of the
 * requisite pick (provider/requisites.c). */
bool country_filter_admits(const struct country_filter *f, const char *country_code);

/* Whether a and b admit the same countries (NULL is the inactive filter). */
bool country_filter_equal(const struct country_filter *a, const struct country_filter *b);

struct order {
    int64_t id; /* numeric id (tegro's order id) */
    char uuid[UUID_SIZE];
    char uuid_callback[UUID_SIZE];
    char pay_token[TOKEN_SIZE]; /* the payer page's secret */
    int64_t shop_id;
    int origin; /* the id of the dialect that created it (dialect/dialect.h) */
    enum order_status status;
    int64_t amount; /* minor units of `currency` */
    char currency[16];
    int64_t fee;                       /* merchant commission, minor units */
    int64_t amount_usdt;               /* USDT minor units (6 places); 0 if no rate */
    char exchange_rate[32];            /* "95.00"; "" if no rate */
    char merchant_order_id[TEXT_SIZE]; /* panda merchant_order_id / tegro order_id */
    char requisite_type[SHORT_SIZE];
    int payment_system; /* tegro payment_system id; 0 none */
    char customer_name[TEXT_SIZE];
    char customer_requisite[TEXT_SIZE];
    char bank_code[SHORT_SIZE];      /* preferred bank asked for */
    char countries[TEXT_SIZE];       /* JSON array text as given, "" none */
    char payment_systems[TEXT_SIZE]; /* JSON array text as given, "" none */
    char email[TEXT_SIZE];
    char phone[SHORT_SIZE];
    char success_url[URL_SIZE];
    char fail_url[URL_SIZE];
    char notify_url[URL_SIZE];
    char lang[8];
    bool test;
    bool confirmed_by_customer;
    int64_t requisite_id; /* 0 none */
    struct requisite req; /* the assigned requisite (joined on read) */
    int64_t created_at;   /* Unix seconds */
    int64_t expires_at;
    int64_t paid_at; /* 0 when not paid */
    int64_t updated_at;
    /* The amount actually received, when the completion named one (minor
     * units of `currency`; 0: as `amount`). fee and amount_usdt are then
     * those of this amount (core/order.c order_receive). */
    int64_t amount_received;
    int64_t reversed_at; /* 0 when not reversed */
    /* Its requisite's trader (0: the operator's pool or none), and what it
     * holds of the trader's deposit while pending (the trader's currency,
     * spec/p2p.md "Money"). */
    int64_t trader_id;
    int64_t reserve;
    /* The amount the merchant asked for when the order's amount was raised
     * to a unique one (the shop's amount_adjust_max); 0: not raised. */
    int64_t amount_requested;
    /* Why no requisite took it ("" when one did): requisite_reason_name. */
    char no_requisite_reason[24];
    /* Who completed it: "operator", "trader", "device", "dispute",
     * "provider" (the sandbox); "" while not completed. */
    char confirmed_by[16];
};

/* What the payer paid: amount_received, else amount. What the ledger,
 * the callbacks and the notifications carry. */
int64_t order_amount_paid(const struct order *o);

/* `amount` (minor units of `currency`) in `to`'s minor units, at `rate`
 * (the order's exchange rate: units of `currency` per USDT), rounded
 * half-up: itself when the currencies are equal, through the rate when
 * `to` is USDT; -1 when it cannot be converted (no usable rate, another
 * pair, out of range). */
int64_t money_convert(int64_t amount, const char *currency, const char *rate, const char *to);

/* Which orders a list wants (the admin API's filters), a page at a time:
 * newest first (by id) unless asc; after_id, when not 0, is where the last
 * page ended. A field at its "any" value filters nothing. */
struct order_filter {
    int status;                        /* enum order_status; -1 any */
    int64_t shop_id;                   /* 0 any */
    int64_t merchant_id;               /* 0 any */
    int origin;                        /* the dialect's id; 0 any */
    int64_t requisite_id;              /* 0 any */
    int64_t trader_id;                 /* on a requisite of this trader; 0 any */
    int confirmed;                     /* confirmed_by_customer: -1 any, 0, 1 */
    char currency[16];                 /* "" any */
    int64_t amount_min;                /* minor units; -1 any */
    int64_t amount_max;                /* -1 any */
    int64_t from, to;                  /* created_at in [from, to); 0 any */
    char merchant_order_id[TEXT_SIZE]; /* "" any */
    char q[TEXT_SIZE];                 /* a uuid, an id or a merchant order id; "" any */
    int64_t after_id;                  /* 0: from the start */
    /* With a time range (from or to) the list is in creation-time order
     * (created_at, id), the index's: after_created is the created_at of
     * the row at after_id. */
    int64_t after_created;
    bool asc;
    int limit; /* rows to read, >= 1 */
};

/* Whether the list f wants is in creation-time order (a time range). */
bool order_filter_by_time(const struct order_filter *f);

/* An idempotency record: (shop, key) -> the order it created. */
struct idem {
    int64_t shop_id;
    char key[TEXT_SIZE];
    unsigned char fingerprint[32]; /* SHA-256 of the request's parameters */
    int64_t order_id;
    int64_t created_at;
};

/* ---- money ---- */

enum account_kind {
    ACC_SHOP_AVAILABLE = 0, /* the shop's money, free to withdraw */
    ACC_SHOP_HELD,          /* the shop's money in withdrawals in flight */
    ACC_PLATFORM_FEES,      /* the operator's fees */
    ACC_PROVIDER_CLEARING,  /* money the providers collected for us */
    ACC_PAYOUTS,            /* money paid out to shops */
    /* Traders (spec/p2p.md "Money"): the account's shop_id is the trader's
     * id. The trader's deposit free to back new orders, and the part
     * backing orders pending on the trader's requisites. */
    ACC_TRADER_AVAILABLE,
    ACC_TRADER_RESERVED,
    ACC_PLATFORM_CUSTODY, /* the traders' deposits the platform holds */
    /* Where a trader's order meets the merchant's currency: the trader's
     * deposit currency comes in, the order's goes out (spec/p2p.md). */
    ACC_PLATFORM_EXCHANGE,
};

/* Whether an account of kind k belongs to a trader (its shop_id is the
 * trader's id) rather than a shop or the platform. */
static inline bool account_kind_trader(enum account_kind k)
{
    return k == ACC_TRADER_AVAILABLE || k == ACC_TRADER_RESERVED;
}

/* "shop_available", ...; NULL outside the enum. */
const char *account_kind_name(enum account_kind k);

/* The ledger transaction kind of a reversal: the one posting that may take
 * a shop's available balance below zero (core/ledger.c), which the
 * store's verify allows for (a debt, not a corruption). */
#define LEDGER_KIND_ORDER_REVERSED "order.reversed"
/* A trader's reward on an order (and its return on a reversal): what a
 * trader earned is the sum of these on its available account. */
#define LEDGER_KIND_ORDER_REWARD "order.reward"

/* One leg of a ledger transaction: `amount` (signed) into an account. */
struct posting {
    enum account_kind kind;
    int64_t shop_id; /* 0 for platform accounts */
    char currency[16];
    int64_t amount;
    /* The account may not go below zero (KASSA_EFUNDS): the core's rule
     * (core/ledger.c), which the store applies as it moves the balance. */
    bool floor_zero;
};

enum withdrawal_status {
    WITHDRAWAL_PENDING = 0,
    WITHDRAWAL_COMPLETED = 1,
    WITHDRAWAL_REJECTED = 2
};

struct withdrawal {
    int64_t id;
    int64_t shop_id;
    char payment_id[TEXT_SIZE]; /* the merchant's payout id */
    char currency[16];
    int64_t amount; /* minor units */
    int64_t fee;
    char account[TEXT_SIZE]; /* where to pay: card, phone, wallet */
    int payment_system;
    int status; /* enum withdrawal_status */
    unsigned char fingerprint[32];
    int64_t created_at;
    int64_t completed_at; /* 0 while pending */
};

/* One event of an order's life (a transition), as its timeline lists it. */
struct order_event {
    int64_t id;
    int64_t order_id;
    char kind[32]; /* "order.completed", ... */
    int status;    /* the order's core status after it */
    int64_t created_at;
};

/* A ledger account as the operator's list shows it. */
struct ledger_account {
    int64_t id;
    char kind[24];   /* account_kind_name's */
    int64_t shop_id; /* 0: the platform's */
    char currency[16];
    int64_t balance;
};

/* Which accounts a list wants, by id (as struct order_filter). */
struct account_filter {
    int64_t shop_id;   /* -1 any, 0 the platform's */
    char kind[24];     /* "" any */
    char currency[16]; /* "" any */
    int64_t after_id;
    bool asc;
    int limit;
};

/* One posting with its transaction and account. */
struct ledger_posting {
    int64_t id, tx_id, account_id;
    char tx_kind[32];  /* "order.completed", ... */
    char ref_type[16]; /* "order", "withdrawal" */
    int64_t ref_id;
    int64_t amount; /* signed, minor units */
    char account_kind[24];
    int64_t shop_id;
    char currency[16];
    int64_t created_at;
};

/* Which postings a list wants, by id. */
struct posting_filter {
    int64_t account_id; /* 0 any */
    int64_t trader_id;  /* only the accounts of this trader (account_kind_trader); 0 any */
    int64_t tx_id;      /* 0 any */
    int64_t from, to;   /* their transaction's created_at in [from, to); 0 any */
    int64_t after_id;
    bool asc;
    int limit;
};

/* Which shops a list wants, a page at a time by id. */
struct shop_filter {
    int64_t merchant_id; /* 0 any */
    int active;          /* -1 any, 0, 1 */
    char q[TEXT_SIZE];   /* part of the name (ASCII letters in either case), the id or the
                          * public key; "" any */
    int64_t after_id;
    bool asc;
    int limit; /* rows to read, >= 1 */
};

/* A shop's money in one currency, as the shop list reads it: one of its
 * balances (kind "shop_available" or "shop_held") or its fixed fee (kind
 * "fee_fixed"). */
struct shop_money {
    int64_t shop_id;
    char kind[24];
    char currency[16];
    int64_t amount; /* minor units */
};

/* Which withdrawals a list wants, a page at a time by id (as struct
 * order_filter). */
struct withdrawal_filter {
    int status;          /* enum withdrawal_status; -1 any, WITHDRAWAL_DECIDED: not pending */
    int64_t shop_id;     /* 0 any */
    int64_t merchant_id; /* of a shop of this merchant; 0 any */
    int64_t after_id;
    bool asc;
    int limit;
};
#define WITHDRAWAL_DECIDED (-2)

/* Order statistics of a shop over a period (minor units). */
struct order_stats {
    int64_t total_orders, completed_orders, pending_orders;
    int64_t total_amount, completed_amount, pending_amount, failed_amount, total_commission;
};

/* ---- callbacks (callback/dispatcher.c, store ops in store.h) ---- */

/* An outbox row (events table): one order state change. */
struct event {
    int64_t id;
    int64_t shop_id;
    int64_t order_id;
    char kind[SHORT_SIZE]; /* "order.completed", ... */
    int status;            /* enum order_status after the change */
    int64_t created_at;    /* Unix seconds */
};

enum callback_state {
    CALLBACK_PENDING = 0, /* due at next_attempt_at */
    CALLBACK_DELIVERED,   /* a 2xx answer */
    CALLBACK_FAILED,      /* the schedule ran out */
    CALLBACK_REFUSED,     /* 410 Gone, or refused by kassa (SSRF guard, bad URL) */
};

/* "pending", "delivered", "failed", "refused"; -1 from parse when unknown. */
const char *callback_state_name(enum callback_state s);
int callback_state_parse(const char *name);

#define CALLBACK_BODY_SIZE 4096
#define CALLBACK_RESPONSE_SIZE 1025 /* first 1 KiB of an answer + NUL */

/* The delivery of one event to one receiver. */
struct callback {
    int64_t id;
    int64_t event_id;
    int64_t order_id;
    int64_t shop_id;
    char receiver[DIALECT_NAME_SIZE]; /* the dialect whose body and signature it carries */
    char event_kind[SHORT_SIZE];      /* the event's kind (joined on read) */
    char url[URL_SIZE];
    char content_type[64];
    char body[CALLBACK_BODY_SIZE]; /* as rendered; a dialect may sign each attempt */
    size_t body_len;
    enum callback_state state;
    int attempts;                 /* attempts recorded, resends included */
    int step;                     /* scheduled attempts made since base_at */
    int64_t base_at;              /* ms: the schedule counts from here */
    int64_t next_attempt_at;      /* ms; 0 when not pending */
    char lease_owner[SHORT_SIZE]; /* "" when not leased */
    int64_t lease_until;          /* ms; 0 when not leased */
    int64_t claim_seq;            /* bumped by every claim and resend */
    int64_t created_at;           /* ms */
    int64_t updated_at;           /* ms */
};

/* Which requisites a list wants, by id (as struct order_filter). */
struct requisite_filter {
    char type[SHORT_SIZE]; /* "" any */
    char currency[16];     /* "" any */
    int active;            /* -1 any, 0, 1 */
    int64_t trader_id;     /* this trader's; 0 any */
    int64_t after_id;
    bool asc;
    int limit;
};

/* Which callbacks a list wants, by id (as struct order_filter). */
struct callback_filter {
    int state;           /* enum callback_state; -1 any */
    int64_t shop_id;     /* 0 any */
    int64_t merchant_id; /* of a shop of this merchant; 0 any */
    int64_t order_id;    /* 0 any */
    int64_t after_id;
    bool asc;
    int limit;
};

/* One delivery attempt as recorded. */
struct callback_attempt {
    int64_t id;
    int64_t callback_id;
    int64_t at; /* ms, on the clock */
    char url[URL_SIZE];
    int http_status; /* 0 when no answer */
    char error[256]; /* transport error text, "" when answered */
    int64_t latency_ms;
    char response[CALLBACK_RESPONSE_SIZE]; /* first 1 KiB of the answer */
    size_t response_len;
};

/* Counters over every callback. `retrying`: pending with >= 1 attempt. */
struct callback_stats {
    int64_t pending, retrying, delivered, failed, refused, attempts;
};

/* ---- operators, their tokens, the audit log ------------------------------ */

/* An operator's role (DESIGN.md "Operators"); what each may do is the
 * core's rule (core/operator.c role_may). */
enum op_role {
    ROLE_NONE = 0,
    ROLE_OWNER,   /* everything */
    ROLE_ADMIN,   /* everything but operators and their tokens */
    ROLE_SUPPORT, /* read; complete and fail orders, resend callbacks */
    ROLE_FINANCE, /* read; withdrawals, rates, tariffs */
    ROLE_VIEWER,  /* read only */
};

/* "owner", "admin", ...; parse gives ROLE_NONE when unknown. */
const char *op_role_name(enum op_role r);
/* "pending", "completed", "rejected"; "" when unknown. */
const char *withdrawal_status_name(int status);
enum op_role op_role_parse(const char *name);

#define OP_NAME_SIZE 128
#define OP_HASH_SIZE 160

struct operator
{
    int64_t id;
    char name[OP_NAME_SIZE];
    enum op_role role;
    char login[OP_NAME_SIZE];         /* "" when none */
    char password_hash[OP_HASH_SIZE]; /* "" when none; never rendered */
    int disabled;
    int64_t created_at;
};

/* An operator's API token as kept: its hash only. */
struct op_token {
    int64_t id;
    int64_t operator_id;
    char name[OP_NAME_SIZE];
    char hash[65]; /* hex SHA-256 of the token */
    int64_t created_at;
    int64_t last_used_at; /* 0: never (updated at most once a minute) */
    int64_t revoked_at;   /* 0: valid */
};

#define AUDIT_ACTION_SIZE 48
#define AUDIT_VALUE_SIZE 8192

/* One line of the audit log. */
struct audit_entry {
    int64_t id;
    int64_t at;       /* unix seconds, on the clock */
    int64_t actor_id; /* 0: the bootstrap token */
    char actor[OP_NAME_SIZE];
    int64_t token_id;
    char action[AUDIT_ACTION_SIZE]; /* "shop.update", "order.complete", ... */
    char target_kind[SHORT_SIZE];   /* "shop", "order", ... */
    char target_id[64];             /* "12", "RUB-USDT"; "" for none */
    char before[AUDIT_VALUE_SIZE];  /* JSON, "" when none */
    char after[AUDIT_VALUE_SIZE];
    char request_id[17];
    char client[64];
};

/* Which audit lines a list wants, by id (as struct order_filter). */
struct audit_filter {
    int64_t actor_id;                   /* -1 any */
    char action[AUDIT_ACTION_SIZE];     /* "" any; "shop." a prefix */
    char action_end[AUDIT_ACTION_SIZE]; /* with a prefix: "shop/" (the range's end) */
    char target_kind[SHORT_SIZE];       /* "" any */
    char target_id[64];                 /* "" any */
    int64_t from, to;                   /* unix seconds, [from, to); 0 open */
    int64_t after_id;
    bool asc;
    int limit;
};

/* ---- traders (spec/p2p.md) ----------------------------------------------- */

/* A person whose own bank requisites receive payers' transfers. */
struct trader {
    int64_t id;
    char name[TEXT_SIZE];
    char verified_name[TEXT_SIZE]; /* a requisite's holder name must equal it */
    int reward_bps;                /* basis points of each received amount */
    char currency[16];             /* the deposit's (settlement) currency: USDT by default */
    int active;                    /* 1 active, 0 suspended */
    int online;                    /* 1 online (takes orders), 0 offline */
    char api_key[KEY_SIZE];        /* the trader API's credentials */
    char secret[KEY_SIZE];
    int64_t created_at;
};

/* A trader's money in its settlement currency (minor units). */
struct trader_balances {
    int64_t available, reserved, earned;
};

/* ---- devices and bank messages (spec/p2p.md "Confirmation") ------------- */

/* A trader's phone relaying bank notifications. Its bearer token is kept
 * as a SHA-256 (hex) only; its HMAC secret in clear (it verifies every
 * request). */
struct device {
    int64_t id;
    int64_t trader_id;
    char name[TEXT_SIZE];
    char token_hash[KEY_SIZE];
    char secret[KEY_SIZE];
    int64_t created_at;
    int64_t last_seen;  /* its last authenticated request (0: none yet) */
    int64_t revoked_at; /* 0: in use */
};

/* What became of a bank message. */
enum bank_message_state {
    BANK_MESSAGE_MATCHED,   /* completed an order (order_id) */
    BANK_MESSAGE_UNMATCHED, /* a credit no pending order took */
    BANK_MESSAGE_AMBIGUOUS, /* a credit several pending orders could take */
    BANK_MESSAGE_IGNORED,   /* no credit (reason says why) */
};
/* "matched", "unmatched", "ambiguous", "ignored"; and back (-1: none). */
const char *bank_message_state_name(enum bank_message_state s);
int bank_message_state_of(const char *name);

#define BANK_EVENT_ID_SIZE 129 /* a device's event id: 128 bytes at most */
#define BANK_TEXT_SIZE 2049    /* a text or a title: BANKNOTE_TEXT_MAX bytes */

/* A message as a device posted it, and what was read and decided. */
struct bank_message {
    int64_t id;
    int64_t device_id, trader_id;
    char event_id[BANK_EVENT_ID_SIZE];
    char source[8]; /* "sms" | "push" */
    char sender[TEXT_SIZE];
    char package[TEXT_SIZE];
    char title[BANK_TEXT_SIZE];
    char text[BANK_TEXT_SIZE];
    int64_t received_at; /* Unix seconds, as the device says */
    int64_t created_at;
    enum bank_message_state state;
    char reason[16]; /* ignored: debit, balance, other, unparsed, unreadable */
    char template_id[SHORT_SIZE];
    char bank[SHORT_SIZE];
    char kind[8];   /* credit, debit, other; "" unparsed */
    int64_t amount; /* minor units of currency (0: none read) */
    char currency[16];
    char last4[8];
    char payer[128];
    int64_t order_id;           /* matched: the order it completed */
    char order_uuid[UUID_SIZE]; /* read with it (not a column) */
    char matched_by[16];        /* "device", "operator", "trader"; "" */
    int64_t matched_at;
};

/* Which bank messages a list shows. */
struct bank_message_filter {
    int state;         /* enum bank_message_state, -1 any */
    int64_t trader_id; /* 0 any */
    int64_t device_id; /* 0 any */
    int64_t after_id;
    bool asc;
    int limit;
};

/* ---- disputes (spec/p2p.md "Disputes") ----------------------------------- */

enum dispute_status {
    DISPUTE_IN_PROGRESS,
    DISPUTE_PAUSED,
    DISPUTE_RESOLVED_SUCCESS,
    DISPUTE_RESOLVED_CANCEL,
};
#define DISPUTE_STATUSES 4

/* Who opens a dispute, writes its log lines and uploads its evidence. */
enum dispute_party {
    PARTY_MERCHANT,
    PARTY_CUSTOMER,
    PARTY_TRADER,
    PARTY_OPERATOR,
    PARTY_SYSTEM,
};

/* Whose move it is in an open dispute. */
enum dispute_awaiting { AWAIT_NONE, AWAIT_TRADER, AWAIT_OPERATOR };

#define DISPUTE_COMMENT_SIZE 1024
#define DISPUTE_DETAILS_SIZE 1024

struct dispute {
    int64_t id;
    char uuid[UUID_SIZE];
    int64_t order_id;
    int64_t shop_id;
    int64_t amount; /* what the payer says was sent, minor units of `currency` */
    char comment[DISPUTE_COMMENT_SIZE];
    enum dispute_status status;
    enum dispute_party initiator;
    enum dispute_awaiting awaiting;
    char reject_reason[SHORT_SIZE]; /* the trader's code when rejected, "" */
    int64_t ttl;                    /* seconds the trader has to answer */
    int64_t deadline;               /* Unix seconds it runs out (pauses move it on) */
    int64_t paused_at;              /* 0: not paused */
    int64_t pause_duration;         /* seconds paused so far */
    int64_t reopened_at;            /* 0: never reopened */
    int64_t amount_received;        /* what the resolution completed the order with, 0 */
    int64_t created_at, modified_at;
    /* read with it (joined): its order's and shop's */
    char order_uuid[UUID_SIZE];
    char merchant_order_id[TEXT_SIZE];
    char currency[16];
    int64_t merchant_id;
    int64_t trader_id; /* the trader of the order's requisite, 0 */
};

/* How a dispute is looked up: its id, its uuid, its order's id. */
enum dispute_key { DISPUTE_BY_ID, DISPUTE_BY_UUID, DISPUTE_BY_ORDER };

struct dispute_evidence {
    int64_t id;
    char uuid[UUID_SIZE];
    int64_t dispute_id;
    char key[128];
    enum dispute_party uploader;
    char content_type[32];
    int64_t created_at;
};

struct dispute_log {
    int64_t id;
    char uuid[UUID_SIZE];
    int64_t dispute_id;
    enum dispute_party actor;
    enum dispute_status status; /* the dispute's after the change */
    char details[DISPUTE_DETAILS_SIZE];
    int64_t created_at;
};

/* The names of a status ("in_progress", ...), a party ("merchant", ...),
 * whose move it is ("trader", "operator", ""); the parse functions give
 * -1 for a name that is none. */
const char *dispute_status_name(enum dispute_status s);
int dispute_status_parse(const char *name);
const char *dispute_party_name(enum dispute_party p);
int dispute_party_parse(const char *name);
const char *dispute_awaiting_name(enum dispute_awaiting a);
int dispute_awaiting_parse(const char *name);

/* What a dispute list wants (the merchant's pages by offset, the
 * operator's queue by id). status -1: any; open_only: in_progress and
 * paused; awaiting -1: anyone's move. */
struct dispute_filter {
    int64_t shop_id;   /* 0: every shop */
    int64_t trader_id; /* 0: anyone's; else on the trader's requisites only */
    int status;
    bool open_only;
    int awaiting;
    bool not_awaiting; /* awaiting is the move it must NOT be */
    int64_t after_id;  /* the operator's cursor: ids below it (0: from the newest) */
    int offset;        /* the merchant's pages */
    int limit;
};

/* ---- console sign-in (core/login.h) ------------------------------------- */

/* Who a login or a console session belongs to. */
enum login_kind { LOGIN_NONE, LOGIN_OPERATOR, LOGIN_TRADER, LOGIN_MERCHANT };

#define LOGIN_SIZE 128
#define TOTP_SECRET_SIZE 40 /* base32 of 20 bytes (32 characters) and a NUL */

/* "operator", "trader", "merchant" ("" for LOGIN_NONE), and back
 * (LOGIN_NONE for anything else). */
const char *login_kind_name(enum login_kind k);
enum login_kind login_kind_parse(const char *name);

/* A login of the console: unique across operators, traders and merchant
 * users; its scrypt password hash and its second factor. */
struct login {
    char login[LOGIN_SIZE];
    enum login_kind kind;
    int64_t principal_id; /* the operator's, trader's or merchant user's id */
    char password_hash[OP_HASH_SIZE];
    char totp_secret[TOTP_SECRET_SIZE];  /* "": no second factor */
    char totp_pending[TOTP_SECRET_SIZE]; /* set up, not yet enabled */
    int64_t totp_last_step;              /* the last accepted code's step */
    char lang[8];
};

/* A person of a merchant who signs in to the console. */
struct merchant_user {
    int64_t id;
    int64_t merchant_id;
    char name[OP_NAME_SIZE];
    char login[LOGIN_SIZE]; /* "" when none (read from logins) */
    int disabled;
    int64_t created_at;
};

/* A console session as kept: the SHA-256 of its token only. */
struct console_session {
    char token_hash[65];
    char csrf[65];
    enum login_kind kind;
    int64_t principal_id;
    int64_t created_at, last_seen, expires_at;
};

#endif
