/* panda.h: what the panda dialect's files share (panda.c: the REST API;
 * view.c: the payer's view; callback.c: its status names and callbacks). */
#ifndef KASSA_PANDA_H
#define KASSA_PANDA_H

#include <stdbool.h>
#include <stddef.h>

#include "dialect/dialect.h"
#include "kassa/error.h"
#include "http/http.h"
#include "model/model.h"

#define PANDA_NAME "panda"

/* The registry's entry (panda.c). */
extern const struct dialect dialect_panda;
#define PANDA_CALLBACK_CT "application/json"

/* panda's status name of a core status: "completed", "failed", "timeout",
 * "canceled", "traderNotFound", "pending". */
const char *panda_status(enum order_status s);

/* The attribute name a requisite's value goes under (requisite_attributes):
 * "phoneNumber", "cardNumber", "accountNumber" or "value". */
const char *panda_requisite_attr(const char *type);

/* GET /orders/callback/{uuid_callback} (view.c): the payer's view. */
enum http_action panda_callback_view(struct http_req *req, const char *uuid_cb);

/* The callback body of order `o` reaching `status`, version 3 or 2
 * (anything else is 3), into out (size bytes, NUL-terminated), its length
 * in *len. KASSA_ETOOBIG when it does not fit, KASSA_ECURRENCY for an
 * unknown currency. */
kassa_err panda_callback_body(const struct order *o, enum order_status status, int version,
                              char *out, size_t size, size_t *len);

/* The registry's callback hooks (dialect.h struct dialect_merchant). A
 * shop's callback format is its callback version: "3" (the default) or
 * "2"; a callback goes to the shop's callback_url on every status but
 * pending, and each attempt is signed: X-API-Key, X-Timestamp and
 * X-Signature = HMAC-SHA256(secret, timestamp + body). */
bool panda_callback_format_ok(const char *value, char *msg, size_t msglen);
bool panda_callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                         const struct shop_dialect *row, struct callback *cb, kassa_err *err);
bool panda_callback_sign(const struct callback *cb, const struct shop_dialect *row, int64_t now,
                         dialect_header_fn add, void *arg);

/* Authenticate a request (auth.c): X-API-Key names the shop (its current
 * key, or the one before it while a rotation's overlap lasts), X-Signature
 * is HMAC(that pair's secret, X-Timestamp + signed) (strict mode: over
 * timestamp, method, target and body) inside the timestamp window. Else
 * answers 401 and returns false. panda_auth_ex, for a request that changes
 * something without a body (cancel, confirm): a plain signature another
 * request of the shop used already is refused, and *change gets the
 * signature as a nonce for the core to record with the change, so no node
 * takes it twice. */
struct http_req;
struct request_nonce;
bool panda_auth(struct http_req *req, const char *signed_part, size_t signed_len,
                struct shop *shop);
bool panda_auth_ex(struct http_req *req, const char *signed_part, size_t signed_len,
                   struct shop *shop, struct request_nonce *change);

/* The dispute API (disputes.c): /disputes... and /v1/disputes...; an
 * order's dispute (GET) or opening one (POST) at /orders/{uuid}/disputes;
 * the signed `dispute` callback of a dispute event (dialect.h
 * dispute_plan): the dispute object without evidence and logs. */
enum http_action panda_disputes_handle(struct http_req *req);
enum http_action panda_order_disputes(struct http_req *req, const char *uuid, bool post);
bool panda_dispute_plan(const struct event *e, const struct order *o, const struct shop *s,
                        const struct shop_dialect *row, struct callback *cb, kassa_err *err);

/* Parse and validate a create-order body (legacy: /orders with
 * amount_rub; else /v1/orders with amount) into cmd->order and
 * cmd->idem_key. KASSA_EINVAL with a message naming the field in msg. */
struct order_create_cmd;
kassa_err panda_parse_create(const char *body, size_t len, bool legacy,
                             struct order_create_cmd *cmd, char *msg, size_t msglen);

#endif
