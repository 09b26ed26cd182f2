/* test_sign.c: panda and tegro signatures against the spec's vectors and
 * vectors computed independently with Python (each one-liner is quoted;
 * run with /usr/bin/python3 -c '...'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kassa/sign.h"

#define TEGRO_SECRET "GB%^&*YJni677"
#define TEGRO_SHOP "D0F98E7D7742609DC508D86BB7500914"

/* The body the panda seed sends, with its uuid4 fixed. */
static const char panda_body[] = "{\"amount_rub\":1000.4747448348385,\"requisite_type\":\"SBP\","
                                 "\"idempotency_key\":\"3f1c2a7e-9b4d-4e1a-8c2f-5d6e7f8a9b0c\"}";

/* import hmac,hashlib,json;
 * body=json.dumps({"amount_rub":1000.4747448348385,"requisite_type":"SBP",
 *   "idempotency_key":"3f1c2a7e-9b4d-4e1a-8c2f-5d6e7f8a9b0c"},separators=(",",":"));
 * print(hmac.new(b"secret",("1700000000"+body).encode(),hashlib.sha256).hexdigest()) */
#define PANDA_SIG "c79bc2636bd4c1b9499b52fd2edc93277018f6260b734027e5a6a9d969d7abe8"

/* print(hmac.new(b"secret",b"1700000000",hashlib.sha256).hexdigest())  (a GET) */
#define PANDA_GET_SIG "4b227f8831b3763d066901751ad4c583ed08832bf1924a4ec50c2e871b1e8586"

static const char tegro_body[] =
    "{\"shop_id\":\"D0F98E7D7742609DC508D86BB7500914\",\"nonce\":1700000000,"
    "\"currency\":\"RUB\",\"amount\":64.18,\"order_id\":\"Order #17854\",\"payment_system\":28}";

/* print(hmac.new(b"tegro-api-key-123",tb.encode(),hashlib.sha256).hexdigest())
 * with tb = the tegro_body text above */
#define TEGRO_REST_SIG "8272fc84efbe5374fe2f23c51a755102d131e6d322fb42b874bafb430cb248ba"

static void upper(char *s)
{
    for (; *s != '\0'; s++)
        if (*s >= 'a' && *s <= 'f')
            *s = (char)(*s - 'a' + 'A');
}

