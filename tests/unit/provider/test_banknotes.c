/* test_banknotes.c: bank notification templates (provider/banknotes.c):
 * every shipped template against the public texts of spec p2p.md and
 * variants, texts that must not read as a credit, amounts as banks write
 * them, and operator files (override, new bank, disabling, exact errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "provider/banknotes.h"

static struct banknote_templates *shipped;

static int setup(void **state)
{
    (void)state;
    char err[512] = "";
    kassa_err rc = banknote_templates_load(NULL, &shipped, err, sizeof err);
    if (rc != KASSA_OK)
        fprintf(stderr, "shipped templates: %s\n", err);
    return rc == KASSA_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    banknote_templates_free(shipped);
    return 0;
}

static kassa_err sms(const struct banknote_templates *set, const char *sender, const char *text,
                     struct banknote_result *r)
{
    struct banknote n = {.source = BANKNOTE_SMS, .sender = sender, .text = text};
    return banknote_parse(set, &n, r);
}

static kassa_err push(const struct banknote_templates *set, const char *package, const char *title,
                      const char *text, struct banknote_result *r)
{
    struct banknote n = {.source = BANKNOTE_PUSH, .package = package, .title = title, .text = text};
    return banknote_parse(set, &n, r);
}

/* Every field of a read notification; balance < INT64_MIN + 1: none. */
#define NO_BALANCE INT64_MIN
static void expect(const struct banknote_result *r, const char *id, const char *bank,
                   enum banknote_kind kind, int64_t amount, const char *currency, int64_t balance,
                   const char *payer, const char *last4)
{
    assert_non_null(r->template_id);
    assert_string_equal(r->template_id, id);
    assert_string_equal(r->bank, bank);
    assert_string_equal(banknote_kind_name(r->kind), banknote_kind_name(kind));
    assert_int_equal(r->amount, amount);
    assert_non_null(r->currency);
    assert_string_equal(r->currency->code, currency);
    if (balance == NO_BALANCE) {
        assert_false(r->has_balance);
    } else {
        assert_true(r->has_balance);
        assert_int_equal(r->balance, balance);
    }
    assert_string_equal(r->payer, payer);
    assert_string_equal(r->last4, last4);
}

/* The public fixtures of spec p2p.md, exactly. */

static void test_sber_fixtures(void **state)
{
    (void)state;
    struct banknote_result r;
    assert_int_equal(
        sms(shipped, "900", "СЧЁТ1234 00:21 Перевод 140р от Сергей С. Баланс: 879.81р", &r),
        KASSA_OK);
    expect(&r, "sber.transfer_in", "Sber", BANKNOTE_CREDIT, 14000, "RUB", 87981, "Сергей С.",
           "1234");
    assert_int_equal(sms(shipped, "900", "СЧЁТ1234 16:36 Зачисление 1 000р Баланс: 1 123.48р", &r),
                     KASSA_OK);
    expect(&r, "sber.credit", "Sber", BANKNOTE_CREDIT, 100000, "RUB", 112348, "", "1234");
    assert_int_equal(sms(shipped, "900", "MIR-1234 20:55 зачисление 47.33р Баланс: 681.81р", &r),
                     KASSA_OK);
    expect(&r, "sber.credit", "Sber", BANKNOTE_CREDIT, 4733, "RUB", 68181, "", "1234");
}

static void test_tbank_fixture(void **state)
{
    (void)state;
    struct banknote_result r;
    assert_int_equal(push(shipped, "com.idamob.tinkoff.android", "Т-Банк",
                          "Пополнение, счет RUB. 236 RUB. Сергей С. Доступно 713.79 RUB", &r),
                     KASSA_OK);
    expect(&r, "tbank.credit", "T-Bank", BANKNOTE_CREDIT, 23600, "RUB", 71379, "Сергей С.", "");
}

static void test_alfa_fixture(void **state)
{
    (void)state;
    struct banknote_result r;
    assert_int_equal(sms(shipped, "Alfa-Bank",
                         "**4228; Postupleniye; Summa: 1500 RUR; Ostatok: 1609,11 RUR; 28.02.2018",
                         &r),
                     KASSA_OK);
    expect(&r, "alfa.credit_translit", "Alfa-Bank", BANKNOTE_CREDIT, 150000, "RUB", 160911, "",
           "4228");
}

