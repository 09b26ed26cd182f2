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
#include "dialect/pages/pages_form.h"

#define TEGRO_NONCE_SIZE 72
#define TEGRO_IDEM_PREFIX "tegro-order:"

struct tegro_create {
    struct order_create_cmd cmd; /* cmd.shop and cmd.order filled by tegro_order_fill */
    struct receipt receipt;      /* items to store with a new order */
    bool has_nonce;              /* REST: record the nonce in the same savepoint */
    char nonce[TEGRO_NONCE_SIZE];
    unsigned char body_hash[32];
};

/* The order's fields as they came on the wire (strings; NULL or "" when
 * absent). The receipt is filled by the caller beforehand. */
struct tegro_order_input {
    const char *currency, *amount, *order_id, *payment_system;
    const char *email, *phone, *success_url, *fail_url, *notify_url, *lang;
    bool test;
};

/* Validate `in` against the currency table, the method catalogue and the
 * shop's method switches, and prepare tc->cmd (order_create_prepare). false
 * with a tegro-style message in msg (e.g. "Empty required param order_id")
 * on any refusal; nothing is stored then. */
bool tegro_order_fill(struct tegro_create *tc, const struct shop *shop,
                      const struct tegro_order_input *in, const struct method_switches *sw,
                      char *msg, size_t msglen);

/* Writer apply for a struct tegro_create: the nonce record (KASSA_EAUTH_REPLAY
 * when it is a replay), order_create_apply, then the receipt items of a new
 * order. */
kassa_err tegro_create_apply(struct store_conn *c, struct writer_cmd *base);

/* Record a REST nonce on the writer, pruning records older than 48 h now
 * and then. KASSA_EAUTH_REPLAY on a replay. */
kassa_err tegro_nonce_record(struct store_conn *c, int64_t shop_id, const char *nonce,
                             const unsigned char body_hash[32]);

/* Tegro's order status number: 0 waiting, 1 paid, 2 error, 3 cancelled
 * (expired too), 4 rejected. */
int tegro_status(enum order_status s);

/* "<public_url>/pay/complete/<id>/<token>/" into buf. */
void tegro_pay_url(const struct order *o, char *buf, size_t size);

#endif
