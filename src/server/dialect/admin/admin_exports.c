/* admin_exports.c: the operator's CSV exports (admin_exports.h). */
#include "admin_exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_lists.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "kassa/money.h"

#define EXPORT_PAGE_ROWS 1000
#define EXPORT_PAGE_BYTES (256 * 1024) /* a page ends at the row that passes this */
#define EXPORT_ROW_MAX (64 * 1024)     /* far above any row (its cells are bounded) */

enum export_kind { EXPORT_ORDERS, EXPORT_POSTINGS };

/* One export in flight: its filter (whose cursor moves a page at a time)
 * and the page being sent. Owned by the streamed answer (export_done). */
struct export
{
    enum export_kind kind;
    struct order_filter orders;
    struct posting_filter postings;
    struct buf out; /* the page's CSV; ceiling EXPORT_PAGE_BYTES + a row */
    size_t sent;    /* bytes of out handed on */
    int page_rows;  /* rows of the page read so far */
    bool full;      /* the page stopped at EXPORT_PAGE_BYTES */
    bool last;      /* out holds the last page */
    bool failed;
    bool header_due; /* the first page begins with the header row */
    int64_t rows, bytes, t0_ms;
    char req_id[17];
};

/* ---- CSV cells ----------------------------------------------------------- */

/* Append to the page; a row that does not fit (it cannot: its cells are
 * bounded) fails the export rather than leaving half a row. */
static void put(struct export *x, const void *p, size_t n)
{
    if (buf_add(&x->out, p, n) != KASSA_OK)
        x->failed = true;
}

/* A cell kassa wrote itself (a number, an amount, a time), then sep. */
static void cell_raw(struct export *x, const char *s, char sep)
{
    put(x, s, strlen(s));
    put(x, &sep, 1);
}

/* A text cell from outside: an apostrophe before a leading = + - @ tab or
 * CR (no formula), quoted when it holds , " CR or LF. */
static void cell_text(struct export *x, const char *s, char sep)
{
    bool guard = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        put(x, "\"", 1);
    if (guard)
        put(x, "'", 1);
    for (const char *p = s; *p != '\0';) {
        size_t n = strcspn(p, "\"");
        put(x, p, n);
        p += n;
        if (*p == '"') {
            put(x, "\"\"", 2);
            p++;
        }
    }
    if (quote)
        put(x, "\"", 1);
    put(x, &sep, 1);
}

static void cell_int(struct export *x, int64_t v, char sep)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    cell_raw(x, t, sep);
}

/* A time as RFC 3339 UTC; 0 (none) as an empty cell. */
static void cell_time(struct export *x, int64_t t, char sep)
{
    char s[32] = "";
    if (t > 0)
        clock_format(t, CLOCK_ISO8601, s, sizeof s);
    cell_raw(x, s, sep);
}

/* An amount in its currency's units, exactly ("-12.50"). */
static void cell_money(struct export *x, int64_t minor, const char *currency, char sep)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    int places = cur != NULL ? cur->exponent : 2;
    char t[48];
    if (kassa_money_format(minor, places, places, t, sizeof t) < 0)
        snprintf(t, sizeof t, "%lld", (long long)minor);
    cell_raw(x, t, sep);
}

/* ---- rows ---------------------------------------------------------------- */

static const char orders_header[] =
    "id,uuid,created_at,shop_id,dialect,merchant_order_id,status,amount,fee,currency,"
    "requisite_id,requisite_type,confirmed_by_customer,test,paid_at,expires_at,updated_at\r\n";

static const char postings_header[] =
    "id,tx,created_at,kind,ref_type,ref_id,account,account_kind,owner,currency,amount\r\n";

/* Whether the page takes another row after this one. */
static bool page_goes_on(struct export *x)
{
    x->page_rows++;
    x->rows++;
    if (x->failed)
        return false;
    if (buf_len(&x->out) >= EXPORT_PAGE_BYTES) {
        x->full = true;
        return false;
    }
    return true;
}

