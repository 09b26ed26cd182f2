/* sqlite_idem.c: idempotency keys on SQLite.
 *
 * The keys live in an append-only table (migration 006): a new key is a
 * row appended in rowid order (and nothing else since migration 008), so a
 * create no longer writes a random page of a B-tree keyed by the merchant's
 * random key. The lookup by (shop_id, key) goes through a hash
 * index in memory, built from the table when the store opens: slots of
 * (64-bit SipHash of shop_id and key, rowid). A hash match is only a
 * candidate: the row is read by rowid on the asking connection and its
 * shop_id and key compared, so the table stays the truth, and a reader
 * never sees a key the writer has not committed (the row is not visible to
 * it yet). The hash is keyed with random bytes per process, so merchants
 * cannot choose keys that collide.
 *
 * Only the writer connection changes the index (SQLite has one writer),
 * under the write lock; readers look up under the read lock. Entries added
 * in the open transaction are remembered, so that a rollback (of the
 * transaction, or of a command's savepoint) takes them out again. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "base/random.h"
#include "sqlite_internal.h"

enum {
    S_IDEM_GET = SLOTS_IDEM,
    S_IDEM_PUT,
    S_IDEM_LOAD,
    S_IDEM_OLDEST,
    S_IDEM_PURGE,
    S_IDEM_END_,
};
_Static_assert((int)S_IDEM_END_ <= (int)SQLITE_STMT_SLOTS, "idempotency statements overflow");

static const char *const idem_sql[] = {
    [S_IDEM_GET - SLOTS_IDEM] =
        "SELECT shop_id, key, fingerprint, order_id, created_at FROM idempotency WHERE id = ?1",
    /* One statement in two literals: the parentheses tell the compiler
     * (clang's -Wstring-concatenation) that no comma is missing. */
    [S_IDEM_PUT - SLOTS_IDEM] = ("INSERT INTO idempotency(shop_id, key, fingerprint, order_id, "
                                 "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"),
    [S_IDEM_LOAD - SLOTS_IDEM] = "SELECT id, shop_id, key FROM idempotency",
    [S_IDEM_OLDEST - SLOTS_IDEM] = "SELECT id, created_at FROM idempotency ORDER BY id LIMIT ?1",
    [S_IDEM_PURGE - SLOTS_IDEM] =
        "DELETE FROM idempotency WHERE id <= ?1 RETURNING id, shop_id, key",
};

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    return sqlite_stmt(c, slot, idem_sql[slot - SLOTS_IDEM]);
}

struct idem_slot {
    uint64_t h; /* 0: empty */
    int64_t id; /* rowid in idempotency */
};

struct sqlite_idem {
    pthread_rwlock_t lock;
    struct idem_slot *slots;
    size_t mask; /* capacity - 1 (a power of two) */
    size_t count;
    uint64_t k0, k1; /* SipHash key */
    /* Writer only: entries added in the open transaction, and where the
     * open command's savepoint began among them. */
    struct idem_slot *pending;
    size_t npending, pending_cap, savepoint_mark;
};

/* ---- SipHash-2-4 (Aumasson, Bernstein), 64-bit output ------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t load64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The hash of (shop_id, key); never 0 (the empty slot). */
static uint64_t idem_hash(const struct sqlite_idem *x, int64_t shop_id, const char *key,
                          size_t keylen)
{
    unsigned char buf[8 + TEXT_SIZE];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)shop_id >> (8 * i));
    if (keylen > TEXT_SIZE)
        keylen = TEXT_SIZE;
    memcpy(buf + 8, key, keylen);
    uint64_t h = siphash(x->k0, x->k1, buf, 8 + keylen);
    return h ? h : 1;
}

/* ---- the hash table (linear probing, backward-shift deletion) ----------- */

static bool table_grow(struct sqlite_idem *x)
{
    size_t cap = x->slots ? (x->mask + 1) * 2 : 1024;
    struct idem_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; x->slots && i <= x->mask; i++) {
        if (x->slots[i].h == 0)
            continue;
        size_t j = (size_t)x->slots[i].h & (cap - 1);
        while (slots[j].h != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = x->slots[i];
    }
    free(x->slots);
    x->slots = slots;
    x->mask = cap - 1;
    return true;
}

/* Add (h, id); the caller holds the write lock. */
static bool table_add(struct sqlite_idem *x, uint64_t h, int64_t id)
{
    if (x->slots == NULL || (x->count + 1) * 10 > (x->mask + 1) * 7) {
        if (!table_grow(x))
            return false;
    }
    size_t i = (size_t)h & x->mask;
    while (x->slots[i].h != 0)
        i = (i + 1) & x->mask;
    x->slots[i] = (struct idem_slot){h, id};
    x->count++;
    return true;
}

