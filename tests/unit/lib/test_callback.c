/* test_callback.c: src/lib/callback.c: panda and tegro callback
 * verification, every accept and reject case; form and JSON decoding and
 * the choice between them. Expected signatures computed with Python's
 * hmac / hashlib / urllib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kassa/kassa.h"

#define BODY                                                                                       \
    "{\"uuid\":\"u1\",\"status\":\"completed\",\"amount_usdt\":10.53,\"amount_local\":1000.47,"    \
    "\"currency\":\"RUB\",\"merchant_commission\":-25.01,\"merchant_order_id\":\"m1\"}"
#define SIG "b969a568b75a248ca46d37357c539a8aec1dc01adf2a7051dc4e05eb9c6c0d80"
#define TS "1700000000"
#define NOW ((int64_t)1700000000)
#define SHOP "D0F98E7D7742609DC508D86BB7500914"
#define TSECRET "GB%^&*YJni677"

static kassa_err panda(const char *key, const char *ts, const char *sig, const char *body,
                       long window, int64_t now)
{
    return kassa_panda_callback_verify("apiKey", "apiSecret", key, ts, sig, body,
                                       body ? strlen(body) : 0, window, now);
}

static void test_panda_accepts(void **state)
{
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 0, 0), KASSA_OK);
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 300, NOW), KASSA_OK);
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 300, NOW + 300), KASSA_OK);
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 300, NOW - 300), KASSA_OK);
    /* upper-case hex is the same signature */
    assert_int_equal(panda("apiKey", TS,
                           "B969A568B75A248CA46D37357C539A8AEC1DC01ADF2A7051DC4E05EB9C6C0D80", BODY,
                           0, 0),
                     KASSA_OK);
}

static void test_panda_rejects_key(void **state)
{
    assert_int_equal(panda("apikey", TS, SIG, BODY, 0, 0), KASSA_EAUTH_KEY);
    assert_int_equal(panda("apiKey2", TS, SIG, BODY, 0, 0), KASSA_EAUTH_KEY);
    assert_int_equal(panda("", TS, SIG, BODY, 0, 0), KASSA_EAUTH_KEY);
    assert_int_equal(panda(NULL, TS, SIG, BODY, 0, 0), KASSA_EAUTH_KEY);
    /* the key is checked first, before the signature */
    assert_int_equal(panda("bad", TS, "00", BODY, 0, 0), KASSA_EAUTH_KEY);
}

