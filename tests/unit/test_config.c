/* test_config.c: kassad's configuration table (src/server/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static const char *const env_names[] = {
    "KASSA_LISTEN",
    "KASSA_DB",
    "KASSA_ADMIN_TOKEN",
    "KASSA_PUBLIC_URL",
    "KASSA_CONFIG",
    "KASSA_TEST_CLOCK",
    "KASSA_ALLOW_PRIVATE_CALLBACKS",
    "KASSA_THREADS",
    "KASSA_MAX_BODY",
    "KASSA_MAX_UPLOAD",
    "KASSA_TIMESTAMP_WINDOW",
    "KASSA_LOG_LEVEL",
    "KASSA_PANDA_ORDER_TTL",
    "KASSA_TEGRO_ORDER_TTL",
    "KASSA_IDEMPOTENCY_TTL",
    "KASSA_CALLBACK_TIMEOUT",
    "KASSA_CALLBACK_SCHEDULE",
    "KASSA_DB_POOL",
    "KASSA_BATCH_MAX",
    "KASSA_TLS_CERT",
    "KASSA_TLS_KEY",
};

static char conf_path[64];

static int setup(void **state)
{
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
    snprintf(conf_path, sizeof(conf_path), "/tmp/kassa-test-config-%d.conf", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    config_free();
    unlink(conf_path);
    return setup(state);
}

static void write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define LOAD(err, ...)                                                                             \
    ({                                                                                             \
        char *argv_[] = {"kassad", __VA_ARGS__};                                                   \
        config_load((int)(sizeof(argv_) / sizeof(argv_[0])), argv_, err, sizeof(err));             \
    })

static void test_defaults(void **state)
{
    char err[256];
    assert_int_equal(LOAD(err, "--admin-token", "tok-0123456789abcdef0123456789abcdef"), 0);
    assert_string_equal(err, "");
    assert_string_equal(config.listen, "127.0.0.1:8080");
    assert_string_equal(config.db, "sqlite:var/kassa.db");
    assert_string_equal(config.admin_token, "tok-0123456789abcdef0123456789abcdef");
    assert_string_equal(config.public_url, "http://127.0.0.1:8080");
    assert_null(config.config_file);
    assert_false(config.test_clock);
    assert_false(config.allow_private_callbacks);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(config.threads, cpus < 2 ? 2 : cpus > 256 ? 256 : cpus); /* auto, SQLite */
    assert_int_equal(config.max_body, 65536);
    assert_int_equal(config.max_upload, 3 * 1024 * 1024 + 64 * 1024);
    assert_int_equal(config.timestamp_window, 300);
    assert_string_equal(config.log_level, "info");
    assert_int_equal(config.panda_order_ttl, 900);
    assert_int_equal(config.tegro_order_ttl, 86400);
    assert_int_equal(config.idempotency_ttl, 86400);
    assert_int_equal(config.callback_timeout, 15);
    assert_string_equal(config.callback_schedule,
                        "0,60,300,900,3600,10800,21600,43200,86400,172800,259200");
    assert_int_equal(config.db_pool, 8);
    assert_int_equal(config.batch_max, 256);
}

static void test_admin_token_required(void **state)
{
    char err[256];
    assert_int_equal(LOAD(err, "--threads", "2"), -1);
    assert_string_equal(err, "--admin-token (KASSA_ADMIN_TOKEN) or --admin-token-file "
                             "(KASSA_ADMIN_TOKEN_FILE) is required");
    assert_int_equal(LOAD(err, "--admin-token="), -1);
    assert_string_equal(err, "--admin-token (KASSA_ADMIN_TOKEN) or --admin-token-file "
                             "(KASSA_ADMIN_TOKEN_FILE) is required");
    /* 31 characters: refused, 32: taken */
    assert_int_equal(LOAD(err, "--admin-token", "0123456789abcdef0123456789abcde"), -1);
    assert_string_equal(err, "--admin-token (KASSA_ADMIN_TOKEN): at least 32 characters, got 31 "
                             "(e.g. openssl rand -hex 24)");
    assert_int_equal(LOAD(err, "--admin-token", "x"), -1);
    assert_int_equal(LOAD(err, "--admin-token", "0123456789abcdef0123456789abcdef"), 0);
}

