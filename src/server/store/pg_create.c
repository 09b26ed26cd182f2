/* pg_create.c: order creates on PostgreSQL: one order (with its
 * idempotency record), the reads of n creates in one round trip (with the
 * requisites the pool picks from: provider/requisites.c), n orders in one
 * statement (their columns as binary array parameters).
 * Statements in slots PG_SLOTS_CREATE.. (pg_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/buf.h"
#include "pg_internal.h"
#include "sql/orders.h"
#include "sql/requisites.h"

/* The statements of order creates, prepared lazily per connection (slots
 * PG_SLOTS_CREATE..). */
#define PG_CREATE_STMTS(XX)                                                                        \
    XX(ORDER_INSERT, SQL_ORDER_INSERT " RETURNING id")                                             \
    /* The order and its idempotency record ($33 key, "" = none; $34                               \
     * fingerprint) in one statement. */                                                           \
    XX(ORDER_INSERT_IDEM,                                                                          \
       "WITH o AS (" SQL_ORDER_INSERT " RETURNING id), "                                           \
       "i AS (INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "           \
       "SELECT $4, $33::text, $34::bytea, id, $29 FROM o WHERE $33::text <> '') "                  \
       "SELECT id FROM o")                                                                         \
    /* The reads of order creates but the requisite (order_create_reads_many):                     \
     * arrays of $1 shops, $2 idempotency keys ("" = none), $3 currencies;                         \
     * one row per create, in their order, led by its position. Every lookup                       \
     * is a LATERAL with LIMIT 1 (not flattened into a join), that is an                           \
     * index probe per create: the generic plan of plain joins, made while                         \
     * the tables were small, hashed a sequential scan of the whole                                \
     * idempotency table for every batch. */                                                       \
    XX(ORDER_CREATE_READS_MANY,                                                                    \
       "SELECT x.ord, i.fingerprint, i.order_id, i.created_at, f.fixed, r.rate "                   \
       "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY "                        \
       "AS x(shop_id, key, currency, ord) "                                                        \
       "LEFT JOIN LATERAL (SELECT fingerprint, order_id, created_at FROM idempotency "             \
       "WHERE x.key <> '' AND shop_id = x.shop_id AND key = x.key LIMIT 1) i ON true "             \
       "LEFT JOIN LATERAL (SELECT fixed FROM shop_fees "                                           \
       "WHERE shop_id = x.shop_id AND currency = x.currency LIMIT 1) f ON true "                   \
       "LEFT JOIN LATERAL (SELECT rate FROM rates WHERE base = 'USDT' AND quote = x.currency "     \
       "LIMIT 1) r ON true "                                                                       \
       "ORDER BY x.ord")                                                                           \
    /* The active requisites of the types ($1) and currencies ($2) asked                           \
     * for, in id order; the pool picks from them (no write: several                               \
     * writers and nodes would queue on the row lock of a counter). */                             \
    XX(REQUISITES_ACTIVE, "SELECT " SQL_REQUISITE_COLUMNS "FROM requisites WHERE active = 1 "      \
                          "AND type = ANY($1::text[]) AND currency = ANY($2::text[]) ORDER BY id") \
    /* ORDER_INSERT_IDEM for a batch: one array per column of ORDER_INSERT                         \
     * ($1..$32, numbers as bigint), $33 the keys and $34 the fingerprints                         \
     * (NULL = no record); answers each new order's uuid and id. */                                \
    XX(ORDER_INSERT_MANY,                                                                          \
       "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "        \
       "$5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[], $10::bigint[], "       \
       "$11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], "          \
       "$17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], "            \
       "$23::text[], $24::text[], $25::text[], $26::bigint[], $27::bigint[], $28::bigint[], "      \
       "$29::bigint[], $30::bigint[], $31::bigint[], $32::bigint[], $33::text[], "                 \
       "$34::bytea[]) AS x(" SQL_ORDER_COLUMNS ", key, fp)), "                                     \
       "o AS (INSERT INTO orders(" SQL_ORDER_COLUMNS ") "                                          \
       "SELECT " SQL_ORDER_COLUMNS " FROM x RETURNING id, uuid), "                                 \
       "i AS (INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "           \
       "SELECT x.shop_id, x.key, x.fp, o.id, x.created_at FROM x JOIN o ON o.uuid = x.uuid "       \
       "WHERE x.key IS NOT NULL) "                                                                 \
       "SELECT uuid, id FROM o")                                                                   \
    XX(REQUISITE_CLAIM_MANY, SQL_REQUISITE_CLAIM_MANY)

