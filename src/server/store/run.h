/* run.h: a statement of store/sql/ run through a connection's query_rows
 * (store.h), for the backend-neutral files (lists.c, operators.c,
 * traders.c): one way to build it, run it and read what it returns. */
#ifndef KASSA_STORE_RUN_H
#define KASSA_STORE_RUN_H

#include "sql/row.h"
#include "store.h"

/* A new statement of text `sql` without parameters yet (malloc'd; NULL
 * when memory is short). */
struct sql_query *store_query_new(const char *sql);
/* Add the next parameter ($1, $2, ... in order; q may be NULL). */
void store_query_i64(struct sql_query *q, int64_t v);
void store_query_text(struct sql_query *q, const char *s);
/* Run q on c, handing each row to fn, then free q; KASSA_ENOMEM when q is
 * NULL. */
kassa_err store_query_run(struct store_conn *c, struct sql_query *q, store_row_fn fn, void *arg);
/* Row readers: ignore every row; read column 0 as the int64_t at arg (an
 * INSERT's RETURNING id). */
bool store_row_none(void *arg, const struct sql_row *r);
bool store_row_id(void *arg, const struct sql_row *r);

#endif
