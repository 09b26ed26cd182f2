/* requisite.c: a requisite's limits in the JSON APIs (requisite.h). */
#include "dialect/requisite.h"

#include <stdio.h>
#include <string.h>

#include "dialect/reply.h"
#include "kassa/money.h"

/* The limit members a requisite body may carry (absent: unchanged; null
 * or 0: no limit). */
static const char *const limit_keys[] = {"min_amount",  "max_amount",  "daily_amount",
                                         "daily_count", "max_pending", "paused"};
static const unsigned limit_flags[] = {REQUISITE_SET_MIN_AMOUNT,   REQUISITE_SET_MAX_AMOUNT,
                                       REQUISITE_SET_DAILY_AMOUNT, REQUISITE_SET_DAILY_COUNT,
                                       REQUISITE_SET_MAX_PENDING,  REQUISITE_SET_PAUSED};

bool requisite_limit_key(const char *key)
{
    for (size_t i = 0; i < sizeof limit_keys / sizeof limit_keys[0]; i++)
        if (strcmp(key, limit_keys[i]) == 0)
            return true;
    return false;
}

bool requisite_limits_json(struct http_req *req, json_t *root, unsigned allowed,
                           struct requisite_limits_in *in, char *msg, size_t msglen)
{
    for (size_t i = 0; i < sizeof limit_keys / sizeof limit_keys[0]; i++) {
        json_t *v = json_object_get(root, limit_keys[i]);
        if (v == NULL || !(allowed & limit_flags[i]))
            continue;
        in->set |= limit_flags[i];
        if (i < 3) { /* an amount */
            bool found;
            if (json_is_null(v))
                core_copy(in->amount[i], sizeof in->amount[i], "0");
            else if (!json_decimal_text(req, root, limit_keys[i], in->amount[i],
                                        sizeof in->amount[i], &found, msg, msglen))
                return false;
        } else if (i < 5) { /* a count */
            int64_t n = 0;
            if (!json_is_null(v) && (!json_is_integer(v) || (n = json_integer_value(v)) < 0)) {
                snprintf(msg, msglen, "%s: expected a count, 0 or more (0 or null: no limit)",
                         limit_keys[i]);
                return false;
            }
            if (i == 3)
                in->values.daily_count = n;
            else
                in->values.max_pending = n;
        } else {
            if (!json_is_boolean(v)) {
                snprintf(msg, msglen, "paused: expected true or false");
                return false;
            }
            in->values.paused = json_is_true(v) ? 1 : 0;
        }
    }
    return true;
}

void requisite_limits_render(struct jw *w, const struct requisite *r)
{
    jw_kbool(w, "paused", r->paused != 0);
    const kassa_currency *cur = kassa_currency_find(r->currency);
    const int64_t amounts[3] = {r->min_amount, r->max_amount, r->daily_amount};
    for (int i = 0; i < 3; i++) {
        if (amounts[i] > 0 && cur != NULL)
            jw_kmoney(w, limit_keys[i], amounts[i], r->currency, cur->exponent, false);
        else
            jw_knull(w, limit_keys[i]);
    }
    const int64_t counts[2] = {r->daily_count, r->max_pending};
    for (int i = 0; i < 2; i++) {
        if (counts[i] > 0)
            jw_kint(w, limit_keys[3 + i], counts[i]);
        else
            jw_knull(w, limit_keys[3 + i]);
    }
}
