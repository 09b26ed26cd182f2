/* test_sql_orders.c: the order row's one column map (store/sql/orders.c):
 * what sql_order_columns writes, sql_read_order reads back from a row of
 * SQL_ORDER_SELECT, field for field; and the select's column list is the
 * insert's (both backends run these texts, so a column added to one list
 * and not the other would be a silent shift on both). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"
#include "store/sql/orders.h"
#include "store/sql/requisites.h"

#define COLS 64

/* A row in memory: each column a text, a number, or NULL. */
struct mem_row {
    struct sql_row base;
    struct sql_sink sink;
    int n;
    bool null[COLS], is_text[COLS];
    char text[COLS][1024];
    int64_t num[COLS];
};

static const struct mem_row *mem(const struct sql_row *r)
{
    return container_of(r, const struct mem_row, base);
}

static int64_t mem_i64(const struct sql_row *r, int col)
{
    assert_false(mem(r)->is_text[col]);
    return mem(r)->null[col] ? 0 : mem(r)->num[col];
}

static void mem_text(const struct sql_row *r, int col, char *dst, size_t size)
{
    assert_true(mem(r)->is_text[col] || mem(r)->null[col]);
    snprintf(dst, size, "%s", mem(r)->null[col] ? "" : mem(r)->text[col]);
}

static bool mem_null(const struct sql_row *r, int col)
{
    return mem(r)->null[col];
}

static const struct sql_row_ops mem_ops = {mem_i64, mem_text, mem_null};

static void sink_text(struct sql_sink *k, const char *s)
{
    struct mem_row *m = container_of(k, struct mem_row, sink);
    m->is_text[m->n] = true;
    snprintf(m->text[m->n++], sizeof m->text[0], "%s", s);
}

static void sink_i64(struct sql_sink *k, int64_t v, bool has)
{
    struct mem_row *m = container_of(k, struct mem_row, sink);
    m->null[m->n] = !has;
    m->num[m->n++] = v;
}

static void fill(struct order *o, int64_t requisite_id)
{
    memset(o, 0, sizeof *o);
    o->id = 41;
    snprintf(o->uuid, sizeof o->uuid, "u-1");
    snprintf(o->uuid_callback, sizeof o->uuid_callback, "u-2");
    snprintf(o->pay_token, sizeof o->pay_token, "tok");
    o->shop_id = 7;
    o->origin = 2;
    o->status = ORDER_COMPLETED;
    o->amount = 100047;
    snprintf(o->currency, sizeof o->currency, "RUB");
    o->fee = 2501;
    o->amount_usdt = 1053126;
    snprintf(o->exchange_rate, sizeof o->exchange_rate, "95.00");
    snprintf(o->merchant_order_id, sizeof o->merchant_order_id, "m-1");
    snprintf(o->requisite_type, sizeof o->requisite_type, "SBP");
    o->payment_system = 28;
    snprintf(o->customer_name, sizeof o->customer_name, "Ivan");
    snprintf(o->customer_requisite, sizeof o->customer_requisite, "+7900");
    snprintf(o->bank_code, sizeof o->bank_code, "sber");
    snprintf(o->countries, sizeof o->countries, "[\"RUS\"]");
    snprintf(o->payment_systems, sizeof o->payment_systems, "[28]");
    snprintf(o->email, sizeof o->email, "a@b.c");
    snprintf(o->phone, sizeof o->phone, "+7901");
    snprintf(o->success_url, sizeof o->success_url, "https://s/");
    snprintf(o->fail_url, sizeof o->fail_url, "https://f/");
    snprintf(o->notify_url, sizeof o->notify_url, "https://n/");
    snprintf(o->lang, sizeof o->lang, "ru");
    o->test = true;
    o->confirmed_by_customer = true;
    o->requisite_id = requisite_id;
    o->created_at = 1700000000;
    o->expires_at = 1700000900;
    o->paid_at = 1700000100;
    o->updated_at = 1700000200;
    o->amount_received = 95000;
    o->reversed_at = 1700000300;
}

/* A row as SQL_ORDER_SELECT gives it for o: its id, the 32 insert columns
 * (requisite_id NULL read as 0, as COALESCE does), and the requisite's. */
