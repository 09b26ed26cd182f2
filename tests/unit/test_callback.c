/* test_callback.c: src/lib/callback.c: panda and tegro callback
 * verification, every accept and reject case; form decoding. Expected
 * signatures computed with Python's hmac / hashlib / urllib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
