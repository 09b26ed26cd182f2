/* test_requisites.c: the requisites pool's one rotation rule
 * (provider/requisites.c), over rows in memory (requisites_pick_from, what
 * a grouped create uses). The store half (requisites_pick through the
 * store) runs on both backends in tests/unit/store/test_store_contract.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "provider/requisites.h"

/* A store that only has a serial: requisites_pick_from reads no rows. */
static struct store store_a = {.serial = 900001}, store_b = {.serial = 900002};

static struct requisite rows[16];
static struct requisite_list list = {rows, 0};

static void add(int64_t id, const char *type, const char *currency, const char *bank,
                const char *country, int active)
{
    struct requisite *r = &rows[list.n++];
    memset(r, 0, sizeof *r);
    r->id = id;
    snprintf(r->type, sizeof r->type, "%s", type);
    snprintf(r->currency, sizeof r->currency, "%s", currency);
    snprintf(r->bank_code, sizeof r->bank_code, "%s", bank);
    snprintf(r->country_code, sizeof r->country_code, "%s", country);
    r->active = active;
}

/* One pick of this kind from the rows: the requisite's id, 0 for none. */
static int64_t pick(const struct store *s, const char *type, const char *currency, const char *bank,
                    const struct country_filter *countries)
{
    struct order_reads rd = {
        .requisite_type = type, .currency = currency, .bank_code = bank, .countries = countries};
    requisites_pick_from(s, &list, &rd, 1);
    if (rd.requisite_err == KASSA_ENOTFOUND)
        return 0;
    assert_int_equal(rd.requisite_err, KASSA_OK);
    return rd.requisite.id;
}

static int setup(void **state)
{
    (void)state;
    list.n = 0;
    add(3, "SBP", "RUB", "sber", "RUS", 1);
    add(5, "SBP", "RUB", "", "KAZ", 1);
    add(6, "card", "RUB", "", "RUS", 1);       /* another type */
    add(7, "SBP", "RUB", "tinkoff", "RUS", 0); /* inactive */
    add(8, "SBP", "USD", "", "RUS", 1);        /* another currency */
    add(9, "SBP", "RUB", "sber", "UZB", 1);
    add(12, "SBP", "RUB", "", "RUS", 1);
    return 0;
}

/* By id after the last one given, wrapping around; only active rows of the
 * type and currency. */
static void test_rotation_by_id_wraps(void **state)
{
    (void)state;
    const int64_t want[] = {3, 5, 9, 12, 3, 5, 9, 12, 3};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(pick(&store_a, "SBP", "RUB", "", NULL), want[i]);
}

/* The preferred bank's requisites when it has any (their own rotation),
 * else every bank's. */
static void test_bank_preferred_else_any(void **state)
{
    (void)state;
    assert_int_equal(pick(&store_a, "SBP", "RUB", "sber", NULL), 3);
    assert_int_equal(pick(&store_a, "SBP", "RUB", "sber", NULL), 9);
    assert_int_equal(pick(&store_a, "SBP", "RUB", "sber", NULL), 3);
    /* tinkoff's only requisite is inactive: any bank, from where that
     * rotation stands (test_rotation_by_id_wraps left it at 3). */
    assert_int_equal(pick(&store_a, "SBP", "RUB", "tinkoff", NULL), 5);
    assert_int_equal(pick(&store_a, "SBP", "RUB", NULL, NULL), 9);
}

/* A country filter admits its countries only (country_filter_admits), with
 * a cursor of its own; none admitted: not found. */
static void test_country_filter(void **state)
{
    (void)state;
    struct country_filter kaz_uzb = {0}, tjk = {0}, any = {0};
    assert_true(country_filter_add(&kaz_uzb, "UZB"));
    assert_true(country_filter_add(&kaz_uzb, "KAZ"));
    assert_true(country_filter_add(&tjk, "TJK"));
    assert_true(country_filter_add(&any, "ANY"));
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", &kaz_uzb), 5);
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", &kaz_uzb), 9);
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", &kaz_uzb), 5);
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", &tjk), 0);
    /* "ANY" is no filter: the plain rotation of store_b, from the start. */
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", &any), 3);
    assert_int_equal(pick(&store_b, "SBP", "RUB", "", NULL), 5);
}

/* Each store has its own cursors; a kind nothing serves, and a create that
 * asks for no requisite, get KASSA_ENOTFOUND; so does every create when
 * there are no rows. */
static void test_per_store_and_none(void **state)
{
    (void)state;
    struct store fresh = {.serial = 900003};
    assert_int_equal(pick(&fresh, "card", "RUB", "", NULL), 6);
    assert_int_equal(pick(&fresh, "card", "RUB", "", NULL), 6);
    assert_int_equal(pick(&fresh, "SBP", "EUR", "", NULL), 0);
    struct order_reads rd[2] = {{.requisite_type = "", .currency = "RUB", .bank_code = ""},
                                {.requisite_type = "SBP", .currency = "RUB", .bank_code = ""}};
    requisites_pick_from(&fresh, &list, rd, 2);
    assert_int_equal(rd[0].requisite_err, KASSA_ENOTFOUND);
    assert_int_equal(rd[1].requisite_err, KASSA_OK);
    assert_int_equal(rd[1].requisite.id, 3);
    requisites_pick_from(&fresh, NULL, &rd[1], 1);
    assert_int_equal(rd[1].requisite_err, KASSA_ENOTFOUND);
}

/* In one group, consecutive creates of a kind take consecutive
 * requisites, as creates one by one would. */
static void test_group_rotates(void **state)
{
    (void)state;
    struct store s = {.serial = 900004};
    struct order_reads rd[5];
    for (int i = 0; i < 5; i++)
        rd[i] = (struct order_reads){.requisite_type = "SBP", .currency = "RUB", .bank_code = ""};
    requisites_pick_from(&s, &list, rd, 5);
    const int64_t want[] = {3, 5, 9, 12, 3};
    for (int i = 0; i < 5; i++)
        assert_int_equal(rd[i].requisite.id, want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_by_id_wraps), cmocka_unit_test(test_bank_preferred_else_any),
        cmocka_unit_test(test_country_filter),       cmocka_unit_test(test_per_store_and_none),
        cmocka_unit_test(test_group_rotates),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