/* Variants: thousands with spaces and NBSP, comma decimals, no payer,
 * case, sender spelling, the push twin of an SMS. */

static void test_sber_variants(void **state)
{
    (void)state;
    struct banknote_result r;
    /* NBSP (U+00A0) and narrow NBSP (U+202F) between thousands. */
    assert_int_equal(sms(shipped, "900",
                         "СЧЁТ1234 16:36 Зачисление 12\xC2\xA0"
                         "500р Баланс: 1\xE2\x80\xAF"
                         "123,48р",
                         &r),
                     KASSA_OK);
    expect(&r, "sber.credit", "Sber", BANKNOTE_CREDIT, 1250000, "RUB", 112348, "", "1234");
    /* "Е" for "Ё", upper case, a comma decimal, a line break, "₽". */
    assert_int_equal(
        sms(shipped, "900",
            "СЧЕТ5678 09:05 ПЕРЕВОД 1 609,11 ₽ от ИВАН ПЕТРОВИЧ "
            "И.\nБаланс: "
            "0.00 "
            "₽",
            &r),
        KASSA_OK);
    expect(&r, "sber.transfer_in", "Sber", BANKNOTE_CREDIT, 160911, "RUB", 0, "ИВАН ПЕТРОВИЧ И.",
           "5678");
    /* Without the time; a transfer from another bank with "+". */
    assert_int_equal(
        sms(shipped, "900", "СЧЁТ1234 Перевод из Т-Банк +2 000р от Анна К. Баланс: 2 879.81р", &r),
        KASSA_OK);
    expect(&r, "sber.transfer_in", "Sber", BANKNOTE_CREDIT, 200000, "RUB", 287981, "Анна К.",
           "1234");
    /* The same text as a push of the Sber app. */
    assert_int_equal(push(shipped, "ru.sberbankmobile", "",
                          "MIR-9876 20:55 зачисление 47.33р Баланс: 681.81р", &r),
                     KASSA_OK);
    expect(&r, "sber.credit", "Sber", BANKNOTE_CREDIT, 4733, "RUB", 68181, "", "9876");
}

static void test_other_banks(void **state)
{
    (void)state;
    struct banknote_result r;
    assert_int_equal(
        sms(shipped, "TINKOFF",
            "Пополнение через СБП. Счет RUB. 1 500,50 ₽. Иван И. "
            "Доступно "
            "2 "
            "000 "
            "₽",
            &r),
        KASSA_OK);
    expect(&r, "tbank.credit", "T-Bank", BANKNOTE_CREDIT, 150050, "RUB", 200000, "Иван И.", "");
    /* No payer. */
    assert_int_equal(push(shipped, "com.idamob.tinkoff.android", NULL,
                          "Пополнение, карта *4321. 10 000 RUB. Доступно 10 713.79 RUB", &r),
                     KASSA_OK);
    expect(&r, "tbank.credit", "T-Bank", BANKNOTE_CREDIT, 1000000, "RUB", 1071379, "", "4321");
    assert_int_equal(
        sms(shipped, "VTB", "Поступление 1500р Счет*1234 от ИВАН И. Баланс 10000.50р 12:34", &r),
        KASSA_OK);
    expect(&r, "vtb.credit", "VTB", BANKNOTE_CREDIT, 150000, "RUB", 1000050, "ИВАН И.", "1234");
    assert_int_equal(
        push(shipped, "ru.ozon.fintech.finance", "Ozon Банк",
             "Пополнение на 1 500 ₽ от Иван И. Баланс 2 000 ₽", &r),
        KASSA_OK);
    expect(&r, "ozon.credit", "Ozon Bank", BANKNOTE_CREDIT, 150000, "RUB", 200000, "Иван И.", "");
    assert_int_equal(
        push(shipped, "ru.ozon.fintech.finance", NULL,
             "Входящий перевод 250,50 ₽. Доступно 3 250,50 ₽", &r),
        KASSA_OK);
    expect(&r, "ozon.credit", "Ozon Bank", BANKNOTE_CREDIT, 25050, "RUB", 325050, "", "");
    assert_int_equal(
        sms(shipped, "AlfaBank",
            "Пополнение *1234 на 1 500,00 ₽ от Иван И. Баланс: 10 000 "
            "₽",
            &r),
        KASSA_OK);
    expect(&r, "alfa.credit", "Alfa-Bank", BANKNOTE_CREDIT, 150000, "RUB", 1000000, "Иван И.",
           "1234");
}

