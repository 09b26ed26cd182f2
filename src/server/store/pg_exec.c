/* pg_exec.c: running statements on a PostgreSQL connection: parameters
 * and column readers, what a failure means, preparing on first use, the
 * pipeline (several statements in one round trip), and the writer's
 * transactions, whose BEGIN and savepoints wait in the connection's
 * deferred list to go in one pipeline with its next statement. The
 * transactions' statements are in slots PG_SLOTS_CORE.. (pg_internal.h);
 * the connections themselves (connect, reset, the pool) are pg.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/hex.h"
#include "base/log.h"
#include "pg_internal.h"

/* The statements of the transactions, prepared lazily per connection; a
 * statement's slot is its id (PG_SLOTS_CORE is 0). */
#define PG_TX_STMTS(XX)                                                                            \
    XX(BEGIN, "BEGIN ISOLATION LEVEL READ COMMITTED")                                              \
    XX(COMMIT, "COMMIT")                                                                           \
    XX(ROLLBACK, "ROLLBACK")                                                                       \
    XX(SAVEPOINT, "SAVEPOINT cmd")                                                                 \
    XX(RELEASE, "RELEASE SAVEPOINT cmd")                                                           \
    XX(ROLLBACK_TO, "ROLLBACK TO SAVEPOINT cmd")

enum pg_tx_stmt {
#define XX(name, sql) STMT_##name,
    PG_TX_STMTS(XX)
#undef XX
        TX_STMT_COUNT_
};

static const char *const tx_sql[] = {
#define XX(name, sql) sql,
    PG_TX_STMTS(XX)
#undef XX
};

_Static_assert((int)TX_STMT_COUNT_ <= (int)PG_SLOTS_CREATE,
               "transaction statements overflow their slots");

/* ---- parameters and columns ---------------------------------------------- */

static void pgp_push(struct pg_params *p, const char *v, int len, int fmt)
{
    if (p->n >= PG_MAX_PARAMS)
        abort(); /* a programming error: a statement with too many parameters */
    p->v[p->n] = v;
    p->len[p->n] = len;
    p->fmt[p->n] = fmt;
    p->n++;
}

void pgp_i64(struct pg_params *p, int64_t v)
{
    if (p->n >= PG_MAX_PARAMS)
        abort();
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)v);
    pgp_push(p, p->num[p->n], 0, 0);
}

void pgp_text(struct pg_params *p, const char *s)
{
    pgp_push(p, s ? s : "", 0, 0);
}

void pgp_bytes(struct pg_params *p, const void *data, size_t len)
{
    static const char empty[1];
    pgp_push(p, len ? (const char *)data : empty, (int)len, 1);
}

void pgp_null(struct pg_params *p)
{
    pgp_push(p, NULL, 0, 0);
}

bool pg_i64_checked(const PGresult *r, int row, int col, int64_t *out)
{
    *out = 0;
    if (PQgetisnull(r, row, col))
        return true;
    const char *s = PQgetvalue(r, row, col);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return false; /* a sum (numeric) past int64, or not an integer */
    *out = v;
    return true;
}

int64_t pg_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const char *s = PQgetvalue(r, row, col);
    if (*s == 't')
        return 1; /* a boolean */
    if (*s == 'f')
        return 0;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s)
        return 0;
    return v;
}

static const PGresult *row_result(const struct sql_row *r, int *row)
{
    const struct pg_row *x = container_of(r, const struct pg_row, base);
    *row = x->row;
    return x->r;
}

static int64_t row_i64(const struct sql_row *r, int col)
{
    int row;
    const PGresult *res = row_result(r, &row);
    return pg_i64(res, row, col);
}

static void row_text(const struct sql_row *r, int col, char *dst, size_t size)
{
    int row;
    const PGresult *res = row_result(r, &row);
    pg_text(res, row, col, dst, size);
}

static bool row_null(const struct sql_row *r, int col)
{
    int row;
    const PGresult *res = row_result(r, &row);
    return PQgetisnull(res, row, col) != 0;
}

static const struct sql_row_ops row_ops = {row_i64, row_text, row_null};

struct pg_row pg_row(const PGresult *r, int row)
{
    return (struct pg_row){{&row_ops}, r, row};
}