enum pg_create_stmt {
#define XX(name, sql) STMT_##name,
    PG_CREATE_STMTS(XX)
#undef XX
        CREATE_STMT_COUNT_
};

static const char *const create_sql[] = {
#define XX(name, sql) sql,
    PG_CREATE_STMTS(XX)
#undef XX
};

_Static_assert((int)CREATE_STMT_COUNT_ <= (int)PG_SLOTS_ROWS - (int)PG_SLOTS_CREATE,
               "create statements overflow their slots");

/* The create statement `id`. */
static PGresult *create_exec(struct pg_conn *c, enum pg_create_stmt id, const struct pg_params *p,
                             kassa_err *err)
{
    return pg_exec(c, PG_SLOTS_CREATE + (int)id, create_sql[id], p, err);
}

/* Run an INSERT ... RETURNING id into *id. */
static kassa_err create_insert_id(struct pg_conn *c, enum pg_create_stmt id,
                                  const struct pg_params *p, int64_t *out)
{
    kassa_err err;
    PGresult *r = create_exec(c, id, p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *out = pg_i64(r, 0, 0);
    else
        err = KASSA_EIO;
    PQclear(r);
    return err;
}

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

/* The 32 parameters of ORDER_INSERT / ORDER_INSERT_IDEM. */
static void order_params(struct pg_params *p, const struct order *o);

kassa_err pg_order_insert(struct store_conn *base, struct order *o)
{
    CONN(base);
    struct pg_params p = {0};
    order_params(&p, o);
    return create_insert_id(c, STMT_ORDER_INSERT, &p, &o->id);
}

kassa_err pg_order_insert_idem(struct store_conn *base, struct order *o, struct idem *idem)
{
    CONN(base);
    struct pg_params p = {0};
    order_params(&p, o);
    pgp_text(&p, idem ? idem->key : "");
    if (idem)
        pgp_bytes(&p, idem->fingerprint, sizeof idem->fingerprint);
    else
        pgp_null(&p);
    kassa_err err = create_insert_id(c, STMT_ORDER_INSERT_IDEM, &p, &o->id);
    if (err == KASSA_OK && idem)
        idem->order_id = o->id;
    /* Another node or writer committed the same key after our lookup: run
     * the command again, it then answers with that order. */
    return err == KASSA_EEXIST ? KASSA_ERETRY : err;
}

/* The reads of a create but the requisite from row `row`, columns from
 * `col` (fingerprint, order id, created, fixed fee, rate). */
static void read_create_reads(const PGresult *r, int row, int col, struct order_reads *rd)
{
    rd->idem_err = rd->fee_err = rd->rate_err = rd->requisite_err = KASSA_ENOTFOUND;
    if (!PQgetisnull(r, row, col + 1)) {
        memset(&rd->idem, 0, sizeof rd->idem);
        rd->idem.shop_id = rd->shop_id;
        snprintf(rd->idem.key, sizeof rd->idem.key, "%s", rd->idem_key);
        unsigned char fp[sizeof rd->idem.fingerprint];
        if (pg_bytes(r, row, col, fp, sizeof fp) == (long)sizeof fp)
            memcpy(rd->idem.fingerprint, fp, sizeof fp);
        rd->idem.order_id = pg_i64(r, row, col + 1);
        rd->idem.created_at = pg_i64(r, row, col + 2);
        rd->idem_err = KASSA_OK;
    }
    if (!PQgetisnull(r, row, col + 3)) {
        rd->fixed_fee = pg_i64(r, row, col + 3);
        rd->fee_err = KASSA_OK;
    }
    if (!PQgetisnull(r, row, col + 4)) {
        pg_text(r, row, col + 4, rd->rate, sizeof rd->rate);
        rd->rate_err = KASSA_OK;
    }
}

/* ---- array parameters (the *_MANY statements) ---------------------------- */

/* Element types of the arrays (PostgreSQL's pg_type OIDs). */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25 };