/* Remove (h, id) if present; the caller holds the write lock. */
static void table_remove(struct sqlite_idem *x, uint64_t h, int64_t id)
{
    if (x->slots == NULL)
        return;
    size_t i = (size_t)h & x->mask;
    while (x->slots[i].h != 0 && !(x->slots[i].h == h && x->slots[i].id == id))
        i = (i + 1) & x->mask;
    if (x->slots[i].h == 0)
        return;
    /* Backward shift: move later entries of the run into the hole when
     * their home slot is not between the hole and them. */
    size_t hole = i;
    for (size_t j = (i + 1) & x->mask; x->slots[j].h != 0; j = (j + 1) & x->mask) {
        size_t home = (size_t)x->slots[j].h & x->mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        x->slots[hole] = x->slots[j];
        hole = j;
    }
    x->slots[hole] = (struct idem_slot){0, 0};
    x->count--;
}

/* ---- lifecycle ---------------------------------------------------------- */

struct sqlite_idem *sqlite_idem_open(struct sqlite_conn *writer, char *err, size_t errlen)
{
    struct sqlite_idem *x = calloc(1, sizeof *x);
    if (x == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_rwlock_init(&x->lock, NULL);
    unsigned char key[16];
    random_bytes(key, sizeof key);
    x->k0 = load64(key);
    x->k1 = load64(key + 8);
    if (!table_grow(x)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    sqlite3_stmt *st = st_(writer, S_IDEM_LOAD);
    if (st == NULL) {
        snprintf(err, errlen, "cannot read the idempotency keys: %s", sqlite3_errmsg(writer->db));
        goto fail;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 2);
        uint64_t h = idem_hash(x, sqlite3_column_int64(st, 1), k ? k : "",
                               (size_t)sqlite3_column_bytes(st, 2));
        if (!table_add(x, h, sqlite3_column_int64(st, 0))) {
            sqlite_stmt_done(st);
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    sqlite_stmt_done(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read the idempotency keys: %s", sqlite3_errmsg(writer->db));
        goto fail;
    }
    log_info("idempotency keys loaded", "keys=%zu", x->count);
    return x;
fail:
    sqlite_idem_close(x);
    return NULL;
}

void sqlite_idem_close(struct sqlite_idem *x)
{
    if (x == NULL)
        return;
    pthread_rwlock_destroy(&x->lock);
    free(x->slots);
    free(x->pending);
    free(x);
}

void sqlite_idem_tx(struct sqlite_idem *x, enum sqlite_idem_tx ev)
{
    if (x == NULL)
        return;
    size_t keep = 0;
    switch (ev) {
    case IDEM_TX_BEGIN:
    case IDEM_TX_COMMITTED:
        x->npending = x->savepoint_mark = 0;
        return;
    case IDEM_TX_SAVEPOINT:
        x->savepoint_mark = x->npending;
        return;
    case IDEM_TX_ROLLBACK_TO:
        keep = x->savepoint_mark;
        break;
    case IDEM_TX_ROLLBACK:
        keep = x->savepoint_mark = 0;
        break;
    }
    pthread_rwlock_wrlock(&x->lock);
    while (x->npending > keep) {
        struct idem_slot *p = &x->pending[--x->npending];
        table_remove(x, p->h, p->id);
    }
    pthread_rwlock_unlock(&x->lock);
}

/* ---- the store operations ----------------------------------------------- */

/* Read row `id` into out when it is (shop_id, key): KASSA_OK, KASSA_ENOTFOUND
 * (another key, or a row this connection cannot see), or an error. */
static kassa_err read_row(struct sqlite_conn *c, int64_t id, int64_t shop_id, const char *key,
                          size_t keylen, struct idem *out)
{
    sqlite3_stmt *st = st_(c, S_IDEM_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        const unsigned char *k = sqlite3_column_text(st, 1);
        if (sqlite3_column_int64(st, 0) == shop_id && k != NULL &&
            (size_t)sqlite3_column_bytes(st, 1) == keylen && memcmp(k, key, keylen) == 0) {
            err = KASSA_OK;
            if (out != NULL) {
                memset(out, 0, sizeof *out);
                out->shop_id = shop_id;
                snprintf(out->key, sizeof out->key, "%s", key);
                const void *fp = sqlite3_column_blob(st, 2);
                if (fp && sqlite3_column_bytes(st, 2) == (int)sizeof out->fingerprint)
                    memcpy(out->fingerprint, fp, sizeof out->fingerprint);
                out->order_id = sqlite3_column_int64(st, 3);
                out->created_at = sqlite3_column_int64(st, 4);
            }
        }
    } else if (rc != SQLITE_DONE) {
        err = sqlite_step_error(c, rc);
    }
    sqlite_stmt_done(st);
    return err;
}

/* Look (shop_id, key) up: every slot with its hash is a candidate, checked
 * against its row. The candidates are copied out under the read lock and
 * checked after it (a read must not hold the lock the writer needs). */
static kassa_err lookup(struct sqlite_conn *c, int64_t shop_id, const char *key, struct idem *out)
{
    struct sqlite_idem *x = c->idem;
    size_t keylen = strlen(key);
    uint64_t h = idem_hash(x, shop_id, key, keylen);
    int64_t ids[8];
    int n = 0;
    bool more = false;
    pthread_rwlock_rdlock(&x->lock);
    for (size_t i = (size_t)h & x->mask; x->slots[i].h != 0; i = (i + 1) & x->mask) {
        if (x->slots[i].h != h)
            continue;
        if (n == (int)(sizeof ids / sizeof ids[0])) {
            more = true; /* a full 64-bit collision eight times over: no */
            break;
        }
        ids[n++] = x->slots[i].id;
    }
    pthread_rwlock_unlock(&x->lock);
    if (more)
        log_warn("idempotency hash candidates beyond 8", "shop=%lld", (long long)shop_id);
    for (int i = 0; i < n; i++) {
        kassa_err err = read_row(c, ids[i], shop_id, key, keylen, out);
        if (err != KASSA_ENOTFOUND)
            return err;
    }
    return KASSA_ENOTFOUND;
}

kassa_err sqlite_idem_get(struct store_conn *base, int64_t shop_id, const char *key,
                          struct idem *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    if (c->idem == NULL)
        return KASSA_EIO;
    return lookup(c, shop_id, key, out);
}

kassa_err sqlite_idem_put(struct store_conn *base, const struct idem *in)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    struct sqlite_idem *x = c->idem;
    if (x == NULL || !c->writer)
        return KASSA_EIO;
    /* (shop_id, key) is unique: the index keeps it so. */
    kassa_err err = lookup(c, in->shop_id, in->key, NULL);
    if (err != KASSA_ENOTFOUND)
        return err == KASSA_OK ? KASSA_EEXIST : err;
    if (x->npending == x->pending_cap) {
        size_t cap = x->pending_cap ? x->pending_cap * 2 : 256;
        struct idem_slot *p = realloc(x->pending, cap * sizeof *p);
        if (p == NULL)
            return KASSA_ENOMEM;
        x->pending = p;
        x->pending_cap = cap;
    }
    sqlite3_stmt *st = st_(c, S_IDEM_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, in->shop_id);
    sqlite_bind_text(st, 2, in->key);
    sqlite3_bind_blob(st, 3, in->fingerprint, sizeof in->fingerprint, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, in->order_id);
    sqlite3_bind_int64(st, 5, in->created_at);
    if ((err = sqlite_run(c, st)) != KASSA_OK)
        return err;
    int64_t id = sqlite3_last_insert_rowid(c->db);
    uint64_t h = idem_hash(x, in->shop_id, in->key, strlen(in->key));
    pthread_rwlock_wrlock(&x->lock);
    bool added = table_add(x, h, id);
    pthread_rwlock_unlock(&x->lock);
    /* The row without its entry would be a key kassad forgets: refuse, and
     * the command's rollback takes the row back out. */
    if (!added)
        return KASSA_ENOMEM;
    x->pending[x->npending++] = (struct idem_slot){h, id};
    return KASSA_OK;
}

/* Keys are forgotten in the order they were stored (rowid order), from the
 * oldest up to the first one not yet past its retention: created_at follows
 * the rowid (the single writer appends as orders come), and rows in rowid
 * order need no index of their own (migration 008 dropped the created_at
 * one, an index entry and a WAL page per batch of creates). A key stored
 * out of order, after a younger one (the clock stepped back), goes with the
 * first purge after that younger one's: retention is a minimum. */
kassa_err sqlite_idem_purge(struct store_conn *base, int64_t before, int limit, int *purged)
{
    *purged = 0;
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    struct sqlite_idem *x = c->idem;
    if (x == NULL || !c->writer)
        return KASSA_EIO;
    sqlite3_stmt *st = st_(c, S_IDEM_OLDEST);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int(st, 1, limit);
    int64_t last = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 1) < before)
        last = sqlite3_column_int64(st, 0);
    kassa_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    if (err != KASSA_OK || last == 0)
        return err;

    if ((st = st_(c, S_IDEM_PURGE)) == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, last);
    /* The entries go at once: were the purge rolled back, its keys were
     * past their retention anyway, and the next purge deletes the rows. */
    pthread_rwlock_wrlock(&x->lock);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        (*purged)++;
        const char *k = (const char *)sqlite3_column_text(st, 2);
        table_remove(x,
                     idem_hash(x, sqlite3_column_int64(st, 1), k ? k : "",
                               (size_t)sqlite3_column_bytes(st, 2)),
                     sqlite3_column_int64(st, 0));
    }
    pthread_rwlock_unlock(&x->lock);
    err = rc == SQLITE_DONE ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

size_t sqlite_idem_count(const struct sqlite_idem *x)
{
    return x ? x->count : 0;
}
