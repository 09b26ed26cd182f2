/* dialects.h: the entry points the router calls. Each answers or suspends
 * (http.h) and never blocks on the writer. */
#ifndef KASSA_DIALECTS_H
#define KASSA_DIALECTS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "http/http.h"
#include "kassa/error.h"

/* What the deployment tells the dialects (main.c, once, from the
 * configuration). */
struct dialect_settings {
    const char *public_url; /* base of the links given out, no trailing slash */
    int timestamp_window;   /* seconds a signed request's timestamp may be off */
    const char *admin_token;
    int64_t max_upload; /* bytes of the largest receipt upload */
};

void dialect_configure(const struct dialect_settings *s);
const struct dialect_settings *dialect_settings(void);

/* The payer's page of an order, "<public_url>/pay/complete/<id>/<token>/",
 * into buf: what tegro's createOrder answers and the hosted form leads to. */
struct order;
void dialect_pay_url(const struct order *o, char *buf, size_t size);

/* /orders..., /v1/orders... */
enum http_action panda_handle(struct http_req *req);

/* Parse and validate a panda create-order body (legacy: /orders with
 * amount_rub; else /v1/orders with amount) into cmd->order and
 * cmd->idem_key. KASSA_EINVAL with a message naming the field in msg. */
struct order_create_cmd;
kassa_err panda_parse_create(const char *body, size_t len, bool legacy,
                             struct order_create_cmd *cmd, char *msg, size_t msglen);

/* /admin/v1/... */
enum http_action admin_handle(struct http_req *req);

/* /api/... (tegro REST, tegro.c) */
enum http_action tegro_handle(struct http_req *req);

/* /pay/ and /pay/form/ (tegro's hosted payment form, tegro/form.c) */
enum http_action tegro_form_handle(struct http_req *req);

/* /pay/complete/..., /pay/qr/... (the payer's pages, pages.c) */
enum http_action pages_handle(struct http_req *req);

/* /admin/v1/shops/{id}/methods[/{payment_system}] (admin_methods.c): GET lists the
 * shop's methods, PUT {"enabled": bool} switches one. `rest` is what follows
 * "/admin/v1/shops/"; the admin token is already checked. */
enum http_action admin_shop_methods(struct http_req *req, const char *rest);

#endif