static bool order_row(void *arg, const struct order *o)
{
    struct export *x = arg;
    const struct dialect *d = dialect_by_id(o->origin);
    cell_int(x, o->id, ',');
    cell_raw(x, o->uuid, ',');
    cell_time(x, o->created_at, ',');
    cell_int(x, o->shop_id, ',');
    cell_raw(x, d != NULL ? d->name : "unknown", ',');
    cell_text(x, o->merchant_order_id, ',');
    cell_raw(x, order_status_name(o->status), ',');
    cell_money(x, o->amount, o->currency, ',');
    cell_money(x, o->fee, o->currency, ',');
    cell_text(x, o->currency, ',');
    if (o->requisite_id > 0)
        cell_int(x, o->requisite_id, ',');
    else
        cell_raw(x, "", ',');
    cell_text(x, o->requisite_type, ',');
    cell_raw(x, o->confirmed_by_customer ? "true" : "false", ',');
    cell_raw(x, o->test ? "true" : "false", ',');
    cell_time(x, o->paid_at, ',');
    cell_time(x, o->expires_at, ',');
    cell_time(x, o->updated_at, '\r');
    put(x, "\n", 1);
    x->orders.after_created = o->created_at;
    x->orders.after_id = o->id;
    return page_goes_on(x);
}

static bool posting_row(void *arg, const struct ledger_posting *p)
{
    struct export *x = arg;
    char owner[40];
    if (p->shop_id == 0)
        snprintf(owner, sizeof owner, "platform");
    else
        snprintf(owner, sizeof owner, "shop:%lld", (long long)p->shop_id);
    cell_int(x, p->id, ',');
    cell_int(x, p->tx_id, ',');
    cell_time(x, p->created_at, ',');
    cell_text(x, p->tx_kind, ',');
    cell_text(x, p->ref_type, ',');
    cell_int(x, p->ref_id, ',');
    cell_int(x, p->account_id, ',');
    cell_text(x, p->account_kind, ',');
    cell_raw(x, owner, ',');
    cell_text(x, p->currency, ',');
    cell_money(x, p->amount, p->currency, '\r');
    put(x, "\n", 1);
    x->postings.after_id = p->id;
    return page_goes_on(x);
}

/* Read the next page into x->out (what was there is sent). False when the
 * store failed or a row did not fit. */
static bool export_page(struct export *x)
{
    buf_reset(&x->out);
    if (x->header_due)
        put(x, x->kind == EXPORT_ORDERS ? orders_header : postings_header,
            x->kind == EXPORT_ORDERS ? sizeof orders_header - 1 : sizeof postings_header - 1);
    x->header_due = false;
    x->sent = 0;
    x->page_rows = 0;
    x->full = false;
    kassa_err err;
    if (x->kind == EXPORT_ORDERS) {
        x->orders.limit = EXPORT_PAGE_ROWS;
        err = query_orders_list(&x->orders, order_row, x);
    } else {
        x->postings.limit = EXPORT_PAGE_ROWS;
        err = query_postings_list(&x->postings, posting_row, x);
    }
    if (err != KASSA_OK || x->failed) {
        log_error("export: a page could not be read", "kind=%s rows=%lld err=%d",
                  x->kind == EXPORT_ORDERS ? "orders" : "postings", (long long)x->rows, (int)err);
        x->failed = true;
        return false;
    }
    x->last = !x->full && x->page_rows < EXPORT_PAGE_ROWS;
    return true;
}

/* http_fill_fn: the page's next bytes, reading the next page when it is
 * all sent. */
static long export_fill(void *arg, char *dst, size_t max)
{
    struct export *x = arg;
    log_set_request_id(x->req_id);
    long n = 0;
    while (x->sent == buf_len(&x->out) && !x->last && !x->failed)
        if (!export_page(x))
            break;
    if (x->failed) {
        n = -1; /* the connection is cut: the client sees an incomplete body */
    } else {
        size_t left = buf_len(&x->out) - x->sent;
        n = (long)(left < max ? left : max);
        memcpy(dst, buf_ptr(&x->out) + x->sent, (size_t)n);
        x->sent += (size_t)n;
        x->bytes += n;
    }
    log_set_request_id(NULL);
    return n;
}

static void export_done(void *arg)
{
    struct export *x = arg;
    log_set_request_id(x->req_id);
    bool whole = x->last && x->sent == buf_len(&x->out) && !x->failed;
    log_info("export finished", "kind=%s rows=%lld bytes=%lld ms=%lld complete=%s",
             x->kind == EXPORT_ORDERS ? "orders" : "postings", (long long)x->rows,
             (long long)x->bytes, (long long)(clock_mono_ms() - x->t0_ms), whole ? "yes" : "no");
    log_set_request_id(NULL);
    buf_free(&x->out);
    free(x);
}