static void test_hmac_generic(void **state)
{
    char out[KASSA_SHA256_HEX_SIZE];
    char key[100];

    (void)state;
    /* print(hmac.new(b"k"*100,b"abc",hashlib.sha256).hexdigest())  (key > block size) */
    memset(key, 'k', sizeof key);
    kassa_hmac_sha256_hex(key, sizeof key, "abc", 3, NULL, 0, out);
    assert_string_equal(out, "b58b2b694fdba0dd76da3ebe99174f728d327560f36ece224e90867972479922");
    /* split message: same MAC */
    kassa_hmac_sha256_hex(key, sizeof key, "a", 1, "bc", 2, out);
    assert_string_equal(out, "b58b2b694fdba0dd76da3ebe99174f728d327560f36ece224e90867972479922");
    /* print(hmac.new(b"",b"abc",hashlib.sha256).hexdigest())  (empty key) */
    kassa_hmac_sha256_hex("", 0, "abc", 3, NULL, 0, out);
    assert_string_equal(out, "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
    kassa_hmac_sha256_hex(NULL, 0, "ab", 2, "c", 1, out);
    assert_string_equal(out, "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
    kassa_hmac_sha256_hex("", 0, NULL, 5, "abc", 3, out);
    assert_string_equal(out, "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
}

/* Strict mode: HMAC(secret, ts "\n" METHOD "\n" target "\n" body); a
 * signature holds for one method, target and body only. */
static void test_panda_strict(void **state)
{
    (void)state;
    char sig[KASSA_SHA256_HEX_SIZE], want[KASSA_SHA256_HEX_SIZE];
    const char msg[] = "1700000000\nGET\n/v1/orders/abc/cancel\n";
    kassa_hmac_sha256_hex("sec", 3, msg, sizeof msg - 1, "", 0, want);
    kassa_panda_sign_strict("sec", "1700000000", "GET", "/v1/orders/abc/cancel", "", 0, sig);
    assert_string_equal(sig, want);
    assert_int_equal(
        kassa_panda_verify_strict("sec", "1700000000", "GET", "/v1/orders/abc/cancel", "", 0, sig),
        KASSA_OK);
    assert_int_equal(
        kassa_panda_verify_strict("sec", "1700000000", "GET", "/v1/orders/abd/cancel", "", 0, sig),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify_strict("sec", "1700000000", "POST", "/v1/orders/abc/cancel", "", 0, sig),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify_strict("sec", "1700000000", "GET", "/v1/orders/abc/cancel", "x", 1, sig),
        KASSA_EAUTH_SIGNATURE);
    /* the plain signature of the same second differs */
    char plain[KASSA_SHA256_HEX_SIZE];
    kassa_panda_sign("sec", "1700000000", "", 0, plain);
    assert_string_not_equal(plain, sig);
    /* a long target goes through the heap */
    char target[2000];
    memset(target, 'a', sizeof target - 1);
    target[0] = '/';
    target[sizeof target - 1] = '\0';
    kassa_panda_sign_strict("sec", "1", "GET", target, "b", 1, sig);
    assert_int_equal(kassa_panda_verify_strict("sec", "1", "GET", target, "b", 1, sig), KASSA_OK);
}

static void test_panda(void **state)
{
    char out[KASSA_SHA256_HEX_SIZE];
    char sig[KASSA_SHA256_HEX_SIZE];

    (void)state;
    kassa_panda_sign("secret", "1700000000", panda_body, strlen(panda_body), out);
    assert_string_equal(out, PANDA_SIG);
    kassa_panda_sign("secret", "1700000000", NULL, 0, out);
    assert_string_equal(out, PANDA_GET_SIG);
    kassa_panda_sign("secret", "1700000000", "", 0, out);
    assert_string_equal(out, PANDA_GET_SIG);

    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), PANDA_SIG),
        KASSA_OK);
    memcpy(sig, PANDA_SIG, sizeof sig);
    upper(sig);
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), sig), KASSA_OK);
    /* one character changed */
    memcpy(sig, PANDA_SIG, sizeof sig);
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), sig),
        KASSA_EAUTH_SIGNATURE);
    /* wrong length: one digit short, one digit more */
    memcpy(sig, PANDA_SIG, sizeof sig);
    sig[63] = '\0';
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), sig),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), PANDA_SIG "0"),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), ""),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body), NULL),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify(NULL, "1700000000", panda_body, strlen(panda_body), PANDA_SIG),
        KASSA_EAUTH_SIGNATURE);
    /* another timestamp, another secret, a body one byte shorter */
    assert_int_equal(
        kassa_panda_verify("secret", "1700000001", panda_body, strlen(panda_body), PANDA_SIG),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify("secreT", "1700000000", panda_body, strlen(panda_body), PANDA_SIG),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_panda_verify("secret", "1700000000", panda_body, strlen(panda_body) - 1, PANDA_SIG),
        KASSA_EAUTH_SIGNATURE);
}

