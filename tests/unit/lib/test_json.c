/* test_json.c: kassa_json_raw_member over documents jansson accepts, and
 * its refusals on documents it must not misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kassa/json.h"

static char got[4096];

/* The raw value of `key` in the valid JSON `doc` (checked with jansson
 * first, duplicates allowed only when `dups`), or the error's name. */
static const char *member_of(const char *doc, const char *key, int dups)
{
    const char *val = NULL;
    size_t len = 0;
    json_error_t jerr;
    json_t *j = json_loads(doc, dups ? 0 : JSON_REJECT_DUPLICATES, &jerr);
    kassa_err err;

    if (j == NULL)
        fail_msg("test document is not valid JSON: %s (%s)", doc, jerr.text);
    json_decref(j);
    err = kassa_json_raw_member(doc, strlen(doc), key, &val, &len);
    if (err != KASSA_OK)
        return kassa_err_name(err);
    assert_true(len < sizeof got);
    assert_true(val >= doc && val + len <= doc + strlen(doc));
    memcpy(got, val, len);
    got[len] = '\0';
    return got;
}

static const char *member(const char *doc, const char *key)
{
    return member_of(doc, key, 0);
}

/* For malformed documents: no jansson check. */
static const char *raw(const char *doc, size_t len, const char *key)
{
    const char *val = NULL;
    size_t vlen = 0;
    kassa_err err = kassa_json_raw_member(doc, len, key, &val, &vlen);

    if (err != KASSA_OK)
        return kassa_err_name(err);
    memcpy(got, val, vlen);
    got[vlen] = '\0';
    return got;
}

static void test_seed_body(void **state)
{
    const char *doc = "{\"amount_rub\":1000.4747448348385,\"requisite_type\":\"SBP\","
                      "\"idempotency_key\":\"3f1c2a7e-9b4d-4e1a-8c2f-5d6e7f8a9b0c\"}";

    (void)state;
    assert_string_equal(member(doc, "amount_rub"), "1000.4747448348385");
    assert_string_equal(member(doc, "requisite_type"), "\"SBP\"");
    assert_string_equal(member(doc, "idempotency_key"), "\"3f1c2a7e-9b4d-4e1a-8c2f-5d6e7f8a9b0c\"");
    assert_string_equal(member(doc, "amount"), "ENOTFOUND");
    assert_string_equal(member(doc, "amount_rubx"), "ENOTFOUND");
    assert_string_equal(member(doc, ""), "ENOTFOUND");
    /* a nonce beyond 2^53 keeps every digit */
    assert_string_equal(member("{\"shop_id\":\"x\",\"nonce\":1700000000123456789}", "nonce"),
                        "1700000000123456789");
}

static void test_nested_not_matched(void **state)
{
    (void)state;
    assert_string_equal(member("{\"meta\":{\"amount\":\"1\"},\"list\":[{\"amount\":2},[3,"
                               "\"amount\"]],\"amount\":\"64.18\"}",
                               "amount"),
                        "\"64.18\"");
    assert_string_equal(member("{\"meta\":{\"amount\":1}}", "amount"), "ENOTFOUND");
    assert_string_equal(member("{\"l\":[\"amount\",1,{\"amount\":{\"amount\":[]}}]}", "amount"),
                        "ENOTFOUND");
    assert_string_equal(member("{\"meta\":{\"amount\":1},\"x\":2}", "meta"), "{\"amount\":1}");
    assert_string_equal(member("{\"l\":[1,[2,[3]],{}],\"x\":2}", "l"), "[1,[2,[3]],{}]");
    assert_string_equal(member("{\"l\":[1,[2,[3]],{}],\"x\":2}", "x"), "2");
}

static void test_strings_with_escapes(void **state)
{
    (void)state;
    /* a value that looks like a member */
    assert_string_equal(member("{\"note\":\"\\\"amount\\\":5\",\"amount\":7}", "amount"), "7");
    assert_string_equal(member("{\"note\":\"\\\"amount\\\":5\",\"amount\":7}", "note"),
                        "\"\\\"amount\\\":5\"");
    /* a string ending in a backslash */
    assert_string_equal(member("{\"b\":\"x\\\\\",\"amount\":3}", "amount"), "3");
    assert_string_equal(member("{\"b\":\"x\\\\\",\"amount\":3}", "b"), "\"x\\\\\"");
    assert_string_equal(member("{\"b\":\"\\\\\\\\\\\"\",\"amount\":3}", "amount"), "3");
    /* \u0022 is a quote inside the string, not its end */
    assert_string_equal(member("{\"s\":\"\\u0022amount\\u0022:1,\",\"amount\":2}", "amount"), "2");
    /* braces and brackets inside strings do not nest */
    assert_string_equal(member("{\"s\":\"{[\\\"}\",\"o\":{\"t\":\"]}\"},\"amount\":4}", "amount"),
                        "4");
    /* escaped keys match their decoded text */
    assert_string_equal(member("{\"\\u0061mount\":5}", "amount"), "5");
    assert_string_equal(member("{\"a\\\\\":1,\"a\":2}", "a\\"), "1");
    assert_string_equal(member("{\"a\\\\\":1,\"a\":2}", "a"), "2");
    assert_string_equal(member("{\"a\\\"b\":1}", "a\"b"), "1");
    assert_string_equal(member("{\"\\u00e9t\\u00E9\":1}", "\xc3\xa9t\xc3\xa9"), "1");
    assert_string_equal(member("{\"\xc3\xa9t\xc3\xa9\":1}", "\xc3\xa9t\xc3\xa9"), "1");
    assert_string_equal(member("{\"\\ud83d\\ude00\":1}", "\xf0\x9f\x98\x80"), "1");
    assert_string_equal(member("{\"\\t\\n\\/\":1}", "\t\n/"), "1");
    /* jansson refuses a NUL in a key; the scanner at least never matches it */
    assert_string_equal(raw("{\"amount\\u0000\":1}", 18, "amount"), "ENOTFOUND");
}

