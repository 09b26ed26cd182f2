/* tegro.h: what the tegro REST dialect (tegro.c) shares with the hosted
 * payment form and pages (pages.c): building a tegro order from its wire
 * fields, and the command that creates it (with its receipt items, and the
 * REST nonce record when there is one) in one savepoint. */
#ifndef KASSA_TEGRO_H
#define KASSA_TEGRO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"
#include "core/method.h"
#include "dialect/dialect.h"

#define TEGRO_IDEM_PREFIX "tegro-order:"
#define TEGRO_NAME "tegro"
#define TEGRO_CALLBACK_CT "application/x-www-form-urlencoded"
#define TEGRO_CALLBACK_CT_JSON "application/json"

/* The registry's entry (tegro.c). */
extern const struct dialect dialect_tegro;

/* /pay/ and /pay/form/: the hosted payment form (form.c). */
enum http_action tegro_form_handle(struct http_req *req);

/* The shop's row of this dialect, or NULL (a shop made before the
 * deployment had the dialect). */
const struct shop_dialect *tegro_row(const struct shop *s);

/* core/guard.c for tegro (guard.c): true after answering 429 in tegro's
 * envelope (with Retry-After) when the client's address or shop_id has
 * too many failed authentications, or the shop is over its request rate;
 * tegro_auth_failed counts a failure. */
struct http_req;
bool tegro_locked_out(struct http_req *req, const char *shop_id);
void tegro_auth_failed(struct http_req *req, const char *shop_id);
bool tegro_over_rate(struct http_req *req, const struct shop *shop);

/* The notification body of a paid order of shop `s` (its row `row`):
 * shop_id, amount, order_id (the merchant's), payment_system (when set),
 * currency, test (only for a test order), sorted, URL-encoded, then
 * sign = MD5(that query string + the row's secret). For a row whose
 * callback format is "json", the same fields and sign, in the same order,
 * as a JSON object of strings; the sign is the same. KASSA_ETOOBIG when it
 * does not fit in out (size bytes, NUL-terminated; its length in *len),
 * KASSA_ECURRENCY, KASSA_ENOMEM. */
kassa_err tegro_callback_body(const struct order *o, const struct shop *s,
                              const struct shop_dialect *row, char *out, size_t size, size_t *len);

/* The registry's callback hooks (dialect.h struct dialect_merchant): the
 * callback format is "form" (the default) or "json"; a notification goes
 * out for a paid order only, to its notify_url, else the shop's
 * callback_url; the body carries its own sign. */
bool tegro_callback_format_ok(const char *value, char *msg, size_t msglen);
bool tegro_callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                         const struct shop_dialect *row, struct callback *cb, kassa_err *err);

struct tegro_create {
    struct order_create_cmd cmd; /* cmd.shop and cmd.order filled by tegro_order_fill;
                                    cmd.nonce by the REST call */
    struct receipt receipt;      /* items to store with a new order (cmd.receipt) */
};

/* The order's fields as they came on the wire (strings; NULL or "" when
 * absent). The receipt is filled by the caller beforehand. */
struct tegro_order_input {
    const char *currency, *amount, *order_id, *payment_system;
    const char *email, *phone, *success_url, *fail_url, *notify_url, *lang;
    bool test;
    /* The URLs are not covered by the request's signature (the hosted
     * form): only hosts the shop allows are taken. */
    bool unsigned_urls;
};

/* Validate `in` against the currency table, the method catalogue and the
 * shop's method switches, and prepare tc->cmd (order_create_prepare). false
 * with a tegro-style message in msg (e.g. "Empty required param order_id")
 * on any refusal; nothing is stored then. */
bool tegro_order_fill(struct tegro_create *tc, const struct shop *shop,
                      const struct tegro_order_input *in, const struct method_switches *sw,
                      char *msg, size_t msglen);

/* Tegro's order status number: 0 waiting, 1 paid, 2 error, 3 cancelled
 * (expired too), 4 rejected. */
int tegro_status(enum order_status s);

#endif
