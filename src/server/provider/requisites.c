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
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "requisites.h"

/* What a cursor is kept for: a store, and a kind of order (the amount is
 * not part of the kind: it only filters). */
struct kind {
    uint64_t serial; /* the store's (store.h) */
    const char *type, *currency;
    const char *bank;                       /* "" any bank */
    const struct country_filter *countries; /* NULL: any country */
    int64_t amount;                         /* 0: any */
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

/* How far r gets as a candidate for an order of kind k by its own
 * columns: PICK_NONE (not of the kind's type and currency, or switched
 * off), PICK_COUNTRY (its country is not admitted), PICK_AMOUNT (its
 * min/max refuse the amount), PICK_OFFLINE (paused); else PICK_LIMIT: the
 * database's checks come next (a stage reached, not a refusal). The bank
 * is a preference, not a filter: see bank_ok. */
static enum pick_reason stage_of(const struct requisite *r, const struct kind *k, int64_t amount)
{
    if (r->active == 0 || strcmp(r->type, k->type) != 0 || strcmp(r->currency, k->currency) != 0)
        return PICK_NONE;
    if (!country_filter_admits(k->countries, r->country_code))
        return PICK_COUNTRY;
    if (amount > 0 && ((r->min_amount > 0 && amount < r->min_amount) ||
                       (r->max_amount > 0 && amount > r->max_amount)))
        return PICK_AMOUNT;
    if (r->paused)
        return PICK_OFFLINE;
    return PICK_LIMIT;
}

static bool bank_ok(const struct requisite *r, const struct kind *k)
{
    return k->bank[0] == '\0' || strcmp(r->bank_code, k->bank) == 0;
}

/* Whether r may serve an order of kind k by its own columns (the rule's
 * filter). */
static bool serves(const struct requisite *r, const struct kind *k)
{
    return stage_of(r, k, k->amount) == PICK_LIMIT && bank_ok(r, k);
}

bool requisite_limited(const struct requisite *r)
{
    return r->trader_id != 0 || r->device_id != 0 || r->max_pending > 0 || r->daily_amount > 0 ||
           r->daily_count > 0;
}

const char *pick_reason_name(enum pick_reason r)
{
    static const char *const names[] = {
        [PICK_NONE] = "none",
        [PICK_COUNTRY] = "country",
        [PICK_AMOUNT] = "amount",
        [PICK_OFFLINE] = "offline",
        [PICK_LIMIT] = "limit",
        [PICK_DEPOSIT] = "deposit",
        [PICK_DUPLICATE] = "duplicate_amount",
    };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}

/* A source of candidates: the first requisite with id > after that serves
 * k, in id order, into *out (*found false when none). */
typedef kassa_err (*first_fn)(void *src, const struct kind *k, int64_t after, struct requisite *out,
                              bool *found);

/* The store's requisites are read a page at a time (requisites_after). */
#define PAGE 16

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
                             const char *bank_code, const struct country_filter *countries,
                             int64_t amount)
{
    return (struct kind){.serial = s->serial,
                         .type = type,
                         .currency = currency,
                         .bank = bank_code ? bank_code : "",
                         .countries = country_filter_active(countries) ? countries : NULL,
                         .amount = amount};
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
        struct kind k = kind_make(s, rd[i].requisite_type, rd[i].currency, rd[i].bank_code,
                                  rd[i].countries, rd[i].amount);
        rd[i].requisite_err = pick(list_first, src, &k, true, &rd[i].requisite);
    }
    pthread_mutex_unlock(&pool.lock);
}

/* ---- assigning one order: the rotation, then the database's word ---- */

/* The candidates looked at for one order: every requisite of its type and
 * currency its own columns admit, in id order (at most CANDIDATES: more
 * are not looked at). */
#define CANDIDATES 256

struct cands {
    struct requisite *r; /* grown as rows come (most pools are small) */
    int n, cap;
    bool short_of_memory;
    const struct kind *k;
    enum pick_reason stage; /* the furthest a row got by its own columns */
    int64_t last;           /* the last id read */
    int64_t upto;           /* the wrapped read's end: ids above it were read */
};