void pg_text(const PGresult *r, int row, int col, char *dst, size_t size)
{
    const char *s = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (PQgetisnull(r, row, col))
        n = 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

long pg_bytes(const PGresult *r, int row, int col, void *dst, size_t size)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const char *s = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (n < 2 || s[0] != '\\' || s[1] != 'x' || (n - 2) % 2 != 0 || (n - 2) / 2 > size)
        return -1;
    unsigned char *out = dst;
    for (size_t i = 2; i < n; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[(i - 2) / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (long)((n - 2) / 2);
}

/* Classify a failed result (logged unless expected). */
static kassa_err pg_result_error(struct pg_conn *c, const PGresult *r, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK ||
        (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
        char msg[256];
        pg_conn_message(c->pg, msg, sizeof msg);
        if (!store_unavailable())
            log_error("database connection lost", "error=\"%s\"", msg);
        store_set_unavailable(true);
        return KASSA_EUNAVAILABLE;
    }
    if (state && strcmp(state, "26000") == 0)
        memset(c->prepared, 0, sizeof c->prepared); /* statements gone: prepare again */
    if (state && strcmp(state, "22003") == 0)
        return KASSA_EMONEY_RANGE; /* a BIGINT sum (a balance) would overflow */
    if (state && strcmp(state, "23514") == 0)
        return KASSA_EFUNDS; /* CHECK (balance >= 0): the only check a valid command can hit */
    if (state && strncmp(state, "23", 2) == 0)
        return KASSA_EEXIST;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return KASSA_ERETRY;
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
    size_t n = strcspn(m, "\n");
    log_error("postgres statement failed", "sqlstate=%s error=\"%.*s\" sql=\"%.80s\"",
              state ? state : "-", (int)n, m, sql);
    return KASSA_EIO;
}

/* Prepare the statement in `slot` on c unless done; false with *err. */
static bool prepare_slot(struct pg_conn *c, int slot, const char *sql, kassa_err *err)
{
    if (c->prepared[slot])
        return true;
    char name[16];
    snprintf(name, sizeof name, "k%d", slot);
    PGresult *r = PQprepare(c->pg, name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *err = pg_result_error(c, r, sql);
        PQclear(r);
        return false;
    }
    PQclear(r);
    c->prepared[slot] = true;
    return true;
}

static const char *tx_sql_of(int slot);

/* Send the deferred statements (a BEGIN, savepoints) and then `calls` in
 * one pipeline (one Sync, one round trip) and read every result: out[i]
 * for calls[i]. A statement not yet prepared on this connection is
 * prepared in the same pipeline, after the deferred ones (a deferred
 * ROLLBACK TO must run before anything can be parsed in an aborted
 * transaction). The first failure is the error (the transaction is aborted
 * then: what follows in the pipeline fails too, and the batch with it).
 *
 * A deferred BEGIN opens the server's transaction here (in_tx). If the
 * connection breaks in the exchange, nothing of the transaction is left on
 * the server: the deferred statements are kept for pg_exec_many's second
 * try on a new session. */
static kassa_err exec_pipelined(struct pg_conn *c, const struct pg_call *calls, int k,
                                PGresult **out)
{
    enum { MAXS = PG_MAX_DEFERRED + PG_MAX_CALLS, MAXR = 2 * MAXS };
    int n = c->ndeferred + k;
    int slots[MAXS];
    const struct pg_params *params[MAXS];
    const char *texts[MAXS];
    int deferred[PG_MAX_DEFERRED], ndeferred = c->ndeferred;
    memcpy(deferred, c->deferred, sizeof deferred);
    bool begins = ndeferred > 0 && deferred[0] == STMT_BEGIN;
    for (int i = 0; i < n; i++) {
        bool d = i < ndeferred;
        slots[i] = d ? deferred[i] : calls[i - ndeferred].slot;
        texts[i] = d ? tx_sql_of(slots[i]) : calls[i - ndeferred].sql;
        params[i] = d ? NULL : calls[i - ndeferred].p;
    }
    c->ndeferred = 0;
    /* What each result answers: a prepare (of want_slot) or an exec (of
     * statement want_stmt). */
    int want_slot[MAXR], want_stmt[MAXR];
    bool want_prepare[MAXR];
    int nwant = 0;
    bool sent = PQenterPipelineMode(c->pg) == 1;
    for (int i = 0; sent && i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", slots[i]);
        const struct pg_params *p = params[i];
        if (slots[i] == PG_SLOT_ONCE) { /* unnamed, unprepared */
            sent = (p ? PQsendQueryParams(c->pg, texts[i], p->n, NULL, p->v, p->len, p->fmt, 0)
                      : PQsendQueryParams(c->pg, texts[i], 0, NULL, NULL, NULL, NULL, 0)) == 1;
            want_slot[nwant] = slots[i];
            want_stmt[nwant] = i;
            want_prepare[nwant++] = false;
            continue;
        }
        bool prepare = !c->prepared[slots[i]];
        for (int j = 0; j < i; j++)
            prepare = prepare && slots[j] != slots[i]; /* prepared earlier in this pipeline */
        if (prepare) {
            sent = PQsendPrepare(c->pg, name, texts[i], 0, NULL) == 1;
            want_slot[nwant] = slots[i];
            want_stmt[nwant] = i;
            want_prepare[nwant++] = true;
        }
        sent = sent && (p ? PQsendQueryPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0)
                          : PQsendQueryPrepared(c->pg, name, 0, NULL, NULL, NULL, 0)) == 1;
        want_slot[nwant] = slots[i];
        want_stmt[nwant] = i;
        want_prepare[nwant++] = false;
    }
    if (sent)
        sent = PQpipelineSync(c->pg) == 1;
    PGresult *res[MAXR] = {0};
    int got = 0, nulls = 0;
    bool synced = false;
    while (sent) {
        PGresult *r = PQgetResult(c->pg);
        if (r == NULL) {
            /* One NULL ends each request's results; more means trouble. */
            if (PQstatus(c->pg) != CONNECTION_OK || ++nulls > nwant + 1)
                break;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            synced = true;
            break;
        }
        if (got < nwant)
            res[got++] = r;
        else
            PQclear(r);
    }
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(c->pg);
    kassa_err err = KASSA_OK;
    for (int i = 0; i < k; i++)
        out[i] = NULL;
    for (int i = 0; i < got; i++) {
        ExecStatusType st = PQresultStatus(res[i]);
        bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
        if (ok && want_prepare[i])
            c->prepared[want_slot[i]] = true;
        if (err != KASSA_OK)
            continue;
        if (!ok) {
            err = pg_result_error(c, res[i], texts[want_stmt[i]]);
        } else if (!want_prepare[i] && want_stmt[i] >= ndeferred) {
            out[want_stmt[i] - ndeferred] = res[i];
            res[i] = NULL;
        }
    }
    if (err == KASSA_OK && (!synced || got < nwant))
        err = pg_result_error(c, NULL, calls[k - 1].sql); /* the connection broke mid-way */
    for (int i = 0; i < got; i++)
        PQclear(res[i]);
    if (err != KASSA_OK)
        for (int i = 0; i < k; i++) {
            PQclear(out[i]);
            out[i] = NULL;
        }
    if (begins) {
        if (err == KASSA_EUNAVAILABLE && PQstatus(c->pg) != CONNECTION_OK) {
            memcpy(c->deferred, deferred, sizeof deferred); /* for the next session */
            c->ndeferred = ndeferred;
        } else {
            c->in_tx = true; /* open, or aborted until the ROLLBACK */
        }
    }
    return err;
}

/* One try of pg_exec_many. */
static kassa_err exec_once_prepared(struct pg_conn *c, const struct pg_call *calls, int k,
                                    PGresult **out)
{
    if (c->ndeferred > 0 || k > 1)
        return exec_pipelined(c, calls, k, out);
    kassa_err err;
    char name[16];
    snprintf(name, sizeof name, "k%d", calls[0].slot);
    out[0] = NULL;
    const struct pg_params *p = calls[0].p;
    PGresult *r;
    if (calls[0].slot == PG_SLOT_ONCE) {
        r = PQexecParams(c->pg, calls[0].sql, p->n, NULL, p->v, p->len, p->fmt, 0);
    } else {
        if (!prepare_slot(c, calls[0].slot, calls[0].sql, &err))
            return err;
        r = PQexecPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0);
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        out[0] = r;
        return KASSA_OK;
    }
    err = pg_result_error(c, r, calls[0].sql);
    PQclear(r);
    return err;
}

