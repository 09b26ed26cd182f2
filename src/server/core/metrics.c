/* metrics.c (core/): the order transitions and the withdrawals, counted for
 * GET /metrics where the core makes them, staged (base/metric.h) so that a
 * transition counts once its transaction committed, and not at all when it
 * was rolled back or run again. */
#include <string.h>

#include "base/metric.h"
#include "core.h"

/* The configured dialects' names, then "other" (an order no configured
 * dialect made). */
static const char *dialect_names[SHOP_DIALECTS_MAX + 1];

static const char *const order_statuses[] = {"pending",  "completed",    "failed",  "expired",
                                             "canceled", "no_requisite", "reversed"};

static struct metric order_transitions = {
    .name = "kassa_order_transitions_total",
    .help = "Orders that entered a status (pending and no_requisite at creation), by the "
            "dialect that created them.",
    .type = METRIC_COUNTER,
    .n_labels = 2,
    .labels = {{.name = "dialect", .names = dialect_names},
               {.name = "status",
                .names = order_statuses,
                .n = sizeof order_statuses / sizeof order_statuses[0]}},
};

static const char *const withdrawal_statuses[] = {"pending", "completed", "rejected"};

static struct metric withdrawals = {
    .name = "kassa_withdrawals_total",
    .help = "Withdrawals that entered a status (pending: requested).",
    .type = METRIC_COUNTER,
    .n_labels = 1,
    .labels = {{.name = "status",
                .names = withdrawal_statuses,
                .n = sizeof withdrawal_statuses / sizeof withdrawal_statuses[0]}},
};

void core_metrics_register(void)
{
    if (order_transitions.cells != NULL)
        return; /* registered with the dialects it was first given */
    const struct core_settings *s = core_settings();
    for (int i = 0; i < s->n_dialects; i++)
        dialect_names[i] = s->dialects[i].name;
    dialect_names[s->n_dialects] = "other";
    order_transitions.labels[0].n = s->n_dialects + 1;
    metric_register(&order_transitions);
    metric_register(&withdrawals);
}

void core_count_order(const struct order *o)
{
    const struct core_settings *s = core_settings();
    const struct core_dialect *d = core_dialect_by_id(o->origin);
    int v[2] = {d != NULL ? (int)(d - s->dialects) : s->n_dialects, (int)o->status};
    if (v[0] >= order_transitions.labels[0].n)
        v[0] = order_transitions.labels[0].n - 1; /* configured after registering */
    metric_stage(&order_transitions, metric_series(&order_transitions, v), 1);
}

void core_count_withdrawal(const struct withdrawal *w)
{
    metric_stage(&withdrawals, metric_series(&withdrawals, &w->status), 1);
}