static void test_flag_forms(void **state)
{
    char err[256];
    assert_int_equal(LOAD(err, "--admin-token=abc-0123456789abcdef0123456789abcdef", "--listen",
                          "0.0.0.0:9000", "--threads=16", "--test-clock",
                          "--allow-private-callbacks=no", "--max-body", "2048", "--public-url",
                          "https://pay.example.com/", "--db", "postgresql://u@h/db",
                          "--log-level=debug"),
                     0);
    assert_string_equal(config.admin_token, "abc-0123456789abcdef0123456789abcdef");
    assert_string_equal(config.listen, "0.0.0.0:9000");
    assert_int_equal(config.threads, 16);
    assert_true(config.test_clock);
    assert_false(config.allow_private_callbacks);
    assert_int_equal(config.max_body, 2048);
    assert_string_equal(config.public_url, "https://pay.example.com");
    assert_string_equal(config.db, "postgresql://u@h/db");
    assert_string_equal(config.log_level, "debug");
}

static void test_threads_auto(void **state)
{
    char err[256];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long pg = 4 * cpus < 8 ? 8 : 4 * cpus > 256 ? 256 : 4 * cpus;
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--db",
                          "postgresql://u@h/db"),
                     0);
    assert_int_equal(config.threads, pg);
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads",
                          "auto", "--db", "sqlite:x.db"),
                     0);
    assert_int_equal(config.threads, cpus < 2 ? 2 : cpus > 256 ? 256 : cpus);
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads",
                          "3", "--db", "sqlite:x.db"),
                     0);
    assert_int_equal(config.threads, 3);
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads", "AUTO"), -1);
    assert_string_equal(err,
                        "--threads: expected auto or an integer between 1 and 256, got 'AUTO'");
}

static void test_public_url_follows_listen(void **state)
{
    char err[256];
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--listen", "127.0.0.1:0"),
        0);
    assert_string_equal(config.public_url, "http://127.0.0.1:0");
}

/* TLS: both files or neither; with them the default public URL is https. */
static void test_tls_pair(void **state)
{
    char err[256];
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--listen",
                          "127.0.0.1:0", "--tls-cert", "c.pem", "--tls-key", "k.pem"),
                     0);
    assert_string_equal(config.tls_cert, "c.pem");
    assert_string_equal(config.tls_key, "k.pem");
    assert_string_equal(config.public_url, "https://127.0.0.1:0");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--tls-cert", "c.pem"),
        -1);
    assert_string_equal(err, "--tls-cert and --tls-key (KASSA_TLS_CERT, KASSA_TLS_KEY) go "
                             "together: --tls-key is missing");
    setenv("KASSA_TLS_KEY", "k.pem", 1);
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef"), -1);
    assert_string_equal(err, "--tls-cert and --tls-key (KASSA_TLS_CERT, KASSA_TLS_KEY) go "
                             "together: --tls-cert is missing");
    setenv("KASSA_TLS_CERT", "c.pem", 1);
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef"), 0);
    assert_string_equal(config.tls_cert, "c.pem");
}