static void test_whitespace_and_values(void **state)
{
    const char *doc = " \n\t{ \"amount\" \r\n : \t 1.50 \n , \"b\" : [ 1 , 2 ] ,\"t\":true,"
                      "\"f\" :false , \"n\": null,\"e\":-1.5e3,\"s\":\"\",\"o\" : { } } \n";

    (void)state;
    assert_string_equal(member(doc, "amount"), "1.50");
    assert_string_equal(member(doc, "b"), "[ 1 , 2 ]");
    assert_string_equal(member(doc, "t"), "true");
    assert_string_equal(member(doc, "f"), "false");
    assert_string_equal(member(doc, "n"), "null");
    assert_string_equal(member(doc, "e"), "-1.5e3");
    assert_string_equal(member(doc, "s"), "\"\"");
    assert_string_equal(member(doc, "o"), "{ }");
    assert_string_equal(member(doc, "x"), "ENOTFOUND");
    assert_string_equal(member("{\"a\":12}", "a"), "12");
    assert_string_equal(member("{}", "a"), "ENOTFOUND");
    assert_string_equal(member(" { } ", "a"), "ENOTFOUND");
    /* first match wins */
    assert_string_equal(member_of("{\"a\":1,\"a\":2}", "a", 1), "1");
}

static void test_deep_nesting(void **state)
{
    enum { DEPTH = 1000 };
    char *doc = malloc(2 * DEPTH + 32);
    char *p = doc;
    int i;

    (void)state;
    assert_non_null(doc);
    memcpy(p, "{\"x\":", 5);
    p += 5;
    for (i = 0; i < DEPTH; i++)
        *p++ = '[';
    for (i = 0; i < DEPTH; i++)
        *p++ = ']';
    memcpy(p, ",\"a\":1}", 8);
    assert_string_equal(raw(doc, strlen(doc), "a"), "1");
    free(doc);
}

static void test_not_an_object(void **state)
{
    (void)state;
    assert_string_equal(raw("[1]", 3, "a"), "EINVAL");
    assert_string_equal(raw("1", 1, "a"), "EINVAL");
    assert_string_equal(raw("\"a\"", 3, "a"), "EINVAL");
    assert_string_equal(raw("", 0, "a"), "EINVAL");
    assert_string_equal(raw("   ", 3, "a"), "EINVAL");
    assert_string_equal(raw(NULL, 0, "a"), "EINVAL");
    assert_string_equal(raw("{\"a\":1}", 7, NULL), "EINVAL");
    {
        const char *v;
        size_t n;
        assert_int_equal(kassa_json_raw_member("{\"a\":1}", 7, "a", NULL, &n), KASSA_EINVAL);
        assert_int_equal(kassa_json_raw_member("{\"a\":1}", 7, "a", &v, NULL), KASSA_EINVAL);
    }
}

static void test_truncated_and_malformed(void **state)
{
    (void)state;
    /* len bounds the scan: garbage after it is never seen */
    assert_string_equal(raw("{\"a\":1}garbage", 7, "a"), "1");
    /* cut short anywhere: never a read past len, never a false hit */
    {
        const char *doc = "{\"b\":[1,{\"c\":\"x\\\"y\"}],\"a\":\"v\"}";
        size_t full = strlen(doc), n;
        for (n = 0; n < full; n++) {
            char *copy = malloc(n + 1);
            const char *r;
            assert_non_null(copy);
            memcpy(copy, doc, n); /* exactly n bytes, no NUL: ASan sees overreads */
            r = raw(copy, n, "a");
            /* The value "v" is complete only when its closing quote is in. */
            if (n >= full - 1)
                assert_string_equal(r, "\"v\"");
            else
                assert_string_equal(r, "EINVAL");
            free(copy);
        }
        assert_string_equal(raw(doc, full, "a"), "\"v\"");
    }
    assert_string_equal(raw("{\"a\" 1}", 7, "a"), "EINVAL");
    assert_string_equal(raw("{a:1}", 5, "a"), "EINVAL");
    assert_string_equal(raw("{\"b\":1 \"a\":2}", 13, "a"), "EINVAL");
    assert_string_equal(raw("{\"b\":]}", 7, "a"), "EINVAL");
    assert_string_equal(raw("{\"b\":}", 6, "a"), "EINVAL");
    assert_string_equal(raw("{\"a\":}", 6, "a"), "EINVAL");
    /* a bad escape in a key, matched or not */
    assert_string_equal(raw("{\"\\x\":1}", 8, "a"), "EINVAL");
    assert_string_equal(raw("{\"b\\x\":1}", 9, "a"), "EINVAL");
    assert_string_equal(raw("{\"a\\ud800\":1}", 13, "a"), "EINVAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_body),
        cmocka_unit_test(test_nested_not_matched),
        cmocka_unit_test(test_strings_with_escapes),
        cmocka_unit_test(test_whitespace_and_values),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_truncated_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
