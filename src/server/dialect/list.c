/* list.c: what every list of the JSON APIs is made of (list.h). */
#include "dialect/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "core/core.h"
#include "dialect/reply.h"
#include "kassa/money.h"

/* ---- query arguments ---------------------------------------------------- */

bool known_name(void *arg, const char *name)
{
    struct known *k = arg;
    for (size_t i = 0; k->names[i] != NULL; i++)
        if (strcmp(k->names[i], name) == 0)
            return true;
    k->bad = name;
    return false;
}

/* An integer in [min, max] from arg `name` (absent: *out untouched). */
bool arg_int(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *out,
             char *msg, size_t msglen)
{
    const char *v = http_query(req, name);
    if (v == NULL)
        return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < min || n > max || (*v < '0' || *v > '9')) {
        snprintf(msg, msglen, "%s: expected an integer between %lld and %lld", name, (long long)min,
                 (long long)max);
        return false;
    }
    *out = n;
    return true;
}

/* RFC 3339 ("2026-12-07T10:00:00Z", "...+03:00", fractions ignored) or
 * Unix seconds, into *out. */
static bool parse_time(const char *s, int64_t *out)
{
    char *end;
    if (*s >= '0' && *s <= '9' && strchr(s, '-') == NULL) {
        long long n = strtoll(s, &end, 10);
        if (*end != '\0' || n <= 0)
            return false;
        *out = n;
        return true;
    }
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL)
        p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (p == NULL)
        return false;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int h = (p[1] - '0') * 10 + (p[2] - '0'), m = (p[4] - '0') * 10 + (p[5] - '0');
        if (h > 23 || m > 59)
            return false;
        offset = (*p == '+' ? 1 : -1) * (int64_t)(h * 3600 + m * 60);
        p += 6;
    } else {
        return false;
    }
    if (*p != '\0')
        return false;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (int64_t)t - offset;
    return *out > 0;
}

bool arg_time(struct http_req *req, const char *name, int64_t *out, char *msg, size_t msglen)
{
    const char *v = http_query(req, name);
    if (v == NULL)
        return true;
    if (!parse_time(v, out)) {
        snprintf(msg, msglen, "%s: expected an RFC 3339 time or Unix seconds", name);
        return false;
    }
    return true;
}

/* A text argument of at most size - 1 bytes. */
bool arg_text(struct http_req *req, const char *name, char *dst, size_t size, char *msg,
              size_t msglen)
{
    const char *v = http_query(req, name);
    if (v == NULL)
        return true;
    if (strlen(v) >= size) {
        snprintf(msg, msglen, "%s: longer than %zu bytes", name, size - 1);
        return false;
    }
    core_copy(dst, size, v);
    return true;
}

/* limit, cursor and order: what every list takes. The cursor is the
 * position the page before ended at, "i<id>" (opaque to clients). */
/* "i<id>": where a page in id order ended. */
bool id_cursor(const char *cursor, int64_t *id)
{
    char *end;
    if (cursor[0] != 'i' || cursor[1] < '0' || cursor[1] > '9')
        return false;
    long long n = strtoll(cursor + 1, &end, 10);
    if (*end != '\0' || n <= 0)
        return false;
    *id = n;
    return true;
}

bool arg_page(struct http_req *req, int *limit, int64_t *after, bool *asc, char *msg, size_t msglen)
{
    int64_t n = LIST_LIMIT_DEFAULT;
    if (!arg_int(req, "limit", 1, LIST_LIMIT_MAX, &n, msg, msglen))
        return false;
    *limit = (int)n;
    const char *order = http_query(req, "order");
    *asc = false;
    if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        snprintf(msg, msglen, "order: expected asc or desc");
        return false;
    }
    *asc = order != NULL && strcmp(order, "asc") == 0;
    if (after == NULL)
        return true; /* the caller reads its own kind of cursor */
    const char *cursor = http_query(req, "cursor");
    *after = 0;
    if (cursor != NULL && !id_cursor(cursor, after)) {
        snprintf(msg, msglen, "cursor: not a cursor of this list");
        return false;
    }
    return true;
}

/* ---- pages -------------------------------------------------------------- */

/* Whether the page has room for one more row (else it notes a next page). */
bool page_room(struct row_page *p)
{
    if (p->n == p->limit) {
        p->more = true;
        return false;
    }
    p->n++;
    return true;
}

void finish_page(struct http_req *req, struct jw *w, kassa_err err, const struct row_page *page)
{
    jw_arr_end(w);
    if (err != KASSA_OK) {
        jw_free(w);
        reply_error(req, 500, "Internal server error");
        return;
    }
    if (page->more) {
        char cursor[32];
        snprintf(cursor, sizeof cursor, "i%lld", (long long)page->last_id);
        jw_kstr(w, "next_cursor", cursor);
    } else {
        jw_knull(w, "next_cursor");
    }
    jw_obj_end(w);
    reply_jw(req, 200, w);
}