/* Texts that must never read as a credit. */

static void expect_not_credit(kassa_err rc, const struct banknote_result *r, const char *id)
{
    assert_int_not_equal(r->kind, BANKNOTE_CREDIT);
    if (id == NULL) {
        assert_int_equal(rc, KASSA_ENOTFOUND);
        assert_null(r->template_id);
    } else {
        assert_int_equal(rc, KASSA_OK);
        assert_string_equal(r->template_id, id);
    }
}

static void test_debits(void **state)
{
    (void)state;
    struct banknote_result r;
    kassa_err rc =
        sms(shipped, "900", "СЧЁТ1234 12:00 Покупка 500р PYATEROCHKA Баланс: 879.81р", &r);
    expect_not_credit(rc, &r, "sber.debit");
    expect(&r, "sber.debit", "Sber", BANKNOTE_DEBIT, 50000, "RUB", 87981, "", "1234");
    rc = sms(shipped, "900", "СЧЁТ1234 12:00 Списание 1 000р Баланс: 879.81р", &r);
    expect_not_credit(rc, &r, "sber.debit");
    assert_int_equal(r.amount, 100000);
    /* An outgoing transfer: "Перевод" with no "от". */
    rc = sms(shipped, "900", "СЧЁТ1234 12:00 Перевод 140р Баланс: 739.81р", &r);
    expect_not_credit(rc, &r, "sber.debit");
    rc = sms(shipped, "900", "СЧЁТ1234 12:00 Перевод 140р для Сергей С. Баланс: 739.81р", &r);
    expect_not_credit(rc, &r, "sber.debit");
    rc = sms(shipped, "Tinkoff", "Покупка, карта *1234. 500 RUB. PYATEROCHKA. Доступно 713.79 RUB",
             &r);
    expect_not_credit(rc, &r, "tbank.debit");
    expect(&r, "tbank.debit", "T-Bank", BANKNOTE_DEBIT, 50000, "RUB", 71379, "", "1234");
    rc = sms(shipped, "Tinkoff", "Перевод, счет RUB. 1 000 RUB. Сергей С. Доступно 713.79 RUB", &r);
    expect_not_credit(rc, &r, "tbank.debit");
    expect(&r, "tbank.debit", "T-Bank", BANKNOTE_DEBIT, 100000, "RUB", 71379, "", "");
    rc = sms(shipped, "Alfa-Bank",
             "**4228; Pokupka; Uspeshno; Summa: 500 RUR; Ostatok: 1109,11 RUR; 28.02.2018", &r);
    expect_not_credit(rc, &r, "alfa.debit_translit");
    expect(&r, "alfa.debit_translit", "Alfa-Bank", BANKNOTE_DEBIT, 50000, "RUB", NO_BALANCE, "",
           "4228");
    rc = push(shipped, "ru.alfabank.mobile.android", NULL,
              "Покупка *1234 на 500 ₽ PYATEROCHKA", &r);
    expect(&r, "alfa.debit", "Alfa-Bank", BANKNOTE_DEBIT, 50000, "RUB", NO_BALANCE, "", "1234");
    rc = sms(shipped, "VTB", "Списание 500р Карта*1234 PYATEROCHKA Баланс 1000р 12:00", &r);
    expect_not_credit(rc, &r, "vtb.debit");
    expect(&r, "vtb.debit", "VTB", BANKNOTE_DEBIT, 50000, "RUB", NO_BALANCE, "", "1234");
    rc = push(shipped, "ru.ozon.fintech.finance", NULL,
              "Перевод 500 ₽ Иван И. Баланс 2 000 ₽", &r);
    expect_not_credit(rc, &r, "ozon.debit");
    expect(&r, "ozon.debit", "Ozon Bank", BANKNOTE_DEBIT, 50000, "RUB", NO_BALANCE, "", "");
}

