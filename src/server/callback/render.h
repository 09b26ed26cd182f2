/* render.h: what a callback says, per dialect. The core stays wire-free;
 * the callback bodies of both dialects are rendered here (not in the
 * dialect files) because the dispatcher, not a request, produces them.
 *
 * panda: a JSON body (version 3 default, version 2 per shop), signed per
 *        attempt with X-Timestamp / X-Signature by the dispatcher.
 * tegro: a form body with its MD5 `sign` included (stable across attempts),
 *        or, for a shop whose notification_format is "json", the same fields
 *        and sign as a JSON object of strings. */
#ifndef KASSA_CALLBACK_RENDER_H
#define KASSA_CALLBACK_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "kassa/error.h"

#define CALLBACK_CT_PANDA "application/json"
#define CALLBACK_CT_TEGRO "application/x-www-form-urlencoded"
#define CALLBACK_CT_TEGRO_JSON "application/json"

/* panda's status name of a core status: "completed", "failed", "timeout",
 * "canceled", "traderNotFound", "pending". */
const char *callback_panda_status(enum order_status s);

/* The panda callback body of order `o` reaching `status`, version 3 or 2
 * (anything else is 3), into out (size bytes, NUL-terminated), its length
 * in *len. KASSA_ETOOBIG when it does not fit, KASSA_ECURRENCY for an
 * unknown currency. */
kassa_err callback_render_panda(const struct order *o, enum order_status status, int version,
                                char *out, size_t size, size_t *len);

/* The tegro notification body of a paid order of shop `s`: shop_id,
 * amount, order_id (the merchant's), payment_system (when set), currency,
 * test (only for a test order), sorted, URL-encoded, then
 * sign = MD5(that query string + the shop's tegro secret). For a shop that
 * wants JSON (callback_tegro_json), the same fields and sign, in the same
 * order, as a JSON object of strings; the sign is the same. Errors as
 * above, KASSA_ENOMEM. */
kassa_err callback_render_tegro(const struct order *o, const struct shop *s, char *out, size_t size,
                                size_t *len);

/* Whether shop s wants its tegro notifications as JSON (notification_format
 * "json"); otherwise as a form. */
bool callback_tegro_json(const struct shop *s);

/* Decide what event `e` of order `o` (shop `s`) delivers: true with *cb
 * filled (event_id, order_id, shop_id, receiver, url, content_type, body)
 * when there is something to send; false when nothing is (a status the
 * order's dialect does not call back on, or no receiver URL). *err gets a
 * rendering error (the event is then not deliverable either). */
bool callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                   struct callback *cb, kassa_err *err);

#endif
