/* requisites.c: the requisites pool: one rotation rule (requisites.h).
 *
 * The rule reads its candidates from a source: the store, a page at a time
 * (requisites_pick: a lone pick, SQLite's creates one by one, a payer's
 * method choice), or the rows a backend already read for a group of
 * creates in the same round trip as their other reads (requisites_pick_from:
 * PostgreSQL's grouped creates, no round trip of its own). Both sources
 * give the same requisites in the same order, so the same cursor gives the
 * same pick whichever path an order took. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "requisites.h"

/* What a cursor is kept for: a store, and a kind of order. */
struct kind {
    uint64_t serial; /* the store's (store.h) */
    const char *type, *currency;
    const char *bank;                       /* "" any bank */
    const struct country_filter *countries; /* NULL: any country */
};

/* A handful of kinds exist; when more do, the oldest cursor is reused (its
 * kind starts again at the first requisite, which only shifts the
 * rotation). */
#define CURSORS 64
#define CURSOR_KEY_SIZE SHORT_SIZE

struct cursor {
    uint64_t hash; /* of the kind; 0: never used */
    uint64_t serial;
    char type[CURSOR_KEY_SIZE], currency[CURSOR_KEY_SIZE], bank[CURSOR_KEY_SIZE];
    struct country_filter countries; /* not active: any country */
    int64_t last_id;                 /* the last requisite given; 0: none yet */
};

static struct {
    pthread_mutex_t lock; /* over every cursor: several writer threads pick */
    struct cursor c[CURSORS];
    unsigned used; /* slots taken so far (then reused oldest first) */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* the end of the part */
}

static uint64_t kind_hash(const struct kind *k)
{
    uint64_t h = 1469598103934665603ULL ^ k->serial;
    h = fnv1a(fnv1a(fnv1a(h, k->type), k->currency), k->bank);
    for (int i = 0; k->countries != NULL && i < k->countries->n; i++)
        h = fnv1a(h, k->countries->code[i]); /* sorted: equal filters hash alike */
    return h != 0 ? h : 1;
}

static bool fits(const char *s)
{
    return strnlen(s, CURSOR_KEY_SIZE) < CURSOR_KEY_SIZE;
}

/* The kind's cursor (pool.lock held), made on first use; NULL when the
 * kind's names do not fit a cursor (its picks then start at the first
 * requisite each time). */
static struct cursor *cursor_of(const struct kind *k)
{
    if (!fits(k->type) || !fits(k->currency) || !fits(k->bank))
        return NULL;
    uint64_t h = kind_hash(k);
    unsigned n = pool.used < CURSORS ? pool.used : CURSORS;
    for (unsigned i = 0; i < n; i++) {
        struct cursor *c = &pool.c[i];
        if (c->hash == h && c->serial == k->serial && strcmp(c->type, k->type) == 0 &&
            strcmp(c->currency, k->currency) == 0 && strcmp(c->bank, k->bank) == 0 &&
            country_filter_equal(&c->countries, k->countries))
            return c;
    }
    struct cursor *c = &pool.c[pool.used++ % CURSORS];
    c->hash = h;
    c->serial = k->serial;
    snprintf(c->type, sizeof c->type, "%s", k->type);
    snprintf(c->currency, sizeof c->currency, "%s", k->currency);
    snprintf(c->bank, sizeof c->bank, "%s", k->bank);
    if (k->countries != NULL)
        c->countries = *k->countries;
    else
        memset(&c->countries, 0, sizeof c->countries);
    c->last_id = 0;
    return c;
}

/* Whether r may serve an order of kind k (the rule's filter). */
static bool serves(const struct requisite *r, const struct kind *k)
{
    return r->active != 0 && strcmp(r->type, k->type) == 0 &&
           strcmp(r->currency, k->currency) == 0 &&
           country_filter_admits(k->countries, r->country_code) &&
           (k->bank[0] == '\0' || strcmp(r->bank_code, k->bank) == 0);
}

/* A source of candidates: the first requisite with id > after that serves
 * k, in id order, into *out (*found false when none). */
typedef kassa_err (*first_fn)(void *src, const struct kind *k, int64_t after, struct requisite *out,
                              bool *found);

/* ---- the store as a source, a page at a time ---- */

#define PAGE 16

struct seek {
    const struct kind *k;
    struct requisite *out;
    bool found;
    int64_t last; /* the last id the page held */
};

static bool seek_row(void *arg, const struct requisite *r)
{
    struct seek *s = arg;
    s->last = r->id;
    if (!serves(r, s->k))
        return true;
    *s->out = *r;
    s->found = true;
    return false;
}

