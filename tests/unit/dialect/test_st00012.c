/* test_st00012.c: the payer's QR payloads (src/server/dialect/
 * st00012.c): the GOST R 56042-2014 ST00012 string, its required fields and
 * the cleaning of values ('|' is the separator: never inside a value), the
 * NSPK link check, and which payload an order's requisite gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/st00012.h"

static const struct st00012 OK = {
    .name = "ООО «Ромашка»",
    .personal_acc = "40702810938000012345",
    .bank_name = "ПАО Сбербанк",
    .bic = "044525225",
    .corresp_acc = "30101810400000000225",
    .purpose = "Оплата заказа 42",
    .sum = 150050,
};

static void test_every_required_field_in_order(void **state)
{
    (void)state;
    char out[1024];
    assert_true(st00012_build(&OK, out, sizeof out));
    assert_string_equal(out, "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810938000012345"
                             "|BankName=ПАО Сбербанк|BIC=044525225"
                             "|CorrespAcc=30101810400000000225|Sum=150050"
                             "|Purpose=Оплата заказа 42");
    /* the optional ones left out */
    struct st00012 p = OK;
    p.sum = 0;
    p.purpose = NULL;
    assert_true(st00012_build(&p, out, sizeof out));
    assert_string_equal(out, "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810938000012345"
                             "|BankName=ПАО Сбербанк|BIC=044525225"
                             "|CorrespAcc=30101810400000000225");
}

static void test_a_missing_or_malformed_required_field_gives_none(void **state)
{
    (void)state;
    char out[1024];
    struct st00012 p;
    p = OK, p.personal_acc = "+79990000000"; /* an SBP phone is no account */
    assert_false(st00012_build(&p, out, sizeof out));
    assert_string_equal(out, "");
    p = OK, p.personal_acc = "4070281093800001234"; /* 19 digits */
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.bic = "04452522"; /* 8 digits */
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.bic = "";
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.corresp_acc = "3010181040000000022X";
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.corresp_acc = NULL;
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.name = "";
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.name = " | "; /* nothing left once cleaned */
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.bank_name = NULL;
    assert_false(st00012_build(&p, out, sizeof out));
    p = OK, p.sum = -1;
    assert_false(st00012_build(&p, out, sizeof out));
    /* too small a buffer: none rather than a cut string */
    assert_false(st00012_build(&OK, out, 40));
}

static void test_separator_and_control_characters_cannot_add_fields(void **state)
{
    (void)state;
    char out[1024];
    struct st00012 p = OK;
    p.name = "Ivan|Sum=1";
    p.bank_name = "Bank\nBIC=000000000";
    p.purpose = "  shop | #7 |";
    assert_true(st00012_build(&p, out, sizeof out));
    assert_string_equal(out, "ST00012|Name=Ivan Sum=1|PersonalAcc=40702810938000012345"
                             "|BankName=Bank BIC=000000000|BIC=044525225"
                             "|CorrespAcc=30101810400000000225|Sum=150050|Purpose=shop   #7");
    /* exactly the fields: 7 separators */
    int bars = 0;
    for (const char *c = out; *c; c++)
        bars += *c == '|';
    assert_int_equal(bars, 7);
}

static void test_long_values_are_cut_on_a_character(void **state)
{
    (void)state;
    char name[400], out[2048];
    memset(name, 0, sizeof name);
    for (int i = 0; i < 170; i++)
        memcpy(name + 2 * i, "я", 2); /* 170 two-byte characters */
    struct st00012 p = OK;
    p.name = name;
    p.bank_name = "Банк с очень длинным названием, длиннее сорока пяти символов";
    assert_true(st00012_build(&p, out, sizeof out));
    const char *n = strstr(out, "|Name=") + 6;
    assert_int_equal(strcspn(n, "|"), 320); /* 160 characters */
    const char *b = strstr(out, "|BankName=") + 10;
    assert_memory_equal(b, "Банк с очень длинным названием, длиннее сорок|",
                        strlen("Банк с очень длинным названием, длиннее сорок|"));
}

static void test_nspk_link(void **state)
{
    (void)state;
    assert_true(nspk_link_ok("https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2?type=01"));
    assert_false(nspk_link_ok("https://qr.nspk.ru/"));
    assert_false(nspk_link_ok("http://qr.nspk.ru/AS10"));
    assert_false(nspk_link_ok("https://qr.nspk.ru.evil.example/AS10"));
    assert_false(nspk_link_ok("https://qr.nspk.ru/AS 10"));
    assert_false(nspk_link_ok("+79990000000"));
}

static void test_each_requisite_gets_what_a_bank_app_accepts(void **state)
{
    (void)state;
    char out[2048];
    struct order o = {.id = 7, .amount = 150050};
    strcpy(o.currency, "RUB");
    strcpy(o.pay_token, "0123456789abcdef0123456789abcdef");
    struct requisite r = {0};
    strcpy(r.type, "accountNumber");
    strcpy(r.value, "40702810938000012345");
    strcpy(r.owner_full_name, "Иванов Иван");
    strcpy(r.bank_name_ru, "ПАО Сбербанк");
    strcpy(r.bic, "044525225");
    strcpy(r.corr_account, "30101810400000000225");
    assert_int_equal(pay_qr_text(&o, &r, "Shop|X", out, sizeof out), PAY_QR_ST00012);
    assert_string_equal(out, "ST00012|Name=Иванов Иван|PersonalAcc=40702810938000012345"
                             "|BankName=ПАО Сбербанк|BIC=044525225"
                             "|CorrespAcc=30101810400000000225|Sum=150050|Purpose=Shop X #7");
    /* without its bank's ids: the page's address */
    r.corr_account[0] = '\0';
    assert_int_equal(pay_qr_text(&o, &r, "Shop", out, sizeof out), PAY_QR_PAGE);
    assert_non_null(strstr(out, "/pay/complete/7/0123456789abcdef0123456789abcdef/"));
    /* an SBP phone never becomes an account */
    struct requisite sbp = {0};
    strcpy(sbp.type, "SBP");
    strcpy(sbp.value, "+79990000000");
    assert_int_equal(pay_qr_text(&o, &sbp, "Shop", out, sizeof out), PAY_QR_PAGE);
    assert_null(strstr(out, "ST00012"));
    /* a QR requisite: its NSPK link itself */
    struct requisite qr = {0};
    strcpy(qr.type, "QR");
    strcpy(qr.value, "https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2");
    assert_int_equal(pay_qr_text(&o, &qr, "Shop", out, sizeof out), PAY_QR_NSPK);
    assert_string_equal(out, "https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2");
    strcpy(qr.value, "https://example.com/pay");
    assert_int_equal(pay_qr_text(&o, &qr, "Shop", out, sizeof out), PAY_QR_PAGE);
    /* ST00012 is a rouble payment */
    strcpy(r.corr_account, "30101810400000000225");
    strcpy(o.currency, "USD");
    assert_int_equal(pay_qr_text(&o, &r, "Shop", out, sizeof out), PAY_QR_PAGE);
    assert_int_equal(pay_qr_text(&o, NULL, "Shop", out, sizeof out), PAY_QR_PAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_required_field_in_order),
        cmocka_unit_test(test_a_missing_or_malformed_required_field_gives_none),
        cmocka_unit_test(test_separator_and_control_characters_cannot_add_fields),
        cmocka_unit_test(test_long_values_are_cut_on_a_character),
        cmocka_unit_test(test_nspk_link),
        cmocka_unit_test(test_each_requisite_gets_what_a_bank_app_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