static void test_panda_rejects_signature(void **state)
{
    char sig[] = SIG;

    sig[0] = 'c';
    assert_int_equal(panda("apiKey", TS, sig, BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(panda("apiKey", TS, NULL, BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(panda("apiKey", TS, "", BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(panda("apiKey", TS, SIG "00", BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    /* one byte of body changed */
    assert_int_equal(panda("apiKey", TS, SIG, BODY " ", 0, 0), KASSA_EAUTH_SIGNATURE);
    /* another timestamp, same body */
    assert_int_equal(panda("apiKey", "1700000001", SIG, BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    /* no timestamp signs as "" */
    assert_int_equal(panda("apiKey", NULL, SIG, BODY, 0, 0), KASSA_EAUTH_SIGNATURE);
    /* signed with another secret */
    assert_int_equal(
        kassa_panda_callback_verify("apiKey", "other", "apiKey", TS, SIG, BODY, strlen(BODY), 0, 0),
        KASSA_EAUTH_SIGNATURE);
}

static void test_panda_rejects_timestamp(void **state)
{
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 300, NOW + 301), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 300, NOW - 301), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", NULL, SIG, BODY, 300, NOW), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", "", SIG, BODY, 300, NOW), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", "17e8", SIG, BODY, 300, NOW), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", "-1700000000", SIG, BODY, 300, NOW), KASSA_EAUTH_TIMESTAMP);
    assert_int_equal(panda("apiKey", "99999999999999999999999", SIG, BODY, 300, NOW),
                     KASSA_EAUTH_TIMESTAMP);
    /* window 0: the timestamp's age is not looked at */
    assert_int_equal(panda("apiKey", TS, SIG, BODY, 0, NOW + 100000), KASSA_OK);
}

static void test_panda_bad_arguments(void **state)
{
    assert_int_equal(kassa_panda_callback_verify(NULL, "s", "k", TS, SIG, "", 0, 0, 0),
                     KASSA_EINVAL);
    assert_int_equal(kassa_panda_callback_verify("k", NULL, "k", TS, SIG, "", 0, 0, 0),
                     KASSA_EINVAL);
    assert_int_equal(kassa_panda_callback_verify("k", "s", "k", TS, SIG, NULL, 3, 0, 0),
                     KASSA_EINVAL);
}

/* ------------------------------------------------------------------ forms */

static void test_form_parse(void **state)
{
    const char *body = "a=1&b=x+y%2Fz&&c=&d&e=%C3%A4";
    kassa_form f;

    assert_int_equal(kassa_form_parse(body, strlen(body), &f), KASSA_OK);
    assert_int_equal(f.n, 5);
    assert_string_equal(f.fields[0].key, "a");
    assert_string_equal(kassa_form_get(&f, "a"), "1");
    assert_string_equal(kassa_form_get(&f, "b"), "x y/z");
    assert_string_equal(kassa_form_get(&f, "c"), "");
    assert_string_equal(kassa_form_get(&f, "d"), "");
    assert_string_equal(kassa_form_get(&f, "e"), "\xc3\xa4");
    assert_null(kassa_form_get(&f, "z"));
    kassa_form_free(&f);
    assert_int_equal(f.n, 0);

    assert_int_equal(kassa_form_parse("", 0, &f), KASSA_OK);
    assert_int_equal(f.n, 0);
    kassa_form_free(&f);

    assert_int_equal(kassa_form_parse("a=%4", 4, &f), KASSA_EINVAL);
    assert_int_equal(kassa_form_parse("a=%zz", 5, &f), KASSA_EINVAL);
    assert_int_equal(kassa_form_parse("a=%00", 5, &f), KASSA_EINVAL);
    assert_int_equal(kassa_form_parse("a=1&a=2", 7, &f), KASSA_EINVAL);
    assert_null(f.fields);
    /* len bounds the body: the bytes after it are not read */
    assert_int_equal(kassa_form_parse("a=1&b=2", 3, &f), KASSA_OK);
    assert_int_equal(f.n, 1);
    kassa_form_free(&f);
}

static void test_form_too_many_fields(void **state)
{
    char body[257 * 4 + 1];
    size_t len = 0;
    kassa_form f;

    for (int i = 0; i < 257; i++) {
        body[len++] = (char)('a' + i % 26);
        body[len++] = (char)('a' + i / 26);
        body[len++] = '=';
        body[len++] = '&';
    }
    assert_int_equal(kassa_form_parse(body, len, &f), KASSA_ETOOBIG);
    assert_int_equal(kassa_form_parse(body, len - 4, &f), KASSA_OK);
    assert_int_equal(f.n, 256);
    kassa_form_free(&f);
}

/* ------------------------------------------------------------------ tegro */

/* spec/tegro.md's notification test vector */
#define TBODY                                                                                      \
    "shop_id=" SHOP "&amount=100&order_id=123&payment_system=16&currency=RUB"                      \
    "&sign=e13cd755e9b4632d51ae4d5c74c2f122"

static kassa_err tegro(const char *shop, const char *secret, const char *body)
{
    return kassa_tegro_callback_verify(shop, secret, body, strlen(body));
}

static void test_tegro_accepts(void **state)
{
    assert_int_equal(tegro(SHOP, TSECRET, TBODY), KASSA_OK);
    assert_int_equal(tegro(NULL, TSECRET, TBODY), KASSA_OK);
    /* field order does not matter; upper-case sign accepted */
    assert_int_equal(tegro(SHOP, TSECRET,
                           "sign=E13CD755E9B4632D51AE4D5C74C2F122&currency=RUB&amount=100"
                           "&payment_system=16&order_id=123&shop_id=" SHOP),
                     KASSA_OK);
    /* urlencode(sorted(...)) over a value with special characters and test=1 */
    assert_int_equal(tegro(SHOP, TSECRET,
                           "shop_id=" SHOP "&amount=100&order_id=Order+%231&payment_system=16"
                           "&currency=RUB&test=1&sign=13b5d8ea5971e7112c5a03001455c3c7"),
                     KASSA_OK);
}

static void test_tegro_rejects(void **state)
{
    /* a different shop */
    assert_int_equal(tegro("00000000000000000000000000000000", TSECRET, TBODY), KASSA_EAUTH_KEY);
    /* no shop_id while one is expected */
    assert_int_equal(tegro(SHOP, TSECRET,
                           "amount=100&order_id=123&payment_system=16&currency=RUB"
                           "&sign=e13cd755e9b4632d51ae4d5c74c2f122"),
                     KASSA_EAUTH_KEY);
    /* wrong secret */
    assert_int_equal(tegro(SHOP, "other", TBODY), KASSA_EAUTH_SIGNATURE);
    /* amount changed */
    assert_int_equal(tegro(SHOP, TSECRET,
                           "shop_id=" SHOP "&amount=100.00&order_id=123&payment_system=16"
                           "&currency=RUB&sign=e13cd755e9b4632d51ae4d5c74c2f122"),
                     KASSA_EAUTH_SIGNATURE);
    /* a field added (test=1 is signed) */
    assert_int_equal(tegro(SHOP, TSECRET, TBODY "&test=1"), KASSA_EAUTH_SIGNATURE);
    /* no sign, empty sign, truncated sign */
    assert_int_equal(tegro(SHOP, TSECRET,
                           "shop_id=" SHOP "&amount=100&order_id=123&payment_system=16"
                           "&currency=RUB"),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(tegro(SHOP, TSECRET,
                           "shop_id=" SHOP "&amount=100&order_id=123&payment_system=16"
                           "&currency=RUB&sign="),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(tegro(SHOP, TSECRET,
                           "shop_id=" SHOP "&amount=100&order_id=123&payment_system=16"
                           "&currency=RUB&sign=e13cd755e9b4632d51ae4d5c74c2f12"),
                     KASSA_EAUTH_SIGNATURE);
    /* a body that is not a form */
    assert_int_equal(tegro(SHOP, TSECRET, TBODY "&x=%G0"), KASSA_EINVAL);
    assert_int_equal(tegro(SHOP, TSECRET, TBODY "&sign=e13cd755e9b4632d51ae4d5c74c2f122"),
                     KASSA_EINVAL);
    assert_int_equal(kassa_tegro_callback_verify_form(NULL, SHOP, TSECRET), KASSA_EINVAL);
}

/* -------------------------------------------------------------- tegro JSON */

/* The spec's test vector as kassad sends it to a shop whose
 * notification_format is "json": one object of strings, the same sign. */
#define TJSON                                                                                      \
    "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":\"123\",\"payment_system\":\"16\"," \
    "\"currency\":\"RUB\",\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\"}"

static kassa_err tegro_ct(const char *ct, const char *body)
{
    return kassa_tegro_callback_verify_ct(SHOP, TSECRET, ct, body, strlen(body));
}

/* Parse with kassa_tegro_callback_parse; the code, and err's message in msg. */
static kassa_err parse_why(const char *ct, const char *body, char *msg, size_t size)
{
    kassa_form f;
    kassa_error err = {0};
    kassa_err rc = kassa_tegro_callback_parse(ct, body, strlen(body), &f, &err);

    if (rc == KASSA_OK) {
        kassa_form_free(&f);
        msg[0] = '\0';
    } else {
        assert_int_equal(err.code, rc);
        assert_null(f.fields);
        assert_int_equal(f.n, 0);
        snprintf(msg, size, "%s", err.message);
    }
    return rc;
}

static void test_tegro_json_accepts(void **state)
{
    /* no Content-Type: told by the leading '{' */
    assert_int_equal(tegro(SHOP, TSECRET, TJSON), KASSA_OK);
    assert_int_equal(tegro(NULL, TSECRET, TJSON), KASSA_OK);
    assert_int_equal(tegro(SHOP, TSECRET, " \r\n\t" TJSON "\n"), KASSA_OK);
    /* by Content-Type, parameters and case ignored */
    assert_int_equal(tegro_ct("application/json", TJSON), KASSA_OK);
    assert_int_equal(tegro_ct("Application/JSON; charset=utf-8", TJSON), KASSA_OK);
    assert_int_equal(tegro_ct(" application/json ;charset=UTF-8", TJSON), KASSA_OK);
    assert_int_equal(tegro_ct("application/vnd.kassa+json", TJSON), KASSA_OK);
    /* another type or none: the body decides */
    assert_int_equal(tegro_ct("text/plain", TJSON), KASSA_OK);
    assert_int_equal(tegro_ct("", TJSON), KASSA_OK);
    assert_int_equal(tegro_ct(NULL, TJSON), KASSA_OK);
    /* the form still verifies with and without its Content-Type */
    assert_int_equal(tegro_ct("application/x-www-form-urlencoded", TBODY), KASSA_OK);
    assert_int_equal(tegro_ct("text/plain", TBODY), KASSA_OK);
    assert_int_equal(tegro_ct(NULL, TBODY), KASSA_OK);
    /* member order does not matter; upper-case sign; whitespace between tokens */
    assert_int_equal(tegro_ct("application/json",
                              "{ \"sign\" : \"E13CD755E9B4632D51AE4D5C74C2F122\", \"currency\":"
                              "\"RUB\",\n\"amount\":\"100\",\"payment_system\":\"16\","
                              "\"order_id\":\"123\",\"shop_id\":\"" SHOP "\" }"),
                     KASSA_OK);
    /* escapes are decoded before signing: "Order \u00231" is "Order #1";
     * a test order's test=1 is signed like every field */
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":"
                              "\"Order \\u00231\",\"payment_system\":\"16\",\"currency\":\"RUB\","
                              "\"test\":\"1\",\"sign\":\"13b5d8ea5971e7112c5a03001455c3c7\"}"),
                     KASSA_OK);
    /* non-ASCII, raw UTF-8 or \u-escaped: signed as its UTF-8 bytes */
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":"
                              "\"\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7 1\",\"payment_system\":"
                              "\"16\",\"currency\":\"RUB\","
                              "\"sign\":\"72e0bd44f7f8ad8284e12b254be9619a\"}"),
                     KASSA_OK);
    assert_int_equal(tegro_ct(NULL, "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":"
                                    "\"\\u0437\\u0430\\u043a\\u0430\\u0437 1\",\"payment_system\":"
                                    "\"16\",\"currency\":\"RUB\","
                                    "\"sign\":\"72e0bd44f7f8ad8284e12b254be9619a\"}"),
                     KASSA_OK);
}

static void test_tegro_json_parse(void **state)
{
    const char *body = TJSON "trailing bytes past len";
    kassa_form f;
    kassa_error err = {0};

    /* len bounds the body; members in the order received */
    assert_int_equal(kassa_form_parse_json(body, strlen(TJSON), &f, &err), KASSA_OK);
    assert_int_equal(f.n, 6);
    assert_string_equal(f.fields[0].key, "shop_id");
    assert_string_equal(f.fields[1].key, "amount");
    assert_string_equal(f.fields[5].key, "sign");
    assert_string_equal(kassa_form_get(&f, "order_id"), "123");
    assert_string_equal(kassa_form_get(&f, "sign"), "e13cd755e9b4632d51ae4d5c74c2f122");
    assert_int_equal(kassa_tegro_callback_verify_form(&f, SHOP, TSECRET), KASSA_OK);
    kassa_form_free(&f);
    /* an empty object and an empty key are fine to decode (not to verify) */
    assert_int_equal(kassa_form_parse_json("{}", 2, &f, NULL), KASSA_OK);
    assert_int_equal(f.n, 0);
    assert_int_equal(kassa_tegro_callback_verify_form(&f, SHOP, TSECRET), KASSA_EAUTH_KEY);
    kassa_form_free(&f);
    assert_int_equal(kassa_form_parse_json("{\"\":\"\"}", 7, &f, NULL), KASSA_OK);
    assert_string_equal(kassa_form_get(&f, ""), "");
    kassa_form_free(&f);
    /* NULL err is allowed on failure too; NULL body only with len 0 */
    assert_int_equal(kassa_form_parse_json("[]", 2, &f, NULL), KASSA_EINVAL);
    assert_int_equal(kassa_form_parse_json(NULL, 3, &f, NULL), KASSA_EINVAL);
    assert_int_equal(kassa_form_parse_json(NULL, 0, &f, NULL), KASSA_EINVAL);
    assert_null(f.fields);
}

static void test_tegro_json_rejects_tampering(void **state)
{
    /* the amount changed: the sign no longer matches */
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"101\",\"order_id\":\"123\","
                              "\"payment_system\":\"16\",\"currency\":\"RUB\","
                              "\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\"}"),
                     KASSA_EAUTH_SIGNATURE);
    /* "100.00" is other text than the signed "100" */
    assert_int_equal(tegro_ct(NULL, "{\"shop_id\":\"" SHOP "\",\"amount\":\"100.00\",\"order_id\":"
                                    "\"123\",\"payment_system\":\"16\",\"currency\":\"RUB\","
                                    "\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\"}"),
                     KASSA_EAUTH_SIGNATURE);
    /* a member added */
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":\"123\","
                              "\"payment_system\":\"16\",\"currency\":\"RUB\",\"test\":\"1\","
                              "\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\"}"),
                     KASSA_EAUTH_SIGNATURE);
    /* no sign, an empty sign */
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":\"123\","
                              "\"payment_system\":\"16\",\"currency\":\"RUB\"}"),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(tegro_ct("application/json",
                              "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":\"123\","
                              "\"payment_system\":\"16\",\"currency\":\"RUB\",\"sign\":\"\"}"),
                     KASSA_EAUTH_SIGNATURE);
    /* wrong secret; another shop */
    assert_int_equal(
        kassa_tegro_callback_verify_ct(SHOP, "other", "application/json", TJSON, strlen(TJSON)),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_callback_verify_ct("00000000000000000000000000000000", TSECRET,
                                                    "application/json", TJSON, strlen(TJSON)),
                     KASSA_EAUTH_KEY);
    /* the Content-Type, when it names a format, is believed: JSON declared
     * a form is decoded as a form (one odd key, no shop_id, no sign) */
    assert_int_equal(tegro_ct("application/x-www-form-urlencoded", TJSON), KASSA_EAUTH_KEY);
}

