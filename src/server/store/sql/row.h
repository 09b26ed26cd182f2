/* sql/row.h: a row reader and a column writer over either backend, so
 * that each row's column map is written once (sql/orders.c,
 * sql/requisites.c) and both backends use it: SQLite's adapter reads a
 * stepped statement (sqlite.c), PostgreSQL's a text result row (pg_exec.c).
 * A NULL column reads as 0 or "". */
#ifndef KASSA_SQL_ROW_H
#define KASSA_SQL_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sql_row;

struct sql_row_ops {
    int64_t (*i64)(const struct sql_row *r, int col);
    /* Copy a text column into dst (truncated to size - 1, always terminated). */
    void (*text)(const struct sql_row *r, int col, char *dst, size_t size);
    bool (*null)(const struct sql_row *r, int col);
};

/* A backend's row embeds this (container_of finds the row around it). */
struct sql_row {
    const struct sql_row_ops *ops;
};

/* Receives a row's columns in a statement's order, to bind as parameters
 * (or append to arrays of them): a text (NULL as ""), or a bigint (SQL
 * NULL when !has). */
struct sql_sink {
    void (*text)(struct sql_sink *k, const char *s);
    void (*i64)(struct sql_sink *k, int64_t v, bool has);
};

/* A statement built at run time (a list's filters): its text with $1..$n
 * in order, and the n parameters, fed to a backend's sink in that order. */
#define SQL_QUERY_PARAMS 24
struct sql_query {
    char sql[4096];
    int n;
    struct {
        const char *text; /* NULL: an integer */
        int64_t i64;
    } p[SQL_QUERY_PARAMS];
};

/* Append text to q's statement (its size is ample for every list). */
void sql_query_add(struct sql_query *q, const char *text);
/* Append "$<n>" for a new integer or text parameter. */
void sql_query_i64(struct sql_query *q, int64_t v);
void sql_query_text(struct sql_query *q, const char *s);
/* Append " WHERE " the first time (*first), " AND " after. */
void sql_query_where(struct sql_query *q, bool *first);
/* Feed q's parameters to k in order. */
void sql_query_params(const struct sql_query *q, struct sql_sink *k);

#endif