static void test_bad_values(void **state)
{
    char err[256];
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads", "x"), -1);
    assert_string_equal(err, "--threads: expected auto or an integer between 1 and 256, got 'x'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads=0"), -1);
    assert_string_equal(err, "--threads: expected auto or an integer between 1 and 256, got '0'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads", "257"), -1);
    assert_string_equal(err, "--threads: expected auto or an integer between 1 and 256, got '257'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads", "4x"), -1);
    assert_string_equal(err, "--threads: expected auto or an integer between 1 and 256, got '4x'");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--threads",
                          "99999999999999999999"),
                     -1);
    assert_string_equal(err, "--threads: expected auto or an integer between 1 and 256, "
                             "got '99999999999999999999'");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--foo"), -1);
    assert_string_equal(err, "unknown option --foo");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--foo=1"),
                     -1);
    assert_string_equal(err, "unknown option --foo");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "stray"), -1);
    assert_string_equal(err, "unexpected argument 'stray'");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--listen"),
                     -1);
    assert_string_equal(err, "--listen: missing value");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--test-clock=maybe"), -1);
    assert_string_equal(err,
                        "--test-clock: expected a boolean (1/0/true/false/yes/no), got 'maybe'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--listen", "nowhere"),
        -1);
    assert_string_equal(err, "--listen: expected HOST:PORT, got 'nowhere'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--db", "mysql://x"), -1);
    assert_string_equal(err, "--db: expected sqlite:PATH or postgresql://..., got 'mysql://x'");
    assert_int_equal(
        LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef", "--log-level", "loud"),
        -1);
    assert_string_equal(err, "--log-level: expected debug, info, warn or error, got 'loud'");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef",
                          "--callback-schedule", "0,60,30"),
                     -1);
    assert_string_equal(err, "--callback-schedule: expected ascending comma-separated seconds "
                             "(e.g. 0,60,300,900,3600,10800,21600,43200,86400,172800,259200), "
                             "got '0,60,30'");
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef",
                          "--callback-schedule", "0,,5"),
                     -1);
    assert_int_equal(LOAD(err, "--admin-token", "t-0123456789abcdef0123456789abcdef",
                          "--callback-schedule", "0,60,120"),
                     0);
    assert_string_equal(config.callback_schedule, "0,60,120");
}

static void test_env(void **state)
{
    char err[256];
    setenv("KASSA_ADMIN_TOKEN", "from-env-0123456789abcdef0123456789abcdef", 1);
    setenv("KASSA_THREADS", "7", 1);
    setenv("KASSA_TEST_CLOCK", "yes", 1);
    setenv("KASSA_ALLOW_PRIVATE_CALLBACKS", "1", 1);
    setenv("KASSA_LISTEN", "127.0.0.1:9999", 1);
    assert_int_equal(LOAD(err, "--db", "sqlite:/tmp/x.db"), 0);
    assert_string_equal(config.admin_token, "from-env-0123456789abcdef0123456789abcdef");
    assert_int_equal(config.threads, 7);
    assert_true(config.test_clock);
    assert_true(config.allow_private_callbacks);
    assert_string_equal(config.public_url, "http://127.0.0.1:9999");
    assert_string_equal(config.db, "sqlite:/tmp/x.db");

    setenv("KASSA_TEST_CLOCK", "FALSE", 1);
    assert_int_equal(LOAD(err, "--threads", "9"), 0);
    assert_false(config.test_clock);
    assert_int_equal(config.threads, 9); /* flag beats env */

    setenv("KASSA_TEST_CLOCK", "maybe", 1);
    assert_int_equal(LOAD(err, "--threads", "9"), -1);
    assert_string_equal(
        err, "KASSA_TEST_CLOCK: expected a boolean (1/0/true/false/yes/no), got 'maybe'");
    unsetenv("KASSA_TEST_CLOCK");

    setenv("KASSA_MAX_BODY", "12", 1);
    assert_int_equal(LOAD(err, "--threads", "9"), -1);
    assert_string_equal(err, "KASSA_MAX_BODY: expected an integer between 1024 and 67108864, "
                             "got '12'");
}

