/* sql/gauges.c: the row of SQL_GAUGES (see gauges.h). */
#include "gauges.h"

void sql_read_gauges(const struct sql_row *r, struct store_gauges *out)
{
    out->callbacks_pending = r->ops->i64(r, 0);
    out->oldest_pending_ms = r->ops->null(r, 1) ? 0 : r->ops->i64(r, 1);
    out->events_unplanned = r->ops->i64(r, 2);
    out->withdrawals_pending = r->ops->i64(r, 3);
}