/* A one-dimensional array parameter in PostgreSQL's binary format (what
 * array_recv reads): a header (dimensions, has-nulls flag, element type,
 * length, lower bound), then each element as its length (-1: NULL) and its
 * bytes, a bigint as 8 bytes big-endian. No quoting or number formatting
 * here and no parsing on the server (text literals cost array_in ~6 % of
 * the server's time on creates). The statement's cast ($1::bigint[])
 * gives the parameter's type, which the element type must match. */
struct pg_array {
    struct buf b;  /* the header's room (ARR_HDR), then the elements */
    uint32_t oid;  /* element type; 0: not set yet */
    int n;         /* elements */
    bool nulls;    /* any element NULL */
    kassa_err err; /* the first append that failed (sticky); KASSA_OK */
};

#define ARR_HDR 20 /* header of a one-dimensional array */
/* An array's ceiling: PostgreSQL takes no value larger (its MaxAllocSize). */
#define ARR_MAX ((size_t)0x3fffffff)

static void arr_init(struct pg_array *a, uint32_t oid)
{
    static const char header[ARR_HDR]; /* written by arr_end */
    memset(a, 0, sizeof *a);
    a->oid = oid;
    buf_init(&a->b, ARR_MAX);
    a->err = buf_add(&a->b, header, sizeof header);
}

static void arr_put(struct pg_array *a, const void *v, size_t n)
{
    if (a->err == KASSA_OK)
        a->err = buf_add(&a->b, v, n);
}

static void put_be32(char *d, uint32_t v)
{
    d[0] = (char)(v >> 24);
    d[1] = (char)(v >> 16);
    d[2] = (char)(v >> 8);
    d[3] = (char)v;
}

/* Append one element: v (n bytes), or NULL when v is. An element past the
 * ceiling (so past INT32_MAX too, which its length word would not hold)
 * fails the array. */
static void arr_add(struct pg_array *a, const void *v, size_t n)
{
    char len[4];
    put_be32(len, v == NULL ? UINT32_MAX /* -1 */ : (uint32_t)n);
    arr_put(a, len, sizeof len);
    if (v != NULL && n > 0)
        arr_put(a, v, n);
    if (a->err != KASSA_OK)
        return;
    a->n++;
    if (v == NULL)
        a->nulls = true;
}

/* A text element; NULL as "" (as pgp_text). */
static void arr_text(struct pg_array *a, const char *s)
{
    arr_add(a, s ? s : "", s ? strlen(s) : 0);
}

static void arr_i64(struct pg_array *a, int64_t v)
{
    char b[8];
    put_be32(b, (uint32_t)((uint64_t)v >> 32));
    put_be32(b + 4, (uint32_t)v);
    arr_add(a, b, sizeof b);
}

/* The finished array, its size in *len; NULL when it could not be built
 * (a->err says why). */
static const char *arr_end(struct pg_array *a, size_t *len)
{
    if (a->err != KASSA_OK)
        return NULL;
    char *s = buf_ptr(&a->b);
    if (a->n == 0) { /* no dimensions: header without them */
        put_be32(s, 0);
        put_be32(s + 4, 0);
        put_be32(s + 8, a->oid);
        *len = 12;
        return s;
    }
    put_be32(s, 1);
    put_be32(s + 4, a->nulls);
    put_be32(s + 8, a->oid);
    put_be32(s + 12, (uint32_t)a->n);
    put_be32(s + 16, 1);
    *len = buf_len(&a->b);
    return s;
}

/* The n arrays as binary parameters in *p: KASSA_OK, or the error of the
 * first that could not be built (KASSA_ENOMEM, KASSA_ETOOBIG). */
static kassa_err arrays_params(struct pg_array *arr, int n, struct pg_params *p)
{
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *v = arr_end(&arr[i], &len);
        if (v == NULL)
            return arr[i].err;
        pgp_bytes(p, v, len);
    }
    return KASSA_OK;
}

static void arrays_free(struct pg_array *arr, int n)
{
    for (int i = 0; i < n; i++)
        buf_free(&arr[i].b);
}

