/* admin_lists.c: the operator's lists (admin_lists.h). */
#include "admin_lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "kassa/money.h"

/* ---- orders, withdrawals, events, callbacks (dialect/list.h) ------------ */

enum http_action admin_list_orders(struct http_req *req)
{
    return list_shop_orders(req, 0, render_admin_order);
}

enum http_action admin_list_withdrawals(struct http_req *req)
{
    return list_shop_withdrawals(req, 0, render_admin_withdrawal);
}

enum http_action admin_list_order_events(struct http_req *req, const char *ref)
{
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o != NULL ? query_order_ref(ref, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    return list_order_events(req, o);
}

/* ---- the ledger: accounts and postings ---------------------------------- */

static const char *const account_args[] = {"limit", "cursor",   "order", "shop_id",
                                           "kind",  "currency", NULL};

enum http_action admin_list_accounts(struct http_req *req)
{
    char msg[256];
    struct account_filter f = {.shop_id = -1};
    if (!list_args(req, account_args,
                   "accounts are listed by shop_id (0: the platform's), kind and currency (with "
                   "limit, cursor, order)",
                   &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_int(req, "shop_id", 0, INT64_MAX, &f.shop_id, msg, sizeof msg) ||
        !arg_text(req, "kind", f.kind, sizeof f.kind, msg, sizeof msg) ||
        !arg_text(req, "currency", f.currency, sizeof f.currency, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    bool kind_ok = f.kind[0] == '\0';
    for (int i = ACC_SHOP_AVAILABLE; !kind_ok && account_kind_name(i) != NULL; i++)
        kind_ok = strcmp(account_kind_name(i), f.kind) == 0;
    if (!kind_ok) {
        reply_error(req, 400,
                    "kind: expected shop_available, shop_held, platform_fees, "
                    "provider_clearing, payouts, trader_available, trader_reserved or "
                    "platform_custody");
        return HTTP_DONE;
    }
    if (f.currency[0] != '\0' && kassa_currency_find(f.currency) == NULL) {
        reply_error(req, 400, "currency: unknown currency '%.16s'", f.currency);
        return HTTP_DONE;
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_accounts_list(&f, page_account, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

enum http_action admin_list_postings(struct http_req *req)
{
    return list_postings(req, 0);
}

enum http_action admin_list_callbacks(struct http_req *req)
{
    return list_shop_callbacks(req, 0);
}

/* ---- requisites --------------------------------------------------------- */

static bool page_requisite(void *arg, const struct requisite *r, int64_t pending)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_admin_requisite(p->w, r, pending);
    p->last_id = r->id;
    return true;
}

enum http_action admin_list_requisites(struct http_req *req)
{
    struct requisite_filter f = {.active = -1};
    if (!requisite_list_args(req, &f))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_requisites_list(&f, page_requisite, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* ---- shops -------------------------------------------------------------- */

static const char *const shop_args[] = {"limit",  "cursor", "order", "merchant_id",
                                        "active", "q",      NULL};

/* A page of shops and their money, held until both statements are read:
 * the money rows come after every shop of the page. */
struct shop_list {
    struct shop *shops; /* limit of them */
    int limit, n;
    bool more;
    struct shop_money *money;
    size_t n_money, cap_money;
    bool failed;
};

static bool list_shop(void *arg, const struct shop *s)
{
    struct shop_list *l = arg;
    if (l->n == l->limit) {
        l->more = true;
        return false;
    }
    l->shops[l->n++] = *s;
    return true;
}

/* A page has at most LIST_LIMIT_MAX shops with a few currencies each. */
#define SHOP_MONEY_MAX (LIST_LIMIT_MAX * 64)

static bool list_money(void *arg, const struct shop_money *m)
{
    struct shop_list *l = arg;
    if (l->n_money == l->cap_money) {
        size_t cap = l->cap_money == 0 ? 64 : l->cap_money * 2;
        struct shop_money *p = cap <= SHOP_MONEY_MAX ? realloc(l->money, cap * sizeof *p) : NULL;
        if (p == NULL) {
            l->failed = true;
            return false;
        }
        l->money = p;
        l->cap_money = cap;
    }
    l->money[l->n_money++] = *m;
    return true;
}

enum http_action admin_list_shops(struct http_req *req)
{
    char msg[256];
    struct shop_filter f = {.active = -1};
    if (!list_args(req, shop_args,
                   "shops are listed by merchant_id, active and q (with limit, cursor, order)",
                   &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_int(req, "merchant_id", 1, INT64_MAX, &f.merchant_id, msg, sizeof msg) ||
        !arg_text(req, "q", f.q, sizeof f.q, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    const char *active = http_query(req, "active");
    if (active != NULL) {
        if (strcmp(active, "true") != 0 && strcmp(active, "false") != 0) {
            reply_error(req, 400, "active: expected true or false");
            return HTTP_DONE;
        }
        f.active = strcmp(active, "true") == 0;
    }
    struct shop_list l = {.limit = f.limit, .shops = malloc((size_t)f.limit * sizeof *l.shops)};
    f.limit++; /* one more: whether a next page exists */
    kassa_err err =
        l.shops != NULL ? query_shops_list(&f, list_shop, list_money, &l) : KASSA_ENOMEM;
    if (err == KASSA_OK && l.failed)
        err = KASSA_ENOMEM;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = l.limit, .n = l.n, .more = l.more};
    /* The money rows are by shop id, ascending: each shop's found by
     * bisection. */
    for (int i = 0; err == KASSA_OK && i < l.n; i++) {
        const struct shop *s = &l.shops[i];
        size_t lo = 0, hi = l.n_money;
        while (lo < hi) { /* the first row of shop s */
            size_t mid = (lo + hi) / 2;
            if (l.money[mid].shop_id < s->id)
                lo = mid + 1;
            else
                hi = mid;
        }
        struct shop_money_rows rows = {l.money != NULL ? l.money + lo : NULL, 0};
        while (lo + rows.n < l.n_money && l.money[lo + rows.n].shop_id == s->id)
            rows.n++;
        render_admin_shop(&w, s, false, &rows);
        page.last_id = s->id;
    }
    finish_page(req, &w, err, &page);
    free(l.shops);
    free(l.money);
    return HTTP_DONE;
}