static void test_not_credits(void **state)
{
    (void)state;
    struct banknote_result r;
    static const struct {
        const char *sender, *text;
    } texts[] = {
        /* Balance only. */
        {"900", "СЧЁТ1234 Баланс: 879.81р"},
        {"Tinkoff", "Доступно 713.79 RUB"},
        /* The only numbers are a balance and card digits. */
        {"900", "MIR-1234 Баланс: 681.81р"},
        {"VTB", "Карта*1234 Баланс 10000.50р"},
        /* One-time codes. */
        {"900", "Код: 123456. Никому его не сообщайте. Зачисление 1000р не требует кода"},
        {"Tinkoff", "Никому не говорите код 4821! Вход в Т-Банк"},
        {"900", "Пароль для подтверждения перевода 1500р: 38291"},
        /* Advertising. */
        {"900", "Кэшбэк до 30% и 1 000р на счёт за первую покупку! Баланс ваших бонусов: 500"},
        {"Ozon Bank", "Пополните баланс на 1 000 ₽ и получите 500 ₽ "
                      "бонусами"},
        /* A credit's words with no amount the template reads. */
        {"900", "СЧЁТ1234 16:36 Зачисление Баланс: 1 123.48р"},
        {"900", ""},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        kassa_err rc = sms(shipped, texts[i].sender, texts[i].text, &r);
        if (rc != KASSA_ENOTFOUND)
            fail_msg("text %zu read as %s by %s", i, banknote_kind_name(r.kind),
                     r.template_id ? r.template_id : "-");
        assert_int_equal(r.kind, BANKNOTE_OTHER);
    }
}

/* A credit's text from a sender or package no template lists, or with
 * none, reads as nothing: any SMS could say "Зачисление". */
static void test_sender_required(void **state)
{
    (void)state;
    struct banknote_result r;
    const char *t = "СЧЁТ1234 16:36 Зачисление 1 000р Баланс: 1 123.48р";
    assert_int_equal(sms(shipped, "", t, &r), KASSA_ENOTFOUND);
    assert_int_equal(sms(shipped, NULL, t, &r), KASSA_ENOTFOUND);
    assert_int_equal(sms(shipped, "+79001234567", t, &r), KASSA_ENOTFOUND);
    assert_int_equal(push(shipped, "", NULL, t, &r), KASSA_ENOTFOUND);
    assert_int_equal(push(shipped, "com.evil.app", NULL, t, &r), KASSA_ENOTFOUND);
    /* An SMS is known by its sender, not its package. */
    struct banknote n = {.source = BANKNOTE_SMS, .package = "ru.sberbankmobile", .text = t};
    assert_int_equal(banknote_parse(shipped, &n, &r), KASSA_ENOTFOUND);
    assert_null(r.template_id);
}

/* A template that matched but whose amount is unreadable says so and
 * yields no credit. */
static void test_unreadable_amount(void **state)
{
    (void)state;
    struct banknote_result r;
    /* "1,500": thousands or a decimal comma? Refused, not guessed. */
    assert_int_equal(sms(shipped, "900", "СЧЁТ1234 16:36 Зачисление 1,500р Баланс: 1 123.48р", &r),
                     KASSA_EMONEY_SYNTAX);
    assert_string_equal(r.template_id, "sber.credit");
    assert_int_equal(r.kind, BANKNOTE_OTHER);
    assert_int_equal(r.amount, 0);
    /* More places than the currency has. */
    assert_int_equal(sms(shipped, "900", "СЧЁТ1234 16:36 Зачисление 10.505р Баланс: 1 123.48р", &r),
                     KASSA_EMONEY_SYNTAX);
    assert_int_equal(r.kind, BANKNOTE_OTHER);
    assert_int_equal(sms(shipped, "900", "СЧЁТ1234 16:36 Зачисление 0р Баланс: 1 123.48р", &r),
                     KASSA_EMONEY_ZERO);
    char big[BANKNOTE_TEXT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sms(shipped, "900", big, &r), KASSA_ETOOBIG);
    assert_null(r.template_id);
}

