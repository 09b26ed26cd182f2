/* pages.h: what the payer's pages share (pages.c routes, payer.c renders
 * the payer's page). */
#ifndef KASSA_PAGES_H
#define KASSA_PAGES_H

#include <stdint.h>

#include "dialect/dialect.h"
#include "dialect/html.h"

/* Load the order `id` and check its token (constant time); KASSA_ENOTFOUND
 * when it does not exist or the token is wrong (the same answer for both).
 * Its shop into *shop unless NULL. */
kassa_err load_paid_order(int64_t id, const char *token, struct order *o, struct shop *shop);

/* The requisite the payer sees: the pool's, or the sandbox's for a test
 * order (core's order_requisite). NULL when none. */
const struct requisite *shown_requisite(const struct order *o, struct requisite *buf,
                                        const struct lang *L);

/* GET /pay/complete/{id}/{token}/: the payer's page of order `id`. `note`,
 * when not NULL, says why the method the payer just chose was not taken. */
enum http_action payer_page(struct http_req *req, int64_t id, const char *token, const char *note);

#endif
