/* sql/callbacks.h: the operator's list of callbacks (GET
 * /admin/v1/callbacks?state=), its statement and column map, once for both
 * backends. */
#ifndef KASSA_SQL_CALLBACKS_H
#define KASSA_SQL_CALLBACKS_H

#include "model/model.h"
#include "row.h"

/* A page of the callbacks f wants, by id, without their bodies (on
 * callbacks_state, or the primary key). */
void sql_callbacks_list(const struct callback_filter *f, struct sql_query *q);

/* A callback from a row of sql_callbacks_list (cb cleared first; no body). */
void sql_read_callback_summary(const struct sql_row *r, struct callback *cb);

#endif