static void amount_ok(const char *s, int64_t want, const char *code)
{
    int64_t v = -1;
    const kassa_currency *c = NULL;
    kassa_err rc = banknote_amount_parse(s, strlen(s), kassa_currency_find("RUB"),
                                         KASSA_MONEY_POSITIVE, &v, &c);
    if (rc != KASSA_OK)
        fail_msg("\"%s\": %s", s, kassa_strerror(rc));
    assert_int_equal(v, want);
    assert_string_equal(c->code, code);
}

static void amount_bad(const char *s, kassa_err want)
{
    int64_t v = -1;
    const kassa_currency *c = NULL;
    kassa_err rc = banknote_amount_parse(s, strlen(s), kassa_currency_find("RUB"),
                                         KASSA_MONEY_POSITIVE, &v, &c);
    if (rc != want)
        fail_msg("\"%s\": %s, want %s", s, kassa_strerror(rc), kassa_strerror(want));
    assert_int_equal(v, -1);
}

static void test_amounts(void **state)
{
    (void)state;
    amount_ok("140р", 14000, "RUB");
    amount_ok("140р.", 14000, "RUB");
    amount_ok("1 000", 100000, "RUB");
    amount_ok("1\xC2\xA0"
              "000 ₽",
              100000, "RUB");
    amount_ok("1 123.48р", 112348, "RUB");
    amount_ok("1609,11", 160911, "RUB");
    amount_ok("1 609,11 RUR", 160911, "RUB");
    amount_ok("1,000,000.5", 100000050, "RUB");
    amount_ok("1.000.000,05", 100000005, "RUB");
    amount_ok("236 RUB", 23600, "RUB");
    amount_ok("₽ 140", 14000, "RUB");
    amount_ok("$5.10", 510, "USD");
    amount_ok("12 руб.", 1200, "RUB");
    amount_ok("+1500", 150000, "RUB");
    amount_ok("7 EUR", 700, "EUR");
    amount_bad("1,500", KASSA_EMONEY_SYNTAX);
    amount_bad("1.500", KASSA_EMONEY_SYNTAX);
    amount_bad("1.005", KASSA_EMONEY_SYNTAX);
    amount_bad("10 00", KASSA_EMONEY_SYNTAX);
    amount_bad("1 000.000,00", KASSA_EMONEY_SYNTAX);
    amount_bad("1,000 000", KASSA_EMONEY_SYNTAX);
    amount_bad("12 XYZ", KASSA_ECURRENCY);
    amount_bad("12 ₽ $", KASSA_ECURRENCY);
    amount_bad("$12 ₽", KASSA_ECURRENCY);
    amount_bad("р", KASSA_EMONEY_SYNTAX);
    amount_bad("", KASSA_EMONEY_EMPTY);
    amount_bad("0", KASSA_EMONEY_ZERO);
    amount_bad("-5", KASSA_EMONEY_NEGATIVE);
    amount_bad("99999999999999999999", KASSA_EMONEY_RANGE);
    /* No mark and no default: no currency. */
    int64_t v = 0;
    const kassa_currency *c = NULL;
    assert_int_equal(banknote_amount_parse("12", 2, NULL, 0, &v, &c), KASSA_ECURRENCY);
    /* A balance may be negative (U+2212 too) or zero. */
    assert_int_equal(banknote_amount_parse("\xE2\x88\x92"
                                           "12,50",
                                           8, NULL, KASSA_MONEY_ALLOW_NEGATIVE, &v, &c),
                     KASSA_ECURRENCY);
    assert_int_equal(banknote_amount_parse("\xE2\x88\x92"
                                           "12,50р",
                                           10, NULL, KASSA_MONEY_ALLOW_NEGATIVE, &v, &c),
                     KASSA_OK);
    assert_int_equal(v, -1250);
}

