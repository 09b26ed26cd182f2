/* test_metrics.c: the top-level metrics.c's allow-list (--metrics-allow):
 * what it takes, what it refuses, and which addresses it lets in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static struct metrics_allow a;

static void test_parse_and_match(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(metrics_allow_parse("10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8,172.16.0.0/12", &a,
                                         err, sizeof err),
                     0);
    assert_int_equal(a.n, 5);
    assert_true(metrics_allow_has(&a, "10.0.0.1"));
    assert_true(metrics_allow_has(&a, "10.255.255.255"));
    assert_false(metrics_allow_has(&a, "11.0.0.1"));
    assert_true(metrics_allow_has(&a, "192.168.1.7"));
    assert_false(metrics_allow_has(&a, "192.168.1.8"));
    assert_true(metrics_allow_has(&a, "::1"));
    assert_false(metrics_allow_has(&a, "::2"));
    assert_true(metrics_allow_has(&a, "fd12:3456::1"));
    assert_false(metrics_allow_has(&a, "fe80::1"));
    assert_true(metrics_allow_has(&a, "172.31.255.255"));
    assert_false(metrics_allow_has(&a, "172.32.0.0"));
    /* An IPv4 client of a dual-stack socket shows as IPv4-mapped IPv6. */
    assert_true(metrics_allow_has(&a, "::ffff:10.1.2.3"));
    assert_false(metrics_allow_has(&a, "::ffff:11.1.2.3"));
    /* Not an address at all. */
    assert_false(metrics_allow_has(&a, ""));
    assert_false(metrics_allow_has(&a, "localhost"));

    /* Everything, and nothing. */
    assert_int_equal(metrics_allow_parse("0.0.0.0/0", &a, err, sizeof err), 0);
    assert_true(metrics_allow_has(&a, "203.0.113.9"));
    assert_true(metrics_allow_has(&a, "::ffff:203.0.113.9"));
    assert_false(metrics_allow_has(&a, "2001:db8::1")); /* an IPv6 one is not in 0.0.0.0/0 */
    assert_int_equal(metrics_allow_parse("::/0", &a, err, sizeof err), 0);
    assert_true(metrics_allow_has(&a, "2001:db8::1"));
    assert_int_equal(metrics_allow_parse("", &a, err, sizeof err), 0);
    assert_int_equal(a.n, 0);
    assert_false(metrics_allow_has(&a, "127.0.0.1"));
    /* A prefix that is not on a byte boundary. */
    assert_int_equal(metrics_allow_parse("127.0.0.0/31", &a, err, sizeof err), 0);
    assert_true(metrics_allow_has(&a, "127.0.0.1"));
    assert_false(metrics_allow_has(&a, "127.0.0.2"));
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        {"10.0.0.0/33", "got '10.0.0.0/33'"},
        {"::1/129", "got '::1/129'"},
        {"10.0.0.0/", "got '10.0.0.0/'"},
        {"10.0.0.0/-1", "got '10.0.0.0/-1'"},
        {"10.0.0.0/8x", "got '10.0.0.0/8x'"},
        {"10.0.0.300", "got '10.0.0.300'"},
        {"localhost", "got 'localhost'"},
        {"10.0.0.1,,10.0.0.2", "got ''"},
        {"10.0.0.1,", "got ''"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_int_equal(metrics_allow_parse(bad[i].spec, &a, err, sizeof err), -1);
        char want[256];
        snprintf(want, sizeof want,
                 "--metrics-allow: expected CIDR[,CIDR...] (e.g. 127.0.0.1/32,10.0.0.0/8), %s",
                 bad[i].msg);
        assert_string_equal(err, want);
    }
    /* Bounded: at most METRICS_ALLOW_MAX networks. */
    char spec[METRICS_ALLOW_MAX * 16 + 32] = "";
    for (int i = 0; i <= METRICS_ALLOW_MAX; i++) {
        char one[20];
        snprintf(one, sizeof one, "%s10.0.%d.0/24", i > 0 ? "," : "", i);
        strcat(spec, one);
    }
    char err[256] = "";
    assert_int_equal(metrics_allow_parse(spec, &a, err, sizeof err), -1);
    assert_string_equal(err, "--metrics-allow: at most 64 networks");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_match),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
