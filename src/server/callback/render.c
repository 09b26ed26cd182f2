/* render.c: the choice of a callback's receiver, through the dialect
 * registry (render.h); also the callback state names (model.h). */
#include <stdio.h>
#include <string.h>

#include "dialect/dialect.h"
#include "render.h"

static const char *const state_names[] = {
    [CALLBACK_PENDING] = "pending",
    [CALLBACK_DELIVERED] = "delivered",
    [CALLBACK_FAILED] = "failed",
    [CALLBACK_REFUSED] = "refused",
};

const char *callback_state_name(enum callback_state s)
{
    if ((unsigned)s < sizeof state_names / sizeof state_names[0])
        return state_names[s];
    return "unknown";
}

int callback_state_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(state_names[i], name) == 0)
            return (int)i;
    return -1;
}

bool callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                   struct callback *cb, kassa_err *err)
{
    *err = KASSA_OK;
    memset(cb, 0, sizeof *cb);
    cb->event_id = e->id;
    cb->order_id = o->id;
    cb->shop_id = o->shop_id;
    const struct dialect *d = dialect_by_id(o->origin);
    bool dispute = strncmp(e->kind, "dispute.", 8) == 0;
    if (d == NULL || d->merchant == NULL)
        return false;
    bool (*plan)(const struct event *, const struct order *, const struct shop *,
                 const struct shop_dialect *, struct callback *, kassa_err *) =
        dispute ? d->merchant->dispute_plan : d->merchant->callback_plan;
    if (plan == NULL)
        return false;
    const struct shop_dialect *row = shop_dialect_find(s, d->name);
    if (row == NULL)
        return false;
    snprintf(cb->receiver, sizeof cb->receiver, "%s", d->name);
    if (!plan(e, o, s, row, cb, err))
        return false;
    return *err == KASSA_OK && cb->url[0] != '\0';
}