static void test_fold(void **state)
{
    (void)state;
    char out[64], shown[64];
    const char *in = "  СЧЁТ\xC2\xA0\xE2\x80\x8B"
                     "12\t\n34 Ёж  ";
    size_t n = banknote_fold(in, strlen(in), out, shown, sizeof out - 1);
    assert_int_equal(n, strlen("счет 12 34 еж"));
    assert_string_equal(out, "счет 12 34 еж");
    assert_string_equal(shown, "СЧЁТ 12 34 Ёж");
    assert_int_equal(banknote_fold(in, strlen(in), out, NULL, 4), (size_t)-1);
}

static const char *const good_overlay =
    "{\"templates\": ["
    /* A new bank: tried before every shipped template. */
    " {\"id\": \"mybank.credit\", \"bank\": \"My Bank\", \"senders\": [\"MYBANK\"],"
    "  \"kind\": \"credit\", \"currency\": \"RUB\","
    "  \"pattern\": \"^приход ([0-9 ]+) на \\\\*([0-9]{4})( от (.+))?$\","
    "  \"groups\": {\"amount\": 1, \"last4\": 2, \"payer\": 4}},"
    /* A shipped one overridden: T-Bank's push now also reads a title. */
    " {\"id\": \"tbank.credit\", \"bank\": \"T-Bank (ours)\","
    "  \"packages\": [\"com.idamob.tinkoff.android\"], \"title\": \"^пополнение$\","
    "  \"kind\": \"credit\", \"pattern\": \"^([0-9 ]+) rub от (.+)$\","
    "  \"currency\": \"RUB\", \"groups\": {\"amount\": 1, \"payer\": 2}},"
    /* One turned off. */
    " {\"id\": \"vtb.credit\", \"disabled\": true}"
    "]}";

static void test_overlay(void **state)
{
    (void)state;
    struct banknote_templates *set = NULL;
    char err[512] = "";
    assert_int_equal(banknote_templates_from_json(NULL, 0, good_overlay, strlen(good_overlay),
                                                  "ops.json", &set, err, sizeof err),
                     KASSA_OK);
    assert_string_equal(err, "");
    assert_int_equal(banknote_templates_count(set), banknote_templates_count(shipped));
    assert_string_equal(banknote_template_id(set, 0), "mybank.credit");
    assert_string_equal(banknote_template_senders(set, 0)[0], "MYBANK");
    assert_null(banknote_template_senders(set, 0)[1]);
    struct banknote_result r;
    assert_int_equal(sms(set, "mybank", "ПРИХОД 2 500 на *7777 от Пётр П.", &r), KASSA_OK);
    expect(&r, "mybank.credit", "My Bank", BANKNOTE_CREDIT, 250000, "RUB", NO_BALANCE, "Пётр П.",
           "7777");
    /* The override replaced the shipped tbank.credit in its place. */
    assert_int_equal(push(set, "com.idamob.tinkoff.android", "Пополнение",
                          "Пополнение, счет RUB. 236 RUB. Сергей С. Доступно 713.79 RUB", &r),
                     KASSA_ENOTFOUND);
    assert_int_equal(
        push(set, "com.idamob.tinkoff.android", "Пополнение", "300 RUB от Олег О.", &r), KASSA_OK);
    expect(&r, "tbank.credit", "T-Bank (ours)", BANKNOTE_CREDIT, 30000, "RUB", NO_BALANCE,
           "Олег О.", "");
    assert_int_equal(push(set, "com.idamob.tinkoff.android", "Реклама", "300 RUB от Олег О.", &r),
                     KASSA_ENOTFOUND);
    /* The disabled one is gone; the other shipped ones are all there. */
    assert_int_equal(sms(set, "VTB", "Поступление 1500р Счет*1234 Баланс 10000.50р", &r),
                     KASSA_ENOTFOUND);
    assert_int_equal(sms(set, "900", "СЧЁТ1234 16:36 Зачисление 1 000р Баланс: 1 123.48р", &r),
                     KASSA_OK);
    assert_string_equal(r.template_id, "sber.credit");
    banknote_templates_free(set);
}