/* ---- the answers --------------------------------------------------------- */

/* "20261207T100000Z", the filename's form of a time. */
static void file_time(int64_t t, char *dst, size_t size)
{
    char s[32];
    clock_format(t, CLOCK_ISO8601, s, sizeof s);
    size_t o = 0;
    for (const char *p = s; *p != '\0' && o + 1 < size; p++)
        if (*p != '-' && *p != ':')
            dst[o++] = *p;
    dst[o] = '\0';
}

/* Read the first page (a failure there is still a JSON 500, before any
 * byte), then stream the rest. x is taken. */
static enum http_action export_start(struct http_req *req, struct export *x, const char *what,
                                     int64_t from, int64_t to)
{
    core_copy(x->req_id, sizeof x->req_id, req->id);
    x->t0_ms = clock_mono_ms();
    buf_init(&x->out, EXPORT_PAGE_BYTES + EXPORT_ROW_MAX);
    x->header_due = true;
    if (!export_page(x)) {
        buf_free(&x->out);
        free(x);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    char name[128], a[24] = "start", b[24];
    if (from > 0)
        file_time(from, a, sizeof a);
    file_time(to, b, sizeof b);
    snprintf(name, sizeof name, "attachment; filename=\"%s-%s-%s.csv\"", what, a, b);
    http_add_header(req, "Content-Disposition", name);
    http_add_header(req, "Cache-Control", "no-store");
    log_info("export started", "kind=%s from=%lld to=%lld", what, (long long)from, (long long)to);
    http_reply_stream(req, 200, "text/csv; charset=utf-8", export_fill, export_done, x);
    return HTTP_DONE;
}

/* to: absent means everything created so far (the next second, to being
 * exclusive); it must follow from. */
static bool export_range(struct http_req *req, int64_t from, int64_t *to, char *msg, size_t msglen)
{
    if (http_query(req, "to") == NULL)
        *to = clock_now() + 1;
    if (from > 0 && *to <= from) {
        snprintf(msg, msglen, "to: must be later than from");
        return false;
    }
    return true;
}

enum http_action admin_export_orders(struct http_req *req)
{
    char msg[512];
    struct export *x = calloc(1, sizeof *x);
    if (x == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    x->kind = EXPORT_ORDERS;
    struct order_filter *f = &x->orders;
    if (!order_list_filter(req, f, false, msg, sizeof msg) ||
        !export_range(req, f->from, &f->to, msg, sizeof msg)) {
        free(x);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    f->asc = true; /* oldest first, on (created_at, id): to is always set */
    return export_start(req, x, "orders", f->from, f->to);
}

static bool known_posting_arg(void *arg, const char *name)
{
    const char **bad = arg;
    if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0 || strcmp(name, "account") == 0)
        return true;
    *bad = name;
    return false;
}

enum http_action admin_export_postings(struct http_req *req)
{
    char msg[512];
    const char *bad = NULL;
    if (!http_query_each(req, known_posting_arg, &bad)) {
        reply_error(req, 400,
                    "unknown argument '%.40s': postings are exported by from, to and "
                    "account",
                    bad != NULL ? bad : "");
        return HTTP_DONE;
    }
    struct export *x = calloc(1, sizeof *x);
    if (x == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    x->kind = EXPORT_POSTINGS;
    struct posting_filter *f = &x->postings;
    const char *account = http_query(req, "account");
    char *end = NULL;
    if (account != NULL) {
        long long id = strtoll(account, &end, 10);
        if (*account < '0' || *account > '9' || *end != '\0' || id <= 0) {
            free(x);
            reply_error(req, 400, "account: expected an account id");
            return HTTP_DONE;
        }
        f->account_id = id;
    }
    if (!arg_time(req, "from", &f->from, msg, sizeof msg) ||
        !arg_time(req, "to", &f->to, msg, sizeof msg) ||
        !export_range(req, f->from, &f->to, msg, sizeof msg)) {
        free(x);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    f->asc = true;
    return export_start(req, x, "postings", f->from, f->to);
}