static void cands_add(struct cands *cs, const struct requisite *r)
{
    enum pick_reason st = stage_of(r, cs->k, cs->k->amount);
    /* A row its own columns admit has reached the database's checks, the
     * first of which (its trader, its device) says offline: try_one notes
     * how much further it gets. */
    enum pick_reason got = st == PICK_LIMIT ? PICK_OFFLINE : st;
    if (got > cs->stage)
        cs->stage = got;
    cs->last = r->id;
    if (st != PICK_LIMIT || cs->n >= CANDIDATES)
        return;
    if (cs->n == cs->cap) {
        int cap = cs->cap ? cs->cap * 2 : 4;
        struct requisite *more = realloc(cs->r, (size_t)cap * sizeof *more);
        if (more == NULL) {
            cs->short_of_memory = true;
            return;
        }
        cs->r = more;
        cs->cap = cap;
    }
    cs->r[cs->n++] = *r;
}

static bool cands_row(void *arg, const struct requisite *r)
{
    struct cands *cs = arg;
    if (r->id > cs->upto)
        return false;
    cands_add(cs, r);
    return cs->n < CANDIDATES;
}

/* The rows of ids in (from, upto], in id order, until CANDIDATES. */
static kassa_err cands_range(struct store_conn *c, const struct requisite_list *rows,
                             struct cands *cs, int64_t from, int64_t upto)
{
    cs->upto = upto;
    if (rows != NULL) {
        for (int i = 0; i < rows->n && cs->n < CANDIDATES; i++)
            if (rows->rows[i].id > from && rows->rows[i].id <= upto)
                cands_add(cs, &rows->rows[i]);
        return KASSA_OK;
    }
    cs->last = from;
    for (;;) {
        int n = 0;
        int64_t after = cs->last;
        kassa_err err = STORE_CALL(c, requisites_after, cs->k->type, cs->k->currency, after, PAGE,
                                   cands_row, cs, &n);
        if (err != KASSA_OK || n < PAGE || cs->n >= CANDIDATES || cs->last <= after ||
            cs->last >= upto)
            return err;
    }
}

/* The candidates in id order: when there are more than CANDIDATES, those
 * that come next in the rotation after `cursor` (the ids above it, then
 * from the first), so a large pool is looked at a window at a time. */
static kassa_err cands_read(struct store_conn *c, const struct requisite_list *rows,
                            struct cands *cs, int64_t cursor)
{
    kassa_err err = cands_range(c, rows, cs, cursor, INT64_MAX);
    int above = cs->n;
    if (err != KASSA_OK || cursor == 0 || cs->n >= CANDIDATES)
        return err;
    if ((err = cands_range(c, rows, cs, 0, cursor)) != KASSA_OK || above == 0 || above == cs->n)
        return err;
    /* [above ids][wrapped ids] -> id order */
    struct requisite *sorted = malloc((size_t)cs->n * sizeof *sorted);
    if (sorted == NULL)
        return KASSA_ENOMEM;
    int wrapped = cs->n - above;
    memcpy(sorted, cs->r + above, (size_t)wrapped * sizeof *sorted);
    memcpy(sorted + wrapped, cs->r, (size_t)above * sizeof *sorted);
    free(cs->r);
    cs->r = sorted;
    cs->cap = cs->n;
    return KASSA_OK;
}

/* What one order's tries share: the ask, whether the ledger's lock is
 * held, the last trader read. */
struct tries {
    struct store_conn *c;
    const struct pick_ask *a;
    bool locked;
    struct trader trader;
    bool have_trader;
    enum pick_reason stage; /* the furthest a candidate got */
};

static void reached(struct tries *t, enum pick_reason st)
{
    if (st > t->stage)
        t->stage = st;
}

/* Try r for `amount`: *ok with the amount claimed (and a limited one's
 * day counted) and *reserve the trader's part; else how far it got is
 * noted in t. */