/* The example of docs/p2p.md, as written there. */
static void test_doc_example(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"templates\": [{\"id\": \"mybank.credit\", \"bank\": \"My Bank\", "
        "\"senders\": [\"MYBANK\"], \"packages\": [\"com.mybank.app\"], "
        "\"title\": \"^поступление$\", "
        "\"pattern\": \"^приход ([0-9][0-9 ]*[.,]?[0-9]*) ?(р|руб|₽|rub) на "
        "\\\\*([0-9]{4})( "
        "от "
        "(.+))? баланс:? (-?[0-9][0-9 ]*[.,]?[0-9]*)\", \"kind\": \"credit\", \"currency\": "
        "\"RUB\", \"groups\": {\"amount\": 1, \"currency\": 2, \"last4\": 3, \"payer\": 5, "
        "\"balance\": 6}, \"origin\": \"assumption\", \"note\": \"what the texts look like\"}, "
        "{\"id\": \"vtb.credit\", \"disabled\": true}]}";
    struct banknote_templates *set = NULL;
    char err[512] = "";
    assert_int_equal(
        banknote_templates_from_json(NULL, 0, doc, strlen(doc), "doc", &set, err, sizeof err),
        KASSA_OK);
    struct banknote_result r;
    const char *t = "Приход 2 500,00 ₽ на *7777 от Пётр П. Баланс: 10 000";
    assert_int_equal(sms(set, "MyBank", t, &r), KASSA_OK);
    expect(&r, "mybank.credit", "My Bank", BANKNOTE_CREDIT, 250000, "RUB", 1000000, "Пётр П.",
           "7777");
    assert_int_equal(push(set, "com.mybank.app", "Поступление", t, &r), KASSA_OK);
    assert_string_equal(r.template_id, "mybank.credit");
    assert_int_equal(push(set, "com.mybank.app", "Акция", t, &r), KASSA_ENOTFOUND);
    banknote_templates_free(set);
}

static void test_overlay_file(void **state)
{
    (void)state;
    char path[] = "/tmp/kassa-banknotes-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, good_overlay, strlen(good_overlay)), (ssize_t)strlen(good_overlay));
    close(fd);
    struct banknote_templates *set = NULL;
    char err[512] = "";
    assert_int_equal(banknote_templates_load(path, &set, err, sizeof err), KASSA_OK);
    assert_string_equal(banknote_template_bank(set, 0), "My Bank");
    banknote_templates_free(set);
    unlink(path);
    char want[600];
    assert_int_equal(banknote_templates_load(path, &set, err, sizeof err), KASSA_EIO);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_string_equal(err, want);
    assert_null(set);
}

/* A bad file: the exact message names the file, the template, the field. */
static void bad(const char *doc, const char *want)
{
    struct banknote_templates *set = (struct banknote_templates *)1;
    char err[512] = "";
    assert_int_equal(
        banknote_templates_from_json(NULL, 0, doc, strlen(doc), "ops.json", &set, err, sizeof err),
        KASSA_EINVAL);
    assert_null(set);
    assert_string_equal(err, want);
}

#define T0 "{\"templates\": [{\"id\": \"x\", \"bank\": \"X\", \"senders\": [\"X\"], "