void start_page(struct jw *w)
{
    jw_init(w, REPLY_JSON_LIMIT);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
}

/* The arguments every list takes, checked: none but `names`, and a page
 * (limit, cursor, order). False after answering 400 ("unknown argument
 * 'x': <what>", or what is wrong with the page). */
bool list_args(struct http_req *req, const char *const *names, const char *what, int *limit,
               int64_t *after, bool *asc)
{
    char msg[256];
    struct known k = {names, NULL};
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400, "unknown argument '%.40s': %s", k.bad != NULL ? k.bad : "", what);
        return false;
    }
    if (!arg_page(req, limit, after, asc, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return false;
    }
    return true;
}

/* ---- the ledger's rows --------------------------------------------------- */

/* "platform", "shop:<id>" or "trader:<id>" (a trader's accounts keep
 * the trader's id in shop_id). */
void owner_of(const char *kind, int64_t shop_id, char *dst, size_t size)
{
    if (shop_id == 0)
        snprintf(dst, size, "platform");
    else if (strncmp(kind, "trader_", 7) == 0)
        snprintf(dst, size, "trader:%lld", (long long)shop_id);
    else
        snprintf(dst, size, "shop:%lld", (long long)shop_id);
}

int places_of(const char *currency)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    return cur != NULL ? cur->exponent : 2;
}

bool page_account(void *arg, const struct ledger_account *a)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    char owner[40];
    owner_of(a->kind, a->shop_id, owner, sizeof owner);
    jw_obj(p->w);
    jw_kint(p->w, "id", a->id);
    jw_kstr(p->w, "owner", owner);
    jw_kint(p->w, "shop_id", a->shop_id);
    jw_kstr(p->w, "kind", a->kind);
    jw_kstr(p->w, "currency", a->currency);
    jw_kmoney(p->w, "balance", a->balance, a->currency, places_of(a->currency), false);
    jw_obj_end(p->w);
    p->last_id = a->id;
    return true;
}

bool page_posting(void *arg, const struct ledger_posting *x)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    char owner[40], t[32];
    owner_of(x->account_kind, x->shop_id, owner, sizeof owner);
    jw_obj(p->w);
    jw_kint(p->w, "id", x->id);
    jw_kint(p->w, "tx", x->tx_id);
    jw_kstr(p->w, "kind", x->tx_kind);
    jw_kstr(p->w, "ref_type", x->ref_type);
    jw_kint(p->w, "ref_id", x->ref_id);
    jw_kint(p->w, "account", x->account_id);
    jw_kstr(p->w, "account_kind", x->account_kind);
    jw_kstr(p->w, "owner", owner);
    jw_kstr(p->w, "currency", x->currency);
    jw_kmoney(p->w, "amount", x->amount, x->currency, places_of(x->currency), false);
    clock_format(x->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(p->w, "at", t);
    jw_obj_end(p->w);
    p->last_id = x->id;
    return true;
}

/* ---- the ledger's postings ------------------------------------------------ */

static const char *const posting_args[] = {"limit", "cursor", "order", "account", "tx", NULL};

enum http_action list_postings(struct http_req *req, int64_t trader_id)
{
    char msg[256];
    struct posting_filter f = {.trader_id = trader_id};
    if (!list_args(req, posting_args,
                   "postings are listed by account and tx (with limit, cursor, order)", &f.limit,
                   &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_int(req, "account", 1, INT64_MAX, &f.account_id, msg, sizeof msg) ||
        !arg_int(req, "tx", 1, INT64_MAX, &f.tx_id, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_postings_list(&f, page_posting, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

bool requisite_list_args(struct http_req *req, struct requisite_filter *f)
{
    static const char *const args[] = {"limit",    "cursor", "order",     "type",
                                       "currency", "active", "trader_id", NULL};
    static const char *const own_args[] = {"limit",    "cursor", "order", "type",
                                           "currency", "active", NULL};
    char msg[256];
    bool own = f->trader_id > 0; /* a trader's own list: no other trader's */
    if (!list_args(req, own ? own_args : args,
                   own ? "requisites are listed by type, currency and active (with limit, "
                         "cursor, order)"
                       : "requisites are listed by type, currency, active and trader_id (with "
                         "limit, cursor, order)",
                   &f->limit, &f->after_id, &f->asc))
        return false;
    if (!arg_text(req, "type", f->type, sizeof f->type, msg, sizeof msg) ||
        !arg_text(req, "currency", f->currency, sizeof f->currency, msg, sizeof msg) ||
        (!own && !arg_int(req, "trader_id", 1, INT64_MAX, &f->trader_id, msg, sizeof msg))) {
        reply_error(req, 400, "%s", msg);
        return false;
    }
    const char *active = http_query(req, "active");
    if (active != NULL) {
        if (strcmp(active, "true") != 0 && strcmp(active, "false") != 0) {
            reply_error(req, 400, "active: expected true or false");
            return false;
        }
        f->active = strcmp(active, "true") == 0;
    }
    return true;
}
