/* test_totp.c: base/totp.c against RFC 6238's and RFC 4648's vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/totp.h"

static const uint8_t rfc_key[] = "12345678901234567890"; /* RFC 6238 appendix B, SHA-1 */

/* RFC 6238 appendix B: time, the SHA-1 code of 8 digits. */
static void rfc6238_vectors(void **state)
{
    (void)state;
    static const struct {
        uint64_t t;
        uint32_t code;
    } v[] = {
        {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
        {1234567890, 89005924}, {2000000000, 69279037}, {20000000000ull, 65353130},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(totp_code(rfc_key, 20, v[i].t / TOTP_STEP, 8), v[i].code);
    /* Six digits: the last six of the same number. */
    assert_int_equal(totp_code(rfc_key, 20, 59 / TOTP_STEP, 6), 287082);
}

/* RFC 4648 section 10, without the padding. */
static void base32_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"", ""},
        {"f", "MY"},
        {"fo", "MZXQ"},
        {"foo", "MZXW6"},
        {"foob", "MZXW6YQ"},
        {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI"},
    };
    char out[32];
    uint8_t back[32];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i][0]);
        assert_true(base32_encode((const uint8_t *)v[i][0], n, out, sizeof out));
        assert_string_equal(out, v[i][1]);
        assert_int_equal(base32_decode(v[i][1], back, sizeof back), (int)n);
        assert_memory_equal(back, v[i][0], n);
    }
    assert_int_equal(base32_decode("mzxw6ytboi======", back, sizeof back), 6);
    assert_memory_equal(back, "foobar", 6);
    assert_int_equal(base32_decode("MZ1W", back, sizeof back), -1);     /* 1 is not base32 */
    assert_int_equal(base32_decode("MZXW6YTB", back, 4), -1);           /* too long */
    assert_false(base32_encode((const uint8_t *)"foobar", 6, out, 10)); /* no room */
}

/* The check: a step on either side, not two, and never a used one. */
static void check_window_and_replay(void **state)
{
    (void)state;
    char secret[33];
    assert_true(base32_encode(rfc_key, 20, secret, sizeof secret));
    assert_string_equal(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    int64_t now = 1111111111, step = 0;
    /* 1111111111 is step 37037037; its code 050471. */
    assert_true(totp_check(secret, "050471", now, 0, &step));
    assert_int_equal(step, 37037037);
    assert_false(totp_check(secret, "050471", now, 37037037, &step)); /* used */
    assert_true(totp_check(secret, "050471", now + 30, 0, &step));    /* one step late */
    assert_true(totp_check(secret, "050471", now - 30, 0, &step));    /* one step early */
    assert_false(totp_check(secret, "050471", now + 60, 0, &step));   /* two */
    assert_false(totp_check(secret, "50471", now, 0, &step));
    assert_false(totp_check(secret, "05047a", now, 0, &step));
    assert_false(totp_check("not base32!", "050471", now, 0, &step));
    char fresh[33];
    totp_secret_new(fresh);
    assert_int_equal(strlen(fresh), 32);
    assert_int_equal(base32_decode(fresh, (uint8_t[20]){0}, 20), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6238_vectors),
        cmocka_unit_test(base32_vectors),
        cmocka_unit_test(check_window_and_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