/* The REQUISITES_ACTIVE arrays (types, currencies) of the creates in rd
 * that ask for a requisite; false when none does. */
static bool requisites_arrays(const struct order_reads *rd, int n, struct pg_array arr[2])
{
    arr_init(&arr[0], OID_TEXT);
    arr_init(&arr[1], OID_TEXT);
    bool asking = false;
    for (int i = 0; i < n; i++) {
        if (rd[i].requisite_type[0] == '\0')
            continue;
        arr_text(&arr[0], rd[i].requisite_type);
        arr_text(&arr[1], rd[i].currency);
        asking = true;
    }
    return asking;
}

/* The rows of REQUISITES_ACTIVE into *out (rows malloc'd). */
static kassa_err read_requisites(const PGresult *r, struct requisite_list *out)
{
    int n = PQntuples(r);
    if (n == 0)
        return KASSA_OK;
    if ((out->rows = calloc((size_t)n, sizeof *out->rows)) == NULL)
        return KASSA_ENOMEM;
    for (int k = 0; k < n; k++)
        pg_read_requisite(r, k, 0, &out->rows[k]);
    out->n = n;
    return KASSA_OK;
}

/* The reads of the creates (idempotency records, fixed fees, rates) and
 * the active requisites they may take, in one pipeline: one round trip
 * (with the batch's BEGIN and savepoint, deferred). */
kassa_err pg_order_create_reads_many(struct store_conn *base, struct order_reads *rd, int n,
                                     struct requisite_list *requisites)
{
    CONN(base);
    requisites->rows = NULL;
    requisites->n = 0;
    enum { NARR = 3, NREQ = 2 };
    struct pg_array arr[NARR], req[NREQ];
    arr_init(&arr[0], OID_INT8);
    arr_init(&arr[1], OID_TEXT);
    arr_init(&arr[2], OID_TEXT);
    for (int i = 0; i < n; i++) {
        arr_i64(&arr[0], rd[i].shop_id);
        arr_text(&arr[1], rd[i].idem_key);
        arr_text(&arr[2], rd[i].currency);
    }
    bool asking = requisites_arrays(rd, n, req);
    struct pg_params p = {0}, q = {0};
    struct pg_call calls[2] = {
        {PG_SLOTS_CREATE + STMT_ORDER_CREATE_READS_MANY, create_sql[STMT_ORDER_CREATE_READS_MANY],
         &p},
        {PG_SLOTS_CREATE + STMT_REQUISITES_ACTIVE, create_sql[STMT_REQUISITES_ACTIVE], &q},
    };
    PGresult *r[2] = {NULL, NULL};
    kassa_err err = arrays_params(arr, NARR, &p);
    if (err == KASSA_OK && asking)
        err = arrays_params(req, NREQ, &q);
    if (err == KASSA_OK)
        err = pg_exec_many(c, calls, asking ? 2 : 1, r);
    arrays_free(arr, NARR);
    arrays_free(req, NREQ);
    if (err != KASSA_OK)
        return err;
    if (PQntuples(r[0]) != n)
        err = KASSA_EIO;
    for (int i = 0; i < n && err == KASSA_OK; i++) {
        if (pg_i64(r[0], i, 0) != i + 1)
            err = KASSA_EIO;
        else
            read_create_reads(r[0], i, 1, &rd[i]);
    }
    if (err == KASSA_OK && asking)
        err = read_requisites(r[1], requisites);
    PQclear(r[0]);
    PQclear(r[1]);
    return err;
}

/* sql_order_columns into one element of each of ORDER_INSERT_MANY's column
 * arrays. */
struct columns_sink {
    struct sql_sink base;
    struct pg_array *arr;
    int col;
};

static void columns_text(struct sql_sink *base, const char *s)
{
    struct columns_sink *k = container_of(base, struct columns_sink, base);
    struct pg_array *a = &k->arr[k->col++];
    if (a->oid == 0)
        a->oid = OID_TEXT;
    arr_text(a, s);
}

