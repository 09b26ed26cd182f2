/* dialect.h: the dialect registry, and what every dialect shares.
 *
 * A dialect is one folder dialect/<name>/ and one line of registry.c's
 * list: its `struct dialect` says its registered name, the number its
 * orders carry, the paths it answers (the router dispatches through them)
 * and, for a merchant dialect (whose shops have credentials in it), what a
 * new shop's row of it gets, how its callback format is checked, how its
 * callback bodies are made and how an attempt is signed. The layers below
 * never name a dialect: they store rows keyed by its name and call what
 * the registry points at. Every dialect answers or suspends (http.h) and
 * never blocks on the writer. */
#ifndef KASSA_DIALECTS_H
#define KASSA_DIALECTS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "http/http.h"
#include "kassa/error.h"
#include "model/model.h"

/* ---- the registry (registry.c) ------------------------------------------ */

/* A path a dialect answers: exactly `path`, or (exact false) `path` and
 * every path below it ("/orders" takes "/orders" and "/orders/1", not
 * "/ordersx"). An exact route wins over a prefix, a longer prefix over a
 * shorter. */
struct dialect_route {
    const char *path;
    bool exact;
    http_handler handle;
};

/* The per-shop settings of a merchant dialect: its orders' TTL, its
 * callbacks' format, and whether the shop takes only signatures covering
 * the whole request (a JSON boolean). */
enum dialect_setting { DIALECT_ORDER_TTL, DIALECT_CALLBACK_FORMAT, DIALECT_STRICT_SIGNING };

/* One of them as the admin API names it in a shop's JSON. */
struct dialect_field {
    const char *name; /* the member: "panda_order_ttl" */
    enum dialect_setting setting;
};

/* Adds the header `name: value` to a callback attempt; false when it could
 * not (out of memory). */
typedef bool (*dialect_header_fn)(void *arg, const char *name, const char *value);

/* What a merchant dialect adds: its shops' rows (model.h struct
 * shop_dialect) and its callbacks. */
struct dialect_merchant {
    /* A new shop's row: credentials of this many random bytes (as hex), an
     * order TTL (main.c may take another from the configuration) and a
     * callback format. */
    int api_key_bytes, secret_bytes;
    int order_ttl;
    const char *callback_format;
    /* Whether `value` is one of its callback formats; false with a message
     * naming the setting as the admin API does in msg. */
    bool (*callback_format_ok)(const char *value, char *msg, size_t msglen);
    /* The admin API shows the callback format as a JSON integer (else as a
     * string). */
    bool callback_format_int;
    /* Its settings in a shop's JSON, in their order there. */
    const struct dialect_field *fields;
    size_t n_fields;
    /* The callback of event `e` of its order `o` (shop `s`, the shop's row
     * of this dialect `row`): true with cb's url, content_type, body and
     * body_len filled when there is one to send; false when there is none
     * (a status it does not call back on), or with *err set when it cannot
     * be rendered. */
    bool (*callback_plan)(const struct event *e, const struct order *o, const struct shop *s,
                          const struct shop_dialect *row, struct callback *cb, kassa_err *err);
    /* The same for a dispute's event (kind "dispute.<status>", written
     * for shops with dispute_callbacks: core/dispute.c); NULL: it sends
     * none. */
    bool (*dispute_plan)(const struct event *e, const struct order *o, const struct shop *s,
                         const struct shop_dialect *row, struct callback *cb, kassa_err *err);
    /* Sign one attempt of cb at `now` (Unix seconds) with the shop's row:
     * the headers it adds through `add`. NULL: the body carries its own
     * signature. false when a header could not be added. */
    bool (*callback_sign)(const struct callback *cb, const struct shop_dialect *row, int64_t now,
                          dialect_header_fn add, void *arg);
};

struct dialect {
    const char *name; /* registered: stored in shop_dialects and callbacks rows */
    int id;           /* stored in orders.origin (0: it makes no orders); never reused */
    const struct dialect_route *routes;
    size_t n_routes;
    const struct dialect_merchant *merchant; /* NULL: not a merchant dialect */
};

/* Every registered dialect in the registry's order, NULL-terminated. */
extern const struct dialect *const dialect_registry[];

/* A registered dialect by name or by id; NULL when there is none. */
const struct dialect *dialect_find(const char *name);
const struct dialect *dialect_by_id(int id);

/* The route answering `path` (see struct dialect_route), or NULL. */
const struct dialect_route *dialect_route_find(const char *path);
/* The same, with its dialect's place in dialect_registry in *index (-1
 * when none; index may be NULL). */
const struct dialect_route *dialect_route_lookup(const char *path, int *index);

/* Fill `out` (room for `max`) with every merchant dialect as the core
 * knows it (core/core.h struct core_dialect), with the registry's
 * defaults; the count. */
struct core_dialect;
int dialect_core_dialects(struct core_dialect *out, int max);

/* ---- what the deployment tells the dialects ----------------------------- */

/* main.c, once, from the configuration and the parts it wires up. */
struct dialect_settings {
    const char *public_url; /* base of the links given out, no trailing slash */
    int timestamp_window;   /* seconds a signed request's timestamp may be off */
    const char *admin_token;
    int64_t max_upload; /* bytes of the largest receipt upload */
    /* The callback dispatcher, as the admin API needs it: look for due
     * callbacks now (after a resend), and the deliveries in flight. NULL:
     * no dispatcher (nothing to kick, 0 in flight). */
    void (*callbacks_kick)(void);
    int64_t (*callbacks_in_flight)(void);
    /* The writer now, for the overview: commands queued and how long the
     * last COMMIT took (microseconds). NULL: no writer (0 and 0). */
    void (*writer_state)(int64_t *queued, int64_t *last_commit_us);
    bool secure_cookies; /* the console's cookie is Secure (TLS, or an https public URL) */
};

void dialect_configure(const struct dialect_settings *s);
const struct dialect_settings *dialect_settings(void);

/* The payer's page of an order, "<public_url>/pay/complete/<id>/<token>/",
 * into buf: what a hosted payment form and an order's answer lead to. */
void dialect_pay_url(const struct order *o, char *buf, size_t size);

#endif