static void test_tegro_rest(void **state)
{
    char out[KASSA_SHA256_HEX_SIZE];
    char sig[KASSA_SHA256_HEX_SIZE];

    (void)state;
    kassa_tegro_rest_sign("tegro-api-key-123", tegro_body, strlen(tegro_body), out);
    assert_string_equal(out, TEGRO_REST_SIG);
    assert_int_equal(kassa_tegro_rest_verify("tegro-api-key-123", tegro_body, strlen(tegro_body),
                                             TEGRO_REST_SIG),
                     KASSA_OK);
    memcpy(sig, TEGRO_REST_SIG, sizeof sig);
    upper(sig);
    assert_int_equal(
        kassa_tegro_rest_verify("tegro-api-key-123", tegro_body, strlen(tegro_body), sig),
        KASSA_OK);
    sig[0] = 'A'; /* was '8' */
    assert_int_equal(
        kassa_tegro_rest_verify("tegro-api-key-123", tegro_body, strlen(tegro_body), sig),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(
        kassa_tegro_rest_verify("tegro-api-key-123", tegro_body, strlen(tegro_body), NULL),
        KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_rest_verify("tegro-api-key-124", tegro_body, strlen(tegro_body),
                                             TEGRO_REST_SIG),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_rest_verify(NULL, tegro_body, strlen(tegro_body), TEGRO_REST_SIG),
                     KASSA_EAUTH_SIGNATURE);
}

static char md5[KASSA_MD5_HEX_SIZE];

static const char *form(const kassa_kv *f, size_t n, kassa_form_style style)
{
    assert_int_equal(kassa_tegro_form_sign(f, n, TEGRO_SECRET, style, md5), KASSA_OK);
    return md5;
}

static void test_tegro_form_spec_vectors(void **state)
{
    /* spec/tegro.md: hosted form, in a shuffled order */
    const kassa_kv pay[] = {
        {"shop_id", TEGRO_SHOP}, {"order_id", "123"}, {"currency", "RUB"},
        {"amount", "100"},       {"test", "1"},
    };
    /* spec/tegro.md: the payment notification */
    const kassa_kv note[] = {
        {"shop_id", TEGRO_SHOP},  {"amount", "100"},   {"order_id", "123"},
        {"payment_system", "16"}, {"currency", "RUB"},
    };
    /* an unsigned field (NULL value) changes nothing */
    const kassa_kv pay_null[] = {
        {"shop_id", TEGRO_SHOP}, {"lang", NULL},    {"order_id", "123"},
        {"currency", "RUB"},     {"amount", "100"},
    };
    kassa_form_style st;

    (void)state;
    for (st = KASSA_FORM_URLENCODED; st <= KASSA_FORM_RAW; st++) {
        assert_string_equal(form(pay, 4, st), "ab399192242d30c151efda7f8c47b304");
        assert_string_equal(form(pay, 5, st), "776f41234423f7f38c5a6e15baec854f");
        assert_string_equal(form(note, 5, st), "e13cd755e9b4632d51ae4d5c74c2f122");
        assert_string_equal(form(pay_null, 5, st), "ab399192242d30c151efda7f8c47b304");
    }
    assert_int_equal(
        kassa_tegro_form_verify(pay, 4, TEGRO_SECRET, "ab399192242d30c151efda7f8c47b304"),
        KASSA_OK);
    assert_int_equal(
        kassa_tegro_form_verify(pay, 5, TEGRO_SECRET, "776F41234423F7F38C5A6E15BAEC854F"),
        KASSA_OK);
    assert_int_equal(
        kassa_tegro_form_verify(note, 5, TEGRO_SECRET, "e13cd755e9b4632d51ae4d5c74c2f122"),
        KASSA_OK);
    /* test=1 present but the sign made without it */
    assert_int_equal(
        kassa_tegro_form_verify(pay, 5, TEGRO_SECRET, "ab399192242d30c151efda7f8c47b304"),
        KASSA_EAUTH_SIGNATURE);
    /* "100.00" signs differently from "100" */
    {
        const kassa_kv pay2[] = {
            {"shop_id", TEGRO_SHOP},
            {"order_id", "123"},
            {"currency", "RUB"},
            {"amount", "100.00"},
        };
        assert_int_equal(
            kassa_tegro_form_verify(pay2, 4, TEGRO_SECRET, "ab399192242d30c151efda7f8c47b304"),
            KASSA_EAUTH_SIGNATURE);
    }
}

/* Python, for the three vectors below:
 * import hashlib,urllib.parse; s="GB%^&*YJni677"
 * d={"shop_id":"D0F98E7D7742609DC508D86BB7500914","amount":"64.18","currency":"RUB",
 *    "order_id":"Order #1 & ~ёж"}
 * q=urllib.parse.urlencode(sorted(d.items()))           # URLENCODED
 * p=q.replace("~","%7E")                                # PHP
 * r="&".join(k+"="+v for k,v in sorted(d.items()))      # RAW
 * print(hashlib.md5((X+s).encode()).hexdigest()) for X in q, p, r */
#define SPECIAL_URL "03df0cc074ceb6fba17438492facf8ef"
#define SPECIAL_PHP "4d9ed26aae08c36c77c349b06c17a69b"
#define SPECIAL_RAW "eeea4e0c384b09dbf61703690f58204b"

static void test_tegro_form_special(void **state)
{
    const kassa_kv f[] = {
        {"shop_id", TEGRO_SHOP},
        {"amount", "64.18"},
        {"currency", "RUB"},
        {"order_id", "Order #1 & ~\xd1\x91\xd0\xb6"}, /* "Order #1 & ~ёж" */
    };
    char sig[KASSA_MD5_HEX_SIZE];

    (void)state;
    assert_string_equal(form(f, 4, KASSA_FORM_URLENCODED), SPECIAL_URL);
    assert_string_equal(form(f, 4, KASSA_FORM_PHP), SPECIAL_PHP);
    assert_string_equal(form(f, 4, KASSA_FORM_RAW), SPECIAL_RAW);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, SPECIAL_URL), KASSA_OK);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, SPECIAL_PHP), KASSA_OK);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, SPECIAL_RAW), KASSA_OK);
    memcpy(sig, SPECIAL_RAW, sizeof sig);
    upper(sig);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, sig), KASSA_OK);
    sig[31] = sig[31] == 'B' ? 'C' : 'B';
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, sig), KASSA_EAUTH_SIGNATURE);
    sig[31] = '\0';
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, sig), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, SPECIAL_URL "0"),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_form_verify(f, 4, TEGRO_SECRET, NULL), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_form_verify(f, 4, NULL, SPECIAL_URL), KASSA_EAUTH_SIGNATURE);
    assert_int_equal(kassa_tegro_form_verify(f, 4, "GB%^&*YJni678", SPECIAL_URL),
                     KASSA_EAUTH_SIGNATURE);
}