static void select_row(const struct order *o, const struct requisite *rq, struct mem_row *m)
{
    memset(m, 0, sizeof *m);
    m->base.ops = &mem_ops;
    m->sink = (struct sql_sink){sink_text, sink_i64};
    sink_i64(&m->sink, o->id, true);
    sql_order_columns(o, &m->sink);
    assert_int_equal(m->n, 1 + 32);
    if (m->null[28]) { /* COALESCE(o.requisite_id, 0) */
        m->null[28] = false;
        m->num[28] = 0;
    }
    /* what the insert leaves to the columns' defaults, read after them */
    sink_i64(&m->sink, o->amount_received, true);
    sink_i64(&m->sink, o->reversed_at, true);
    sink_i64(&m->sink, o->trader_id, true);
    sink_i64(&m->sink, o->reserve, true);
    sink_i64(&m->sink, o->amount_requested, true);
    sink_text(&m->sink, o->no_requisite_reason);
    sink_text(&m->sink, o->confirmed_by);
    assert_int_equal(m->n, SQL_ORDER_REQUISITE_AT);
    if (rq == NULL) {
        for (int i = 0; i < 22; i++)
            m->null[m->n++] = true;
        return;
    }
    sink_i64(&m->sink, rq->id, true);
    const char *t[] = {rq->type,         rq->value,        rq->owner_full_name, rq->bank_code,
                       rq->bank_name_ru, rq->bank_name_en, rq->currency,        rq->country_code};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        sink_text(&m->sink, t[i]);
    sink_i64(&m->sink, rq->active, true);
    sink_i64(&m->sink, rq->assigned, true);
    sink_i64(&m->sink, rq->created_at, true);
    const int64_t more[] = {rq->trader_id,   rq->min_amount,  rq->max_amount, rq->daily_amount,
                            rq->daily_count, rq->max_pending, rq->paused,     rq->device_id};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        sink_i64(&m->sink, more[i], true);
    sink_text(&m->sink, rq->bic);
    sink_text(&m->sink, rq->corr_account);
}

static void test_order_round_trip(void **state)
{
    (void)state;
    struct order *o = malloc(sizeof *o), *got = malloc(sizeof *got);
    struct mem_row *m = malloc(sizeof *m);
    assert_non_null(o);
    assert_non_null(got);
    assert_non_null(m);
    struct requisite rq = {.id = 9, .active = 1, .assigned = 3, .created_at = 1690000000};
    snprintf(rq.type, sizeof rq.type, "SBP");
    snprintf(rq.value, sizeof rq.value, "+79001234567");
    snprintf(rq.owner_full_name, sizeof rq.owner_full_name, "Ivan Ivanov");
    snprintf(rq.bank_code, sizeof rq.bank_code, "sber");
    snprintf(rq.bank_name_ru, sizeof rq.bank_name_ru, "Сбер");
    snprintf(rq.bank_name_en, sizeof rq.bank_name_en, "Sber");
    snprintf(rq.currency, sizeof rq.currency, "RUB");
    snprintf(rq.country_code, sizeof rq.country_code, "RUS");
    snprintf(rq.bic, sizeof rq.bic, "044525225");
    snprintf(rq.corr_account, sizeof rq.corr_account, "30101810400000000225");
    fill(o, rq.id);
    o->req = rq;
    select_row(o, &rq, m);
    sql_read_order(&m->base, got);
    assert_memory_equal(got, o, sizeof *o);

    fill(o, 0); /* no requisite: NULL in, 0 and an empty o->req out */
    select_row(o, NULL, m);
    assert_true(m->null[SQL_ORDER_REQUISITE_AT]);
    sql_read_order(&m->base, got);
    assert_memory_equal(got, o, sizeof *o);
    free(o);
    free(got);
    free(m);
}

/* The text between "SELECT o.id, " and ", r.id": the order's columns as
 * read, each "o.<name>" (requisite_id in its COALESCE), then the two the
 * insert leaves to their defaults (migration 019). */
static void test_select_lists_the_insert_columns(void **state)
{
    (void)state;
    const char *sel = SQL_ORDER_SELECT;
    const char *from = strstr(sel, "SELECT o.id, ");
    const char *to = strstr(sel, ", o.amount_received, o.reversed_at, o.trader_id, o.reserve, "
                                 "o.amount_requested, o.no_requisite_reason, o.confirmed_by, "
                                 "r.id");
    assert_non_null(from);
    assert_non_null(to);
    from += strlen("SELECT o.id, ");
    char got[2048] = "";
    size_t n = 0;
    for (const char *p = from; p < to; p++) {
        if (strncmp(p, "o.", 2) == 0) {
            p++;
            continue;
        }
        if (strncmp(p, "COALESCE(", 9) == 0) {
            p += 8;
            continue;
        }
        if (strncmp(p, ", 0)", 4) == 0) {
            p += 3;
            continue;
        }
        got[n++] = *p;
    }
    got[n] = '\0';
    assert_string_equal(got, SQL_ORDER_COLUMNS);
    assert_non_null(strstr(sel, "r.id, r.type, r.value, r.owner_full_name, r.bank_code, "
                                "r.bank_name_ru, r.bank_name_en, r.currency, r.country_code, "
                                "r.active, r.assigned, r.created_at, r.trader_id, "
                                "r.min_amount, r.max_amount, r.daily_amount, r.daily_count, "
                                "r.max_pending, r.paused, r.device_id, r.bic, r.corr_account "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_round_trip),
        cmocka_unit_test(test_select_lists_the_insert_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
