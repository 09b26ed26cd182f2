/* admin_shops.h: the operator's shops (admin API). */
#ifndef KASSA_ADMIN_SHOPS_H
#define KASSA_ADMIN_SHOPS_H

#include "http/http.h"

/* /admin/v1/shops... after the admin token was checked (but for
 * /admin/v1/shops/{id}/methods, pages.c); `rest` is what follows
 * "/admin/v1/shops":
 *   POST ""                 create -> 201 the shop with both dialects' credentials
 *   GET  /{id}              the shop's settings (no credentials)
 *   PATCH /{id}             change settings -> 200 the shop as GET shows it
 *   GET  /{id}/balances     {"RUB": {"available", "held"}, ...}
 *   PUT  /{id}/tariff       {"fee_percent"?, "fee_fixed"?} */
enum http_action admin_shops(struct http_req *req, const char *rest);

/* /admin/v1/shops/{id}/methods[/{payment_system}] (admin_methods.c): GET lists the
 * shop's methods, PUT {"enabled": bool} switches one. `rest` is what follows
 * "/admin/v1/shops/"; the admin token is already checked. */
enum http_action admin_shop_methods(struct http_req *req, const char *rest);

#endif