static void test_tegro_form_sorting(void **state)
{
    /* bytewise order: "Zeta" < "_x" < "alpha"
     * q=urllib.parse.urlencode(sorted({"alpha":"1","Zeta":"2","_x":"a b"}.items()))
     * -> "Zeta=2&_x=a+b&alpha=1"; print(hashlib.md5((q+"s").encode()).hexdigest()) */
    const kassa_kv f[] = {{"alpha", "1"}, {"Zeta", "2"}, {"_x", "a b"}};
    char out[KASSA_MD5_HEX_SIZE];

    (void)state;
    assert_int_equal(kassa_tegro_form_sign(f, 3, "s", KASSA_FORM_URLENCODED, out), KASSA_OK);
    assert_string_equal(out, "692a8437915f5b9d338f0d94270bc581");
    /* no fields at all: MD5 of the secret alone; print(hashlib.md5(b"s").hexdigest()) */
    assert_int_equal(kassa_tegro_form_sign(NULL, 0, "s", KASSA_FORM_RAW, out), KASSA_OK);
    assert_string_equal(out, "03c7c0ace395d80182db07ae2c30f034");
    /* bad arguments */
    assert_int_equal(kassa_tegro_form_sign(f, 3, NULL, KASSA_FORM_RAW, out), KASSA_EINVAL);
    assert_int_equal(kassa_tegro_form_sign(NULL, 1, "s", KASSA_FORM_RAW, out), KASSA_EINVAL);
    assert_int_equal(kassa_tegro_form_sign(f, 3, "s", (kassa_form_style)7, out), KASSA_EINVAL);
    {
        const kassa_kv nk[] = {{NULL, "1"}};
        assert_int_equal(kassa_tegro_form_sign(nk, 1, "s", KASSA_FORM_RAW, out), KASSA_EINVAL);
        assert_int_equal(kassa_tegro_form_verify(nk, 1, "s", "03c7c0ace395d80182db07ae2c30f034"),
                         KASSA_EAUTH_SIGNATURE);
    }
}

static void test_compare(void **state)
{
    (void)state;
    assert_int_equal(kassa_ct_equal("abc", "abc", 3), 1);
    assert_int_equal(kassa_ct_equal("abc", "abd", 3), 0);
    assert_int_equal(kassa_ct_equal("abc", "abd", 2), 1);
    assert_int_equal(kassa_ct_equal(NULL, NULL, 0), 1);
    assert_int_equal(kassa_ct_equal("a", NULL, 1), 0);

    assert_int_equal(kassa_hex_equal("0a1b2c3d4e5f", "0A1B2C3D4E5F"), 1);
    assert_int_equal(kassa_hex_equal("0A1B2C3D4E5F", "0a1b2c3d4e5f"), 1);
    assert_int_equal(kassa_hex_equal("abcdef", "abcdee"), 0);
    assert_int_equal(kassa_hex_equal("abcdef", "abcde"), 0);
    assert_int_equal(kassa_hex_equal("", ""), 1);
    assert_int_equal(kassa_hex_equal("ab", NULL), 0);
    assert_int_equal(kassa_hex_equal(NULL, "ab"), 0);
    assert_int_equal(kassa_hex_equal(NULL, NULL), 0);
    /* only A-F fold: other bytes stay distinct */
    assert_int_equal(kassa_hex_equal("0", "\x10"), 0);
    assert_int_equal(kassa_hex_equal("a", "A"), 1);
    assert_int_equal(kassa_hex_equal("g", "G"), 0);
    assert_int_equal(kassa_hex_equal("`", "@"), 0);
    assert_int_equal(kassa_hex_equal("f", "F"), 1);
    assert_int_equal(kassa_hex_equal("f", "f\0"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_generic),
        cmocka_unit_test(test_panda),
        cmocka_unit_test(test_panda_strict),
        cmocka_unit_test(test_tegro_rest),
        cmocka_unit_test(test_tegro_form_spec_vectors),
        cmocka_unit_test(test_tegro_form_special),
        cmocka_unit_test(test_tegro_form_sorting),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