kassa_err pg_exec_many(struct pg_conn *c, const struct pg_call *calls, int k, PGresult **out)
{
    kassa_err err = KASSA_EIO;
    if (k < 1 || k > PG_MAX_CALLS)
        return err;
    /* A session that died while idle (the server restarted since its last
     * use) shows only when used: when nothing of a transaction was sent on
     * it (a deferred BEGIN is still kept), reconnect and run once more. */
    for (int attempt = 0; attempt < 2; attempt++) {
        for (int i = 0; i < k; i++)
            out[i] = NULL;
        if ((err = pg_ensure(c)) != KASSA_OK)
            return err;
        err = exec_once_prepared(c, calls, k, out);
        if (err != KASSA_EUNAVAILABLE || c->in_tx || PQstatus(c->pg) == CONNECTION_OK)
            break;
    }
    return err;
}

static void params_text(struct sql_sink *base, const char *s)
{
    pgp_text(container_of(base, struct pg_params_sink, base)->p, s);
}

static void params_i64(struct sql_sink *base, int64_t v, bool has)
{
    struct pg_params_sink *k = container_of(base, struct pg_params_sink, base);
    if (has)
        pgp_i64(k->p, v);
    else
        pgp_null(k->p);
}

struct pg_params_sink pg_params_sink(struct pg_params *p)
{
    return (struct pg_params_sink){{params_text, params_i64}, p};
}

PGresult *pg_exec(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                  kassa_err *err)
{
    static const struct pg_params none = {.n = 0};
    struct pg_call call = {slot, sql, p ? p : &none};
    PGresult *r = NULL;
    *err = pg_exec_many(c, &call, 1, &r);
    return r;
}