static void test_tegro_json_rejects_malformed(void **state)
{
    char msg[KASSA_ERROR_MESSAGE_SIZE];

    /* a key given twice, even with the same value; a second sign */
    assert_int_equal(parse_why("application/json",
                               "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"amount\":\"100\"}",
                               msg, sizeof msg),
                     KASSA_EINVAL);
    assert_non_null(strstr(msg, "duplicate"));
    assert_int_equal(tegro(SHOP, TSECRET,
                           "{\"shop_id\":\"" SHOP "\",\"amount\":\"100\",\"order_id\":\"123\","
                           "\"payment_system\":\"16\",\"currency\":\"RUB\","
                           "\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\","
                           "\"sign\":\"00000000000000000000000000000000\"}"),
                     KASSA_EINVAL);
    /* not an object */
    assert_int_equal(parse_why("application/json", "[\"shop_id\",\"" SHOP "\"]", msg, sizeof msg),
                     KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the body is an array, not an object");
    assert_int_equal(parse_why("application/json", "\"" SHOP "\"", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why("application/json", "42", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why("application/json", "null", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why("application/json", "", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why("application/json", TBODY, msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(strncmp(msg, "JSON: ", 6), 0);
    /* values other than strings, numbers included: their text is not kept */
    assert_int_equal(parse_why(NULL,
                               "{\"shop_id\":\"" SHOP "\",\"amount\":100,\"order_id\":\"123\","
                               "\"payment_system\":\"16\",\"currency\":\"RUB\","
                               "\"sign\":\"e13cd755e9b4632d51ae4d5c74c2f122\"}",
                               msg, sizeof msg),
                     KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"amount\" is a number, not a string");
    assert_int_equal(parse_why(NULL, "{\"payment_system\":16.0}", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"payment_system\" is a number, not a string");
    assert_int_equal(parse_why(NULL, "{\"test\":true}", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"test\" is a boolean, not a string");
    assert_int_equal(parse_why(NULL, "{\"order_id\":null}", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"order_id\" is null, not a string");
    assert_int_equal(parse_why(NULL, "{\"a\":{\"b\":\"c\"}}", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"a\" is an object, not a string");
    assert_int_equal(parse_why(NULL, "{\"a\":[]}", msg, sizeof msg), KASSA_EINVAL);
    /* a key shown in a message stays one line and short */
    assert_int_equal(
        parse_why(NULL, "{\"a\\n\\\"b\":1,\"0123456789012345678901234567890123456789xyz\":1}", msg,
                  sizeof msg),
        KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"a??b\" is a number, not a string");
    assert_int_equal(
        parse_why(NULL, "{\"0123456789012345678901234567890123456789xyz\":1}", msg, sizeof msg),
        KASSA_EINVAL);
    assert_string_equal(msg, "JSON: the value of \"0123456789012345678901234567890123456789...\" "
                             "is a number, not a string");
    /* broken JSON: truncated, trailing bytes, a NUL, bad UTF-8, a raw
     * control character, a comment */
    assert_int_equal(parse_why(NULL, "{\"shop_id\":\"" SHOP "\"", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, TJSON "x", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, TJSON TJSON, msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, "{\"a\":\"x\\u0000y\"}", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, "{\"a\\u0000\":\"x\"}", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, "{\"a\":\"\xff\"}", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(parse_why(NULL, "{\"a\":\"\x01\"}", msg, sizeof msg), KASSA_EINVAL);
    for (const char *p = msg; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_int_equal(parse_why(NULL, "{/* c */}", msg, sizeof msg), KASSA_EINVAL);
    assert_int_equal(strncmp(msg, "JSON: ", 6), 0);
    /* the same through the verify functions */
    assert_int_equal(tegro(SHOP, TSECRET, "{\"amount\":100}"), KASSA_EINVAL);
    assert_int_equal(tegro_ct("application/json", "[]"), KASSA_EINVAL);
    assert_int_equal(tegro_ct("application/json", TJSON ","), KASSA_EINVAL);
    /* a body that only starts like JSON after other bytes is a form */
    assert_int_equal(tegro(SHOP, TSECRET, "x" TJSON), KASSA_EAUTH_KEY);
}

static void test_tegro_json_too_many_members(void **state)
{
    char body[257 * 10 + 2];
    size_t len = 0;
    kassa_form f;
    kassa_error err = {0};

    body[len++] = '{';
    for (int i = 0; i < 257; i++) {
        len += (size_t)snprintf(body + len, sizeof body - len, "%s\"%c%c\":\"\"", i ? "," : "",
                                'a' + i % 26, 'a' + i / 26);
    }
    body[len++] = '}';
    body[len] = '\0';
    assert_int_equal(kassa_form_parse_json(body, len, &f, &err), KASSA_ETOOBIG);
    assert_string_equal(err.message, "JSON: more than 256 members");
    assert_null(f.fields);
    /* 256 are fine: drop the last member */
    len = (size_t)(strrchr(body, ',') - body);
    body[len++] = '}';
    assert_int_equal(kassa_form_parse_json(body, len, &f, &err), KASSA_OK);
    assert_int_equal(f.n, 256);
    kassa_form_free(&f);
}

static void test_tegro_form_reasons(void **state)
{
    char msg[KASSA_ERROR_MESSAGE_SIZE];

    assert_int_equal(parse_why(NULL, TBODY "&x=%G0", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "form: a bad %-escape in field 7");
    assert_int_equal(parse_why("application/x-www-form-urlencoded", "a=%00", msg, sizeof msg),
                     KASSA_EINVAL);
    assert_string_equal(msg, "form: a NUL byte in field 1");
    assert_int_equal(parse_why(NULL, TBODY "&sign=x", msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "form: the key \"sign\" is given twice");
    assert_int_equal(parse_why(NULL, "a=1", msg, sizeof msg), KASSA_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panda_accepts),
        cmocka_unit_test(test_panda_rejects_key),
        cmocka_unit_test(test_panda_rejects_signature),
        cmocka_unit_test(test_panda_rejects_timestamp),
        cmocka_unit_test(test_panda_bad_arguments),
        cmocka_unit_test(test_form_parse),
        cmocka_unit_test(test_form_too_many_fields),
        cmocka_unit_test(test_tegro_accepts),
        cmocka_unit_test(test_tegro_rejects),
        cmocka_unit_test(test_tegro_json_accepts),
        cmocka_unit_test(test_tegro_json_parse),
        cmocka_unit_test(test_tegro_json_rejects_tampering),
        cmocka_unit_test(test_tegro_json_rejects_malformed),
        cmocka_unit_test(test_tegro_json_too_many_members),
        cmocka_unit_test(test_tegro_form_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
