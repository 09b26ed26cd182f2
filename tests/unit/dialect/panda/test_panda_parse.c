/* test_panda_parse.c: validation of the panda create-order body
 * (dialect/panda.c panda_parse_create): every field's refusal names the
 * field, amounts are read exactly from the JSON text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/panda/panda.h"

static kassa_err parse(const char *body, bool legacy, struct order_create_cmd *cmd, char *msg)
{
    memset(cmd, 0, sizeof *cmd);
    msg[0] = '\0';
    return panda_parse_create(body, strlen(body), legacy, cmd, msg, 512);
}

static void test_seed_legacy_body(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    char msg[512];
    assert_int_equal(parse("{\"amount_rub\":1000.4747448348385,\"requisite_type\":\"SBP\","
                           "\"idempotency_key\":\"k1\"}",
                           true, &cmd, msg),
                     KASSA_OK);
    assert_int_equal(cmd.order.amount, 100047);
    assert_string_equal(cmd.order.currency, "RUB");
    assert_string_equal(cmd.order.requisite_type, "SBP");
    assert_string_equal(cmd.idem_key, "k1");
    assert_int_equal(cmd.order.origin, 1); /* the registry's id of panda */
}

static void test_v1_string_amount_and_options(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    char msg[512];
    assert_int_equal(
        parse("{ \"amount\": \"1000.005\", \"requisite_type\": \"card\", \"idempotency_key\": "
              "\"k\", \"currency\": \"USD\", \"countries\": [\"RUS\", \"KAZ\"], "
              "\"payment_systems\": [\"MIR\"], \"merchant_order_id\": \"m-1\", "
              "\"customer_name\": \"Ivan\", \"bank_code\": \"Sber\"}",
              false, &cmd, msg),
        KASSA_OK);
    assert_int_equal(cmd.order.amount, 100001); /* 1000.005 half-up */
    assert_string_equal(cmd.order.currency, "USD");
    assert_string_equal(cmd.order.countries, "[\"RUS\",\"KAZ\"]");
    assert_string_equal(cmd.order.payment_systems, "[\"MIR\"]");
    assert_string_equal(cmd.order.merchant_order_id, "m-1");
    assert_string_equal(cmd.order.customer_name, "Ivan");
    assert_string_equal(cmd.order.bank_code, "Sber");
}

/* countries: null entries ignored (a production client sends [null] on
 * every RUB order), the strings left kept as text and as the typed filter
 * of the requisite pick; "ANY" or no string left: no filter. */