static kassa_err store_first(void *src, const struct kind *k, int64_t after, struct requisite *out,
                             bool *found)
{
    struct store_conn *c = src;
    struct seek s = {.k = k, .out = out};
    for (;;) {
        int n = 0;
        s.last = after;
        kassa_err err =
            STORE_CALL(c, requisites_after, k->type, k->currency, after, PAGE, seek_row, &s, &n);
        if (err != KASSA_OK)
            return err;
        if (s.found || n < PAGE || s.last <= after)
            break;
        after = s.last; /* a full page and none served: the next page */
    }
    *found = s.found;
    return KASSA_OK;
}

/* ---- rows already read as a source ---- */

static kassa_err list_first(void *src, const struct kind *k, int64_t after, struct requisite *out,
                            bool *found)
{
    const struct requisite_list *l = src;
    *found = false;
    for (int i = 0; i < l->n; i++) {
        if (l->rows[i].id > after && serves(&l->rows[i], k)) {
            *out = l->rows[i];
            *found = true;
            break;
        }
    }
    return KASSA_OK;
}

/* ---- the rule ---- */

/* The next requisite of kind k after its cursor, wrapping around to the
 * first; the cursor moves to it. `held`: the caller holds pool.lock (a
 * source in memory); else the lock is taken around the cursor only (a
 * source with a round trip), and a cursor another thread moved meanwhile
 * makes the pick again from there, as a counter taken atomically would. */
static kassa_err rotate(first_fn first, void *src, const struct kind *k, bool held,
                        struct requisite *out, bool *found)
{
    for (int attempt = 0;; attempt++) {
        if (!held)
            pthread_mutex_lock(&pool.lock);
        struct cursor *cur = cursor_of(k);
        int64_t last = cur ? cur->last_id : 0;
        if (!held)
            pthread_mutex_unlock(&pool.lock);
        kassa_err err = first(src, k, last, out, found);
        if (err == KASSA_OK && !*found && last != 0)
            err = first(src, k, 0, out, found);
        if (err != KASSA_OK || !*found)
            return err;
        bool moved = false;
        if (!held)
            pthread_mutex_lock(&pool.lock);
        if ((cur = cursor_of(k)) != NULL) {
            moved = cur->last_id != last;
            if (!moved || attempt == 3)
                cur->last_id = out->id;
        }
        if (!held)
            pthread_mutex_unlock(&pool.lock);
        if (!moved || attempt == 3)
            return KASSA_OK;
    }
}

/* One order's pick: of its bank when it names one that has a requisite to
 * give, else of any bank (each with its own cursor). */
static kassa_err pick(first_fn first, void *src, struct kind *k, bool held, struct requisite *out)
{
    bool found = false;
    kassa_err err = KASSA_OK;
    if (k->bank[0] != '\0')
        err = rotate(first, src, k, held, out, &found);
    if (err == KASSA_OK && !found) {
        k->bank = "";
        err = rotate(first, src, k, held, out, &found);
    }
    return err != KASSA_OK ? err : found ? KASSA_OK : KASSA_ENOTFOUND;
}

static struct kind kind_make(const struct store *s, const char *type, const char *currency,
                             const char *bank_code, const struct country_filter *countries)
{
    return (struct kind){.serial = s->serial,
                         .type = type,
                         .currency = currency,
                         .bank = bank_code ? bank_code : "",
                         .countries = country_filter_active(countries) ? countries : NULL};
}

kassa_err requisites_pick(struct store_conn *c, const char *type, const char *currency,
                          const char *bank_code, const struct country_filter *countries,
                          struct requisite *out)
{
    struct kind k = kind_make(c->store, type, currency, bank_code, countries);
    return pick(store_first, c, &k, false, out);
}

void requisites_pick_from(const struct store *s, const struct requisite_list *rows,
                          struct order_reads *rd, int n)
{
    struct requisite_list none = {NULL, 0};
    void *src = (void *)(rows != NULL ? rows : &none);
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < n; i++) {
        if (rd[i].requisite_type[0] == '\0') {
            rd[i].requisite_err = KASSA_ENOTFOUND;
            continue;
        }
        struct kind k =
            kind_make(s, rd[i].requisite_type, rd[i].currency, rd[i].bank_code, rd[i].countries);
        rd[i].requisite_err = pick(list_first, src, &k, true, &rd[i].requisite);
    }
    pthread_mutex_unlock(&pool.lock);
}