static void test_bad_files(void **state)
{
    (void)state;
    bad("{\"templates\": [", "ops.json:1:15: ']' expected near end of file");
    bad("[]", "ops.json: must be a JSON object {\"templates\": [...]}");
    bad("{\"templates\": {}}", "ops.json: \"templates\": must be a list");
    bad("{\"templates\": [], \"extra\": 1}", "ops.json: \"extra\": unknown field");
    bad("{\"templates\": [{\"bank\": \"X\"}]}",
        "ops.json: template #1: \"id\": must be a string of 1 to 64 bytes");
    bad(T0 "\"kind\": \"credit\", \"pattern\": \"(\", \"groups\": {\"amount\": 1}}]}",
        "ops.json: template \"x\": \"pattern\": not a POSIX extended regular expression: "
        "Unmatched ( or \\(");
    bad(T0 "\"kind\": \"credit\", \"pattern\": \"^a ([0-9]+)\", \"groups\": {\"amount\": 2}}]}",
        "ops.json: template \"x\": \"groups.amount\": must be a group of the pattern, 1 to 1");
    bad(T0 "\"kind\": \"credit\", \"pattern\": \"^a ([0-9]+)\"}]}",
        "ops.json: template \"x\": \"groups.amount\": a credit template must say which group is "
        "the amount");
    bad(T0 "\"kind\": \"refund\", \"pattern\": \"^a\"}]}",
        "ops.json: template \"x\": \"kind\": must be \"credit\", \"debit\" or \"other\"");
    bad(T0 "\"kind\": \"other\", \"pattern\": \"^a\", \"currency\": \"XXX\"}]}",
        "ops.json: template \"x\": \"currency\": must be a currency code kassa knows (\"RUB\")");
    bad(T0 "\"kind\": \"other\", \"pattern\": \"^a\", \"groups\": {\"sum\": 1}}]}",
        "ops.json: template \"x\": \"groups.sum\": unknown group (amount, currency, payer, "
        "last4, balance)");
    bad(T0 "\"kind\": \"other\", \"pattern\": \"^a\", \"sender\": \"900\"}]}",
        "ops.json: template \"x\": \"sender\": unknown field");
    bad("{\"templates\": [{\"id\": \"x\", \"bank\": \"X\", \"kind\": \"other\", \"pattern\": "
        "\"^a\"}]}",
        "ops.json: template \"x\": \"senders\": a template needs at least one sender or package");
    bad("{\"templates\": [{\"id\": \"x\", \"bank\": \"X\", \"senders\": [\"\"], \"kind\": "
        "\"other\", \"pattern\": \"^a\"}]}",
        "ops.json: template \"x\": \"senders\": item 1 must be a string of 1 to 64 bytes");
    bad(T0 "\"kind\": \"other\", \"title\": \"[\", \"pattern\": \"^a\"}]}",
        "ops.json: template \"x\": \"title\": not a POSIX extended regular expression: "
        "Invalid regular expression");
    bad(T0 "\"kind\": \"other\", \"pattern\": \"\"}]}",
        "ops.json: template \"x\": \"pattern\": empty");
    bad(T0 "\"kind\": \"other\", \"pattern\": \"^a\"}, {\"id\": \"x\"}]}",
        "ops.json: template \"x\": \"id\": used twice");
    /* Overriding a shipped template checks it whole, with the file's name. */
    bad("{\"templates\": [{\"id\": \"sber.credit\", \"bank\": \"Sber\", \"senders\": [\"900\"], "
        "\"kind\": \"credit\", \"pattern\": \"^x\"}]}",
        "ops.json: template \"sber.credit\": \"groups.amount\": a credit template must say which "
        "group is the amount");
}

/* Every shipped template says where its format comes from. */
static void test_shipped_origins(void **state)
{
    (void)state;
    assert_int_equal(banknote_templates_count(shipped), 13);
    static const char *const banks[] = {"Sber", "T-Bank", "Alfa-Bank", "VTB", "Ozon Bank"};
    for (size_t b = 0; b < sizeof banks / sizeof banks[0]; b++) {
        bool found = false;
        for (size_t i = 0; i < banknote_templates_count(shipped); i++)
            found |= strcmp(banknote_template_bank(shipped, i), banks[b]) == 0;
        if (!found)
            fail_msg("no template for %s", banks[b]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sber_fixtures),
        cmocka_unit_test(test_tbank_fixture),
        cmocka_unit_test(test_alfa_fixture),
        cmocka_unit_test(test_sber_variants),
        cmocka_unit_test(test_other_banks),
        cmocka_unit_test(test_debits),
        cmocka_unit_test(test_not_credits),
        cmocka_unit_test(test_sender_required),
        cmocka_unit_test(test_unreadable_amount),
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_overlay_file),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_shipped_origins),
        cmocka_unit_test(test_doc_example),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