static void test_countries(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    char msg[512];
    const char *head = "{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\",";
    char body[512];
    snprintf(body, sizeof body, "%s\"countries\":[null]}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_OK);
    assert_string_equal(cmd.order.countries, "[]");
    assert_false(country_filter_active(&cmd.countries));

    snprintf(body, sizeof body, "%s\"countries\":[null,\"UZB\",null,\"KAZ\",\"UZB\"]}", head);
    assert_int_equal(parse(body, true, &cmd, msg), KASSA_OK);
    assert_string_equal(cmd.order.countries, "[\"UZB\",\"KAZ\",\"UZB\"]");
    assert_true(country_filter_active(&cmd.countries));
    assert_int_equal(cmd.countries.n, 2);
    assert_true(country_filter_admits(&cmd.countries, "KAZ"));
    assert_true(country_filter_admits(&cmd.countries, "UZB"));
    assert_false(country_filter_admits(&cmd.countries, "RUS"));

    snprintf(body, sizeof body, "%s\"countries\":[\"KAZ\",\"ANY\"]}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_OK);
    assert_string_equal(cmd.order.countries, "[\"KAZ\",\"ANY\"]");
    assert_false(country_filter_active(&cmd.countries));

    snprintf(body, sizeof body, "%s\"countries\":null}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_OK);
    assert_string_equal(cmd.order.countries, "");
    assert_false(country_filter_active(&cmd.countries));

    /* Still refused: another non-string, an unknown country, and a null in
     * payment_systems (only countries' nulls are known in the wild). */
    snprintf(body, sizeof body, "%s\"countries\":[null,5]}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_EINVAL);
    assert_string_equal(msg, "countries: must be an array of strings");
    snprintf(body, sizeof body, "%s\"countries\":[null,\"MARS\"]}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_EINVAL);
    assert_string_equal(msg, "countries: unknown value 'MARS'");
    snprintf(body, sizeof body, "%s\"payment_systems\":[null]}", head);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_EINVAL);
    assert_string_equal(msg, "payment_systems: must be an array of strings");
}

static void test_integer_amount_beyond_64_bits_is_the_amounts_error(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    char msg[512];
    assert_int_equal(parse("{\"amount\":99999999999999999999999,\"requisite_type\":\"SBP\","
                           "\"idempotency_key\":\"k\"}",
                           false, &cmd, msg),
                     KASSA_EINVAL);
    assert_string_equal(msg, "amount: amount is out of range");
}

struct refusal {
    const char *body;
    bool legacy;
    const char *msg;
};

static void test_refusals_name_the_field(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{", false, NULL}, /* jansson's text; checked by prefix below */
        {"[1]", false, "request body must be a JSON object"},
        {"{\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false, "amount: required"},
        {"{\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", true, "amount_rub: required"},
        {"{\"amount\":\"0\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: amount must be greater than zero"},
        {"{\"amount\":\"0.004\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: amount must be greater than zero"},
        {"{\"amount\":\"-5\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: amount must not be negative"},
        {"{\"amount\":\"1e3\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: amount is not a plain decimal number"},
        {"{\"amount\":1e3,\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: amount is not a plain decimal number"},
        {"{\"amount\":true,\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\"}", false,
         "amount: must be a decimal number or a string holding one"},
        {"{\"amount\":\"10\",\"idempotency_key\":\"k\"}", false, "requisite_type: required"},
        {"{\"amount\":\"10\",\"requisite_type\":\"sbp\",\"idempotency_key\":\"k\"}", false,
         "requisite_type: unknown value 'sbp'"},
        {"{\"amount\":\"10\",\"requisite_type\":5,\"idempotency_key\":\"k\"}", false,
         "requisite_type: must be a string"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\"}", false, "idempotency_key: required"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"\"}", false,
         "idempotency_key: must not be empty"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\","
         "\"currency\":\"XXX\"}",
         false, "currency: unknown currency 'XXX'"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\","
         "\"countries\":\"RUS\"}",
         false, "countries: must be an array of strings"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\","
         "\"countries\":[\"MARS\"]}",
         false, "countries: unknown value 'MARS'"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\","
         "\"payment_systems\":[1]}",
         false, "payment_systems: must be an array of strings"},
        {"{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"k\","
         "\"merchant_order_id\":7}",
         false, "merchant_order_id: must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct order_create_cmd cmd;
        char msg[512];
        assert_int_equal(parse(cases[i].body, cases[i].legacy, &cmd, msg), KASSA_EINVAL);
        if (cases[i].msg)
            assert_string_equal(msg, cases[i].msg);
        else
            assert_memory_equal(msg, "invalid JSON: ", 14);
    }
}

static void test_duplicate_keys_refused(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    char msg[512];
    assert_int_equal(parse("{\"amount\":\"10\",\"amount\":\"20\",\"requisite_type\":\"SBP\","
                           "\"idempotency_key\":\"k\"}",
                           false, &cmd, msg),
                     KASSA_EINVAL);
    assert_memory_equal(msg, "invalid JSON: ", 14);
    assert_non_null(strstr(msg, "duplicate"));
}

static void test_long_strings_refused(void **state)
{
    (void)state;
    char body[2048], long_id[300];
    memset(long_id, 'x', 256);
    long_id[256] = '\0'; /* 256 bytes: one too many */
    snprintf(body, sizeof body,
             "{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"%s\"}", long_id);
    struct order_create_cmd cmd;
    char msg[512];
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_EINVAL);
    assert_string_equal(msg, "idempotency_key: must be at most 255 bytes");
    long_id[255] = '\0'; /* 255 bytes: fits */
    snprintf(body, sizeof body,
             "{\"amount\":\"10\",\"requisite_type\":\"SBP\",\"idempotency_key\":\"%s\"}", long_id);
    assert_int_equal(parse(body, false, &cmd, msg), KASSA_OK);
    assert_int_equal(strlen(cmd.idem_key), 255);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_legacy_body),
        cmocka_unit_test(test_v1_string_amount_and_options),
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_integer_amount_beyond_64_bits_is_the_amounts_error),
        cmocka_unit_test(test_refusals_name_the_field),
        cmocka_unit_test(test_duplicate_keys_refused),
        cmocka_unit_test(test_long_strings_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