static void test_file_and_precedence(void **state)
{
    char err[512];
    write_conf("# kassad config\n"
               "\n"
               "admin-token = file-token-0123456789abcdef0123456789abcdef\n"
               "  threads=2  \n"
               "listen = 127.0.0.1:7000\n"
               "test_clock = true\n"
               "public-url = \"http://pay.local\"\n"
               "callback-schedule = 0,10,20\n");
    assert_int_equal(LOAD(err, "--config", conf_path), 0);
    assert_string_equal(config.admin_token, "file-token-0123456789abcdef0123456789abcdef");
    assert_int_equal(config.threads, 2);
    assert_string_equal(config.listen, "127.0.0.1:7000");
    assert_true(config.test_clock);
    assert_string_equal(config.public_url, "http://pay.local");
    assert_string_equal(config.callback_schedule, "0,10,20");
    assert_string_equal(config.config_file, conf_path);

    /* env beats file, flag beats env; the file may come from KASSA_CONFIG */
    setenv("KASSA_CONFIG", conf_path, 1);
    setenv("KASSA_THREADS", "3", 1);
    assert_int_equal(LOAD(err, "--log-level", "warn"), 0);
    assert_int_equal(config.threads, 3);
    assert_string_equal(config.admin_token, "file-token-0123456789abcdef0123456789abcdef");
    assert_int_equal(LOAD(err, "--threads", "5"), 0);
    assert_int_equal(config.threads, 5);
    unsetenv("KASSA_THREADS");
    unsetenv("KASSA_CONFIG");
}

static void test_file_errors(void **state)
{
    char err[512];
    char want[512];
    write_conf("admin-token = t\n# fine\nbogus = 1\n");
    assert_int_equal(LOAD(err, "--config", conf_path), -1);
    snprintf(want, sizeof(want), "%s:3: unknown option 'bogus'", conf_path);
    assert_string_equal(err, want);

    write_conf("admin-token = t\nthreads 4\n");
    assert_int_equal(LOAD(err, "--config=", conf_path), -1);
    assert_int_equal(LOAD(err, "--config", conf_path), -1);
    snprintf(want, sizeof(want), "%s:2: expected 'name = value', got 'threads 4'", conf_path);
    assert_string_equal(err, want);

    write_conf("threads = many\n");
    assert_int_equal(LOAD(err, "--config", conf_path), -1);
    snprintf(want, sizeof(want),
             "%s:1: threads: expected auto or an integer between 1 and 256, got 'many'", conf_path);
    assert_string_equal(err, want);

    write_conf("config = /etc/other\n");
    assert_int_equal(LOAD(err, "--config", conf_path), -1);
    snprintf(want, sizeof(want), "%s:1: unknown option 'config'", conf_path);
    assert_string_equal(err, want);

    assert_int_equal(LOAD(err, "--config", "/nonexistent/kassa.conf"), -1);
    assert_string_equal(
        err, "--config: cannot open '/nonexistent/kassa.conf': No such file or directory");
}

static void test_help_and_version(void **state)
{
    char err[256];
    fflush(stdout);
    int saved = dup(1);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 1);
    int rh = LOAD(err, "--threads", "x", "--help");
    int rv = LOAD(err, "--version");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(null);
    assert_int_equal(rh, 1);
    assert_int_equal(rv, 1);

    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    config_usage(m);
    fclose(m);
    assert_non_null(strstr(text, "Usage: kassad [OPTIONS]"));
    assert_non_null(strstr(text, "--threads N|auto"));
    assert_non_null(strstr(text, "env KASSA_THREADS, default auto\n"));
    assert_non_null(strstr(text, "--admin-token TOKEN"));
    assert_non_null(strstr(text, "env KASSA_ADMIN_TOKEN\n"));
    assert_non_null(strstr(text, "--test-clock "));
    assert_non_null(strstr(text, "env KASSA_CALLBACK_SCHEDULE, default "
                                 "0,60,300,900,3600,10800,21600,43200,86400,172800,259200\n"));
    assert_non_null(strstr(text, "--version"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_token_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_auto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_url_follows_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_and_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