kassa_err pg_run(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                 int64_t *changed)
{
    kassa_err err;
    PGresult *r = pg_exec(c, slot, sql, p, &err);
    if (r == NULL)
        return err;
    if (changed) {
        const char *t = PQcmdTuples(r);
        *changed = *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(r);
    return KASSA_OK;
}

static const char *tx_sql_of(int slot)
{
    return tx_sql[slot];
}

/* The transaction statement `id`. */
static PGresult *tx_exec(struct pg_conn *c, enum pg_tx_stmt id, const struct pg_params *p,
                         kassa_err *err)
{
    return pg_exec(c, (int)id, tx_sql[id], p, err);
}

static kassa_err tx_run(struct pg_conn *c, enum pg_tx_stmt id, const struct pg_params *p,
                        int64_t *changed)
{
    return pg_run(c, (int)id, tx_sql[id], p, changed);
}

/* ---- transactions --------------------------------------------------------- */

/* Savepoints cost a round trip each when sent alone; inside a batch they
 * are deferred and go in one pipeline with the next statement (the
 * command's first, or the COMMIT). A savepoint released or rolled back
 * before any statement ran in it is dropped unsent. */
static kassa_err defer(struct pg_conn *c, enum pg_tx_stmt id)
{
    /* The list holds at most the BEGIN, an end (RELEASE, or ROLLBACK TO +
     * RELEASE) and the next SAVEPOINT: more is a programming error. */
    if (c->ndeferred == PG_MAX_DEFERRED)
        abort();
    c->deferred[c->ndeferred++] = (int)id;
    return KASSA_OK;
}

/* BEGIN costs a round trip when sent alone: it is deferred, and goes in
 * one pipeline with the transaction's first statement (exec_pipelined). */
kassa_err pg_begin(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    c->in_tx = false; /* a new batch may reconnect */
    c->ndeferred = 0;
    return defer(c, STMT_BEGIN);
}

/* True when nothing of the transaction was sent: its BEGIN is deferred. */
static bool tx_unsent(const struct pg_conn *c)
{
    return !c->in_tx && c->ndeferred > 0 && c->deferred[0] == STMT_BEGIN;
}

/* Between begin and commit or rollback: the BEGIN sent, or still deferred. */
static bool in_batch(const struct pg_conn *c)
{
    return c->in_tx || tx_unsent(c);
}

kassa_err pg_commit(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (tx_unsent(c)) { /* no statement ran: nothing to commit */
        c->ndeferred = 0;
        return KASSA_OK;
    }
    kassa_err err;
    PGresult *r = tx_exec(c, STMT_COMMIT, NULL, &err); /* with a deferred RELEASE */
    if (r != NULL) {
        /* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
        if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
            log_error("postgres commit rolled back", "status=%s", PQcmdStatus(r));
            err = KASSA_EIO;
        }
        PQclear(r);
    }
    if (r != NULL || PQstatus(c->pg) != CONNECTION_OK)
        c->in_tx = false;
    return err;
}

kassa_err pg_rollback(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    bool unsent = tx_unsent(c);
    c->ndeferred = 0; /* the whole transaction goes */
    if (unsent || c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        /* Never sent, or the server dropped it with the session. */
        c->in_tx = false;
        return KASSA_OK;
    }
    kassa_err err = tx_run(c, STMT_ROLLBACK, NULL, NULL);
    c->in_tx = false;
    return err;
}

kassa_err pg_savepoint(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c))
        return tx_run(c, STMT_SAVEPOINT, NULL, NULL);
    return defer(c, STMT_SAVEPOINT);
}

/* True when the newest deferred statement is an unsent SAVEPOINT (the
 * savepoint is empty: drop it instead of sending it and its end). */
static bool drop_empty_savepoint(struct pg_conn *c)
{
    if (c->ndeferred > 0 && c->deferred[c->ndeferred - 1] == STMT_SAVEPOINT) {
        c->ndeferred--;
        return true;
    }
    return false;
}

kassa_err pg_savepoint_release(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c))
        return tx_run(c, STMT_RELEASE, NULL, NULL);
    if (drop_empty_savepoint(c))
        return KASSA_OK;
    return defer(c, STMT_RELEASE);
}

kassa_err pg_savepoint_rollback(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c)) {
        kassa_err err = tx_run(c, STMT_ROLLBACK_TO, NULL, NULL);
        if (err == KASSA_OK)
            err = tx_run(c, STMT_RELEASE, NULL, NULL);
        return err;
    }
    if (drop_empty_savepoint(c))
        return KASSA_OK;
    kassa_err err = defer(c, STMT_ROLLBACK_TO);
    if (err == KASSA_OK)
        err = defer(c, STMT_RELEASE);
    return err;
}
