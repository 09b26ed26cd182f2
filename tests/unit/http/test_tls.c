/* test_tls.c: the served certificate and key (src/server/tls.c): loading,
 * the checks that make a bad pair a clear error, reload, and when a replaced
 * pair is freed. The pairs are made with the openssl command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/tls.h"

static char dir[64];
static char path_buf[8][128];

/* dir/name, in one of a few rotating buffers. */
static const char *at(const char *name)
{
    static int next;
    char *p = path_buf[next++ % 8];
    snprintf(p, sizeof path_buf[0], "%s/%s", dir, name);
    return p;
}

static void run(const char *cmd)
{
    assert_int_equal(system(cmd), 0);
}

/* A self-signed pair named `cn` (cn.crt, cn.key) in dir. */
static void make_pair(const char *cn)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout %s/%s.key -out %s/%s.crt -days 2 -subj /CN=%s 2>/dev/null",
             dir, cn, dir, cn, cn);
    run(cmd);
}

static void copy(const char *from, const char *to)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp %s %s", at(from), at(to));
    run(cmd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/kassa-test-tls-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    make_pair("one");
    make_pair("two");
    FILE *f = fopen(at("garbage.pem"), "w");
    if (f == NULL)
        return -1;
    fputs("not a PEM file\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tls_free();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[512], want[512];
    assert_false(tls_enabled());

    assert_int_equal(tls_load(at("none.crt"), at("one.key"), err, sizeof err), -1);
    snprintf(want, sizeof want, "cannot read the TLS certificate %s: No such file or directory",
             at("none.crt"));
    assert_string_equal(err, want);

    assert_int_equal(tls_load(at("one.crt"), at("none.key"), err, sizeof err), -1);
    snprintf(want, sizeof want, "cannot read the TLS key %s: No such file or directory",
             at("none.key"));
    assert_string_equal(err, want);

    assert_int_equal(tls_load(at("garbage.pem"), at("one.key"), err, sizeof err), -1);
    snprintf(want, sizeof want,
             "the TLS certificate %s holds no usable PEM certificate chain: ", at("garbage.pem"));
    assert_memory_equal(err, want, strlen(want));

    assert_int_equal(tls_load(at("one.crt"), at("garbage.pem"), err, sizeof err), -1);
    snprintf(want, sizeof want, "the TLS key %s holds no usable PEM private key",
             at("garbage.pem"));
    assert_memory_equal(err, want, strlen(want));

    /* The key of another certificate. */
    assert_int_equal(tls_load(at("one.crt"), at("two.key"), err, sizeof err), -1);
    snprintf(want, sizeof want, "the TLS key %s does not belong to the certificate %s",
             at("two.key"), at("one.crt"));
    assert_string_equal(err, want);

    /* A directory is no file. */
    assert_int_equal(tls_load(dir, at("one.key"), err, sizeof err), -1);
    snprintf(want, sizeof want, "the TLS certificate %s is not a PEM file of at most 1048576 bytes",
             dir);
    assert_string_equal(err, want);

    assert_false(tls_enabled());
    assert_int_equal(tls_pairs_held(), 0);
    assert_int_equal(tls_reload(err, sizeof err), -1);
    assert_string_equal(err, "TLS is not configured");
}

/* A copy of the DER of the first certificate tls_retrieve hands out: the
 * pair it points into is freed by a reload with no connection open. */
struct der {
    unsigned int size;
    unsigned char data[16384];
};

static struct der served(void)
{
    gnutls_pcert_st *pc = NULL;
    unsigned int n = 0;
    gnutls_privkey_t key = NULL;
    assert_int_equal(tls_retrieve(NULL, NULL, 0, NULL, 0, &pc, &n, &key), 0);
    assert_int_equal(n, 1);
    assert_non_null(key);
    struct der d = {.size = pc[0].cert.size};
    assert_in_range(d.size, 1, sizeof d.data);
    memcpy(d.data, pc[0].cert.data, d.size);
    return d;
}

static bool same(struct der a, struct der b)
{
    return a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
}

static void test_load_and_reload(void **state)
{
    (void)state;
    char err[512];
    copy("one.crt", "live.crt");
    copy("one.key", "live.key");
    assert_int_equal(tls_load(at("live.crt"), at("live.key"), err, sizeof err), 0);
    assert_true(tls_enabled());
    assert_int_equal(tls_pairs_held(), 1);
    struct der first = served();

    /* A reload with nothing open frees the old pair at once. */
    copy("two.crt", "live.crt");
    copy("two.key", "live.key");
    assert_int_equal(tls_reload(err, sizeof err), 0);
    assert_int_equal(tls_pairs_held(), 1);
    struct der second = served();
    assert_false(same(first, second));

    /* Half-replaced files (the certificate new, the key still the old
     * one's): refused, the pair in use stays. */
    copy("one.crt", "live.crt");
    assert_int_equal(tls_reload(err, sizeof err), -1);
    char want[512];
    snprintf(want, sizeof want, "the TLS key %s does not belong to the certificate %s",
             at("live.key"), at("live.crt"));
    assert_string_equal(err, want);
    assert_true(same(served(), second));
    assert_int_equal(tls_pairs_held(), 1);

    copy("garbage.pem", "live.key");
    assert_int_equal(tls_reload(err, sizeof err), -1);
    assert_true(same(served(), second));
}

/* A replaced pair lives while a connection opened before the reload is
 * open, and no longer. */
static void test_replaced_pairs_freed(void **state)
{
    (void)state;
    char err[512];
    copy("one.crt", "live.crt");
    copy("one.key", "live.key");
    assert_int_equal(tls_load(at("live.crt"), at("live.key"), err, sizeof err), 0);

    uint64_t a = tls_conn_open(); /* may have handshaken with pair 1 */
    copy("two.crt", "live.crt");
    copy("two.key", "live.key");
    assert_int_equal(tls_reload(err, sizeof err), 0);
    assert_int_equal(tls_pairs_held(), 2); /* 1 held by a */

    uint64_t b = tls_conn_open(); /* pair 2 */
    copy("one.crt", "live.crt");
    copy("one.key", "live.key");
    assert_int_equal(tls_reload(err, sizeof err), 0);
    assert_int_equal(tls_pairs_held(), 3); /* 1 by a; 2 by a and b */

    uint64_t c = tls_conn_open(); /* pair 3: holds nothing replaced */
    tls_conn_close(c);
    assert_int_equal(tls_pairs_held(), 3);
    tls_conn_close(b);
    assert_int_equal(tls_pairs_held(), 3); /* a may still use 1 or 2 */
    tls_conn_close(a);
    assert_int_equal(tls_pairs_held(), 1);

    /* Free everything with a connection still open (at exit). */
    uint64_t d = tls_conn_open();
    copy("two.crt", "live.crt");
    copy("two.key", "live.key");
    assert_int_equal(tls_reload(err, sizeof err), 0);
    assert_int_equal(tls_pairs_held(), 2);
    tls_free();
    assert_int_equal(tls_pairs_held(), 0);
    tls_conn_close(d);
    assert_false(tls_enabled());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_pairs_freed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
