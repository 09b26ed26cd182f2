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

#define TEGRO_IDEM_PREFIX "tegro-order:"

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