static kassa_err try_one(struct tries *t, const struct requisite *r, int64_t amount, bool *ok,
                         int64_t *reserve)
{
    struct store_conn *c = t->c;
    kassa_err err;
    *ok = false;
    *reserve = 0;
    bool limited = requisite_limited(r);
    if (limited && !t->locked) {
        if ((err = store_ledger_lock(c)) != KASSA_OK)
            return err;
        t->locked = true;
    }
    if (r->trader_id != 0) {
        if (!t->have_trader || t->trader.id != r->trader_id) {
            err = store_trader_get(c, r->trader_id, &t->trader);
            if (err == KASSA_ENOTFOUND) {
                reached(t, PICK_OFFLINE);
                return KASSA_OK;
            }
            if (err != KASSA_OK)
                return err;
            t->have_trader = true;
        }
        if (!t->trader.active || !t->trader.online) {
            reached(t, PICK_OFFLINE);
            return KASSA_OK;
        }
    }
    if (r->device_id != 0) {
        /* Bound to a phone that confirms it: only while the phone is. */
        struct device d;
        err = store_device_get(c, r->device_id, &d);
        if (err != KASSA_OK && err != KASSA_ENOTFOUND)
            return err;
        if (err == KASSA_ENOTFOUND || d.revoked_at != 0 || !device_online(d.last_seen, t->a->now)) {
            reached(t, PICK_OFFLINE);
            return KASSA_OK;
        }
    }
    reached(t, PICK_LIMIT);
    int64_t day = t->a->now / 86400;
    if (r->max_pending > 0) {
        int64_t n;
        if ((err = STORE_CALL(c, requisite_pending, r->id, &n)) != KASSA_OK)
            return err;
        if (n >= r->max_pending)
            return KASSA_OK;
    }
    if (r->daily_amount > 0 || r->daily_count > 0) {
        int64_t sum, count;
        if ((err = store_requisite_day(c, r->id, day, &sum, &count)) != KASSA_OK)
            return err;
        if ((r->daily_count > 0 && count >= r->daily_count) ||
            (r->daily_amount > 0 && sum + amount > r->daily_amount))
            return KASSA_OK;
    }
    reached(t, PICK_DEPOSIT);
    int64_t e = 0;
    if (r->trader_id != 0) {
        /* E: the order in the trader's currency at the order's rate. */
        e = money_convert(amount, t->a->currency, t->a->rate, t->trader.currency);
        int64_t available;
        if (e <= 0)
            return KASSA_OK;
        if ((err = store_trader_available(c, r->trader_id, t->trader.currency, &available)) !=
            KASSA_OK)
            return err;
        if (available < e)
            return KASSA_OK;
    }
    reached(t, PICK_DUPLICATE);
    bool taken;
    if ((err = STORE_CALL(c, requisite_claim, r->id, amount, &taken)) != KASSA_OK || !taken)
        return err;
    if (limited && (err = store_requisite_day_add(c, r->id, day, amount, 1)) != KASSA_OK)
        return err;
    *ok = true;
    *reserve = e;
    return KASSA_OK;
}

/* Where the rotation of cursor `cur` starts in cs: the first candidate
 * after the cursor's id (0 when it wraps). */
static int rotation_start(const struct cands *cs, int64_t last)
{
    for (int i = 0; i < cs->n; i++)
        if (cs->r[i].id > last)
            return i;
    return 0;
}

static int64_t cursor_last(const struct kind *k)
{
    pthread_mutex_lock(&pool.lock);
    struct cursor *cur = cursor_of(k);
    int64_t last = cur ? cur->last_id : 0;
    pthread_mutex_unlock(&pool.lock);
    return last;
}

static void cursor_move(const struct kind *k, int64_t id)
{
    pthread_mutex_lock(&pool.lock);
    struct cursor *cur = cursor_of(k);
    if (cur != NULL)
        cur->last_id = id;
    pthread_mutex_unlock(&pool.lock);
}

