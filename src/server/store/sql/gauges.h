/* sql/gauges.h: what GET /metrics reads of the database at each scrape,
 * one statement for both backends, every part of it on an index
 * (test_store_contract's test_gauges reads the plans):
 * - the pending callbacks, counted on callbacks_due (partial: pending
 *   rows only), and the oldest of them by id on callbacks_state;
 * - the events the dispatcher has not planned yet, on events_unplanned
 *   (partial);
 * - the pending withdrawals, on withdrawals_status.
 * Each count reads only the rows it counts, so it costs what the backlog
 * is, not what the tables hold. */
#ifndef KASSA_SQL_GAUGES_H
#define KASSA_SQL_GAUGES_H

#include "row.h"
#include "store/store.h"

#define SQL_GAUGES                                                                                 \
    "SELECT (SELECT count(*) FROM callbacks WHERE state = 'pending'), "                            \
    "(SELECT created_at FROM callbacks WHERE state = 'pending' ORDER BY state, id LIMIT 1), "      \
    "(SELECT count(*) FROM events WHERE planned = 0), "                                            \
    "(SELECT count(*) FROM withdrawals WHERE status = 0)"

/* The figures from SQL_GAUGES's row. */
void sql_read_gauges(const struct sql_row *r, struct store_gauges *out);

#endif
