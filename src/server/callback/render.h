/* render.h: what a callback says. The core stays wire-free and so does
 * this layer: the receiver of an order's callbacks is the dialect that
 * created the order, and its registry entry (dialect/dialect.h) renders the
 * body from the shop's row of that dialect; the dispatcher, not a request,
 * asks for it. */
#ifndef KASSA_CALLBACK_RENDER_H
#define KASSA_CALLBACK_RENDER_H

#include <stdbool.h>

#include "kassa/error.h"
#include "model/model.h"

/* Decide what event `e` of order `o` (shop `s`) delivers: true with *cb
 * filled (event_id, order_id, shop_id, receiver, url, content_type, body)
 * when there is something to send; false when nothing is (the order's
 * dialect makes no callbacks or none on this status, the shop has no row
 * of it, or there is no receiver URL). *err gets a rendering error (the
 * event is then not deliverable either). */
bool callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                   struct callback *cb, kassa_err *err);

#endif