static void columns_i64(struct sql_sink *base, int64_t v, bool has)
{
    struct columns_sink *k = container_of(base, struct columns_sink, base);
    struct pg_array *a = &k->arr[k->col++];
    if (a->oid == 0)
        a->oid = OID_INT8;
    if (has)
        arr_i64(a, v);
    else
        arr_add(a, NULL, 0);
}

kassa_err pg_order_insert_many(struct store_conn *base, struct order *const *o,
                               struct idem *const *idem, int n)
{
    CONN(base);
    enum { NCOL = 32, NARR = NCOL + 2 };
    struct pg_array arr[NARR];
    struct columns_sink k = {{columns_text, columns_i64}, arr, 0};
    for (int i = 0; i < NCOL; i++)
        arr_init(&arr[i], 0); /* typed by the first order's columns */
    arr_init(&arr[NCOL], OID_TEXT);
    arr_init(&arr[NCOL + 1], OID_BYTEA);
    for (int i = 0; i < n; i++) {
        k.col = 0;
        sql_order_columns(o[i], &k.base);
        if (idem[i] != NULL) {
            arr_text(&arr[NCOL], idem[i]->key);
            arr_add(&arr[NCOL + 1], idem[i]->fingerprint, sizeof idem[i]->fingerprint);
        } else {
            arr_add(&arr[NCOL], NULL, 0);
            arr_add(&arr[NCOL + 1], NULL, 0);
        }
    }
    /* Each order's amount claimed on its requisite (requisite_claims) in
     * the same round trip as the insert: all of them, or the group runs
     * again one by one (an amount pending meanwhile, or twice in it). */
    struct pg_array claim[2];
    arr_init(&claim[0], OID_INT8);
    arr_init(&claim[1], OID_INT8);
    int nclaims = 0;
    for (int i = 0; i < n; i++) {
        if (o[i]->requisite_id == 0)
            continue;
        arr_i64(&claim[0], o[i]->requisite_id);
        arr_i64(&claim[1], o[i]->amount);
        nclaims++;
    }
    struct pg_params pc = {0}, pi = {0};
    PGresult *res[2] = {NULL, NULL};
    kassa_err err = arrays_params(claim, 2, &pc);
    if (err == KASSA_OK)
        err = arrays_params(arr, NARR, &pi);
    if (err == KASSA_OK) {
        const struct pg_call calls[2] = {
            {PG_SLOTS_CREATE + (int)STMT_REQUISITE_CLAIM_MANY,
             create_sql[STMT_REQUISITE_CLAIM_MANY], &pc},
            {PG_SLOTS_CREATE + (int)STMT_ORDER_INSERT_MANY, create_sql[STMT_ORDER_INSERT_MANY],
             &pi},
        };
        err = pg_exec_many(c, calls, 2, res);
    }
    arrays_free(claim, 2);
    arrays_free(arr, NARR);
    if (err != KASSA_OK)
        /* Another node or writer committed one of the keys after our
         * lookup: the caller runs the creates again, one by one. */
        return err == KASSA_EEXIST ? KASSA_ERETRY : err;
    bool claimed = PQntuples(res[0]) == nclaims;
    PQclear(res[0]);
    PGresult *r = res[1];
    if (!claimed) {
        PQclear(r);
        return KASSA_ERETRY; /* the caller's savepoint undoes both */
    }
    err = PQntuples(r) == n ? KASSA_OK : KASSA_EIO;
    for (int row = 0; row < n && err == KASSA_OK; row++) {
        const char *uuid = PQgetvalue(r, row, 0);
        /* The rows come back in insert order: try the row's own first. */
        int i = strcmp(o[row]->uuid, uuid) == 0 ? row : -1;
        for (int j = 0; j < n && i < 0; j++)
            if (strcmp(o[j]->uuid, uuid) == 0)
                i = j;
        if (i < 0) {
            err = KASSA_EIO;
            break;
        }
        o[i]->id = pg_i64(r, row, 1);
        if (idem[i] != NULL)
            idem[i]->order_id = o[i]->id;
    }
    PQclear(r);
    return err;
}

/* sql_order_columns into one statement's parameters. */
static void order_params(struct pg_params *p, const struct order *o)
{
    struct pg_params_sink k = pg_params_sink(p);
    sql_order_columns(o, &k.base);
}
