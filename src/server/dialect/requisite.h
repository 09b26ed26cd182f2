/* requisite.h: a requisite's limits as the JSON APIs (admin, trader) take
 * and show them: min_amount, max_amount, daily_amount (decimal amounts of
 * the requisite's currency), daily_count, max_pending (counts; 0 or null:
 * no limit) and paused (its trader's pause). The rule on them is the
 * core's (requisite_limits_read). */
#ifndef KASSA_DIALECT_REQUISITE_H
#define KASSA_DIALECT_REQUISITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/jsonw.h"
#include "core/core.h"
#include "http/http.h"

/* Whether `key` is one of the limit members. */
bool requisite_limit_key(const char *key);

/* The limit members of root that `allowed` flags (enum requisite_setting;
 * the others are left alone) into in (absent: unchanged; null or 0: no
 * limit). false with msg naming the member. */
bool requisite_limits_json(struct http_req *req, json_t *root, unsigned allowed,
                           struct requisite_limits_in *in, char *msg, size_t msglen);

/* "paused", then each limit (null when there is none), into an open
 * object. */
void requisite_limits_render(struct jw *w, const struct requisite *r);

#endif
