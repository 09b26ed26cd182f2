/* merchant.h: what the merchant API's files share (merchant.c:
 * authentication, routing, shops, credentials, the test payment;
 * records.c: orders, withdrawals, callbacks).
 *
 * The merchant API, /merchant/v1/..., is a merchant user's view of its
 * merchant's shops, for the console: a session cookie (dialect/session.h)
 * instead of a signature, every answer JSON, every refusal {"error":
 * "..."} (reply_error, as the admin API). What belongs to another merchant
 * answers 404 exactly as a missing one: the rule is the core's
 * (core/merchant.c, query_merchant_*), never this dialect's. */
#ifndef KASSA_MERCHANT_API_H
#define KASSA_MERCHANT_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"

#define MERCHANT_NAME "merchant"

extern const struct dialect dialect_merchant;

/* A request of an authenticated merchant user (merchant.c merchant_auth):
 * the merchant whose shops it sees, and the change's audit line. */
struct merchant_call {
    int64_t merchant_id;
    int64_t user_id;
    char user_name[64];
    render_fn render;
    struct audited_task at;
};

/* Run a change's command on the writer with its audit line (actor
 * "merchant_user:<id>", `action` on record `kind` `target`; created: the
 * id a creation sets) in the same transaction, then render. */
enum http_action merchant_submit(struct http_req *req, struct merchant_call *call,
                                 struct store_task *task, render_fn render, const char *action,
                                 const char *kind, int64_t target, const int64_t *created);

/* The rest of path p after `prefix`, or NULL when p is not prefix or
 * below it. */
static inline const char *merchant_under(const char *p, const char *prefix)
{
    const char *rest = path_after(p, prefix);
    return rest != NULL && (rest[0] == '\0' || rest[0] == '/') ? rest : NULL;
}

/* A positive decimal id (at most 18 digits) from [s, s + n); 0 when not. */
int64_t merchant_id_of(const char *s, size_t n);

/* The routes of records.c (rest: the path after the collection's name). */
enum http_action merchant_orders(struct http_req *req, struct merchant_call *call,
                                 const char *rest);
enum http_action merchant_withdrawals(struct http_req *req, struct merchant_call *call,
                                      const char *rest);
enum http_action merchant_callbacks(struct http_req *req, struct merchant_call *call,
                                    const char *rest);

/* The merchant's view of an order (no requisite's or trader's details). */
void render_merchant_order(struct jw *w, const struct order *o);

#endif