/* The candidates in the order they are tried: those of the preferred
 * bank in their rotation, then the others in theirs (each kind with its
 * own cursor); into order[] as indexes of cs, *n of them. */
static void try_order(const struct cands *cs, struct kind *bank_k, struct kind *any_k, int *order,
                      int *n)
{
    *n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const struct kind *k = pass == 0 ? bank_k : any_k;
        if (pass == 0 && bank_k->bank[0] == '\0')
            continue;
        int start = rotation_start(cs, cursor_last(k));
        for (int j = 0; j < cs->n; j++) {
            int i = (start + j) % cs->n;
            bool mine = bank_ok(&cs->r[i], bank_k);
            if (pass == 0 ? mine : (bank_k->bank[0] == '\0' || !mine))
                order[(*n)++] = i;
        }
    }
}

kassa_err requisites_assign(struct store_conn *c, const struct pick_ask *a,
                            const struct requisite_list *rows, struct pick *out)
{
    memset(out, 0, sizeof *out);
    out->amount = a->amount;
    struct kind any_k = kind_make(c->store, a->type, a->currency, "", a->countries, a->amount);
    struct kind bank_k = any_k;
    bank_k.bank = a->bank_code ? a->bank_code : "";
    struct cands cs = {.k = &any_k, .stage = PICK_NONE};
    int order[CANDIDATES], dups[CANDIDATES];
    kassa_err err = cands_read(c, rows, &cs, cursor_last(&any_k));
    if (err == KASSA_OK && cs.short_of_memory)
        err = KASSA_ENOMEM;
    if (err != KASSA_OK)
        goto done;
    int n, ndup = 0;
    try_order(&cs, &bank_k, &any_k, order, &n);
    struct tries t = {.c = c, .a = a, .stage = cs.stage};
    bool ok = false;
    int chosen = -1;
    for (int j = 0; j < n && !ok; j++) {
        enum pick_reason before = t.stage;
        t.stage = PICK_NONE;
        if ((err = try_one(&t, &cs.r[order[j]], a->amount, &ok, &out->reserve)) != KASSA_OK)
            goto done;
        if (ok)
            chosen = order[j];
        else if (t.stage == PICK_DUPLICATE)
            dups[ndup++] = order[j]; /* refused only for its amount */
        reached(&t, before);
    }
    /* Every one refused only for the amount: raise it by whole units. */
    for (int64_t up = a->unit; !ok && ndup > 0 && a->unit > 0 && up <= a->raise_max;
         up += a->unit) {
        for (int j = 0; j < ndup && !ok; j++) {
            const struct requisite *r = &cs.r[dups[j]];
            if (stage_of(r, &any_k, a->amount + up) != PICK_LIMIT)
                continue;
            if ((err = try_one(&t, r, a->amount + up, &ok, &out->reserve)) != KASSA_OK)
                goto done;
            if (ok) {
                chosen = dups[j];
                out->amount = a->amount + up;
            }
        }
    }
    if (!ok) {
        out->reason = t.stage;
        err = KASSA_ENOTFOUND;
        goto done;
    }
    out->req = cs.r[chosen];
    if (out->req.trader_id != 0)
        snprintf(out->trader_currency, sizeof out->trader_currency, "%s", t.trader.currency);
    cursor_move(bank_ok(&out->req, &bank_k) && bank_k.bank[0] != '\0' ? &bank_k : &any_k,
                out->req.id);
    err = KASSA_OK;
done:
    free(cs.r);
    return err;
}

kassa_err requisites_release(struct store_conn *c, const struct order *o, bool released)
{
    if (o->requisite_id == 0)
        return KASSA_OK;
    kassa_err err = STORE_CALL(c, requisite_unclaim, o->requisite_id, o->amount);
    if (err == KASSA_OK && released && requisite_limited(&o->req))
        err = store_requisite_day_add(c, o->requisite_id, o->created_at / 86400, -o->amount, -1);
    return err;
}
