/* test_log.c: structured log lines (src/server/log.c). */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/log.h"

static int saved_stderr = -1;
static int pipe_rd = -1;
static char out[1 << 20];

/* Route stderr into a pipe for the duration of one test. */
static int capture(void **state)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
    saved_stderr = dup(2);
    dup2(p[1], 2);
    close(p[1]);
    pipe_rd = p[0];
    log_set_level(LOG_INFO);
    log_set_request_id(NULL);
    return 0;
}

static int release(void **state)
{
    dup2(saved_stderr, 2);
    close(saved_stderr);
    close(pipe_rd);
    return 0;
}

/* Everything logged since the last call. */
static const char *drain(void)
{
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(out) - 1 && (n = read(pipe_rd, out + len, sizeof(out) - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    return out;
}

/* The line without its 29-byte "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " prefix,
 * after checking that prefix's shape. */
static const char *after_ts(const char *line)
{
    const char *shape = "ts=dddd-dd-ddTdd:dd:dd.dddZ ";
    for (size_t i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd')
            assert_true(line[i] >= '0' && line[i] <= '9');
        else
            assert_int_equal(line[i], shape[i]);
    }
    return line + strlen(shape);
}

static void test_line_format(void **state)
{
    log_msg(LOG_INFO, "order created", " uuid=%s amount=%d", "abc", 5);
    assert_string_equal(after_ts(drain()),
                        "level=info req=- msg=\"order created\" uuid=abc amount=5\n");
    log_info("plain");
    assert_string_equal(after_ts(drain()), "level=info req=- msg=\"plain\"\n");
    log_warn("no space needed", "k=%d", 1);
    assert_string_equal(after_ts(drain()), "level=warn req=- msg=\"no space needed\" k=1\n");
    log_error("bad");
    assert_string_equal(after_ts(drain()), "level=error req=- msg=\"bad\"\n");
}

static void test_request_id(void **state)
{
    assert_string_equal(log_request_id(), "-");
    log_set_request_id("0123456789abcdef");
    assert_string_equal(log_request_id(), "0123456789abcdef");
    log_info("with id");
    assert_string_equal(after_ts(drain()), "level=info req=0123456789abcdef msg=\"with id\"\n");
    log_set_request_id("0123456789abcdef0123456789abcdefXYZ"); /* copied up to 32 bytes */
    assert_string_equal(log_request_id(), "0123456789abcdef0123456789abcdef");
    log_set_request_id(NULL);
    assert_string_equal(log_request_id(), "-");
}

static void *other_thread(void *arg)
{
    log_info("other");
    return NULL;
}

static void test_request_id_is_thread_local(void **state)
{
    log_set_request_id("aaaaaaaaaaaaaaaa");
    pthread_t t;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, NULL);
    assert_string_equal(after_ts(drain()), "level=info req=- msg=\"other\"\n");
    log_set_request_id(NULL);
}

static void test_escaping(void **state)
{
    log_info("say \"hi\"\nnext\\line", "note=%s", "a\nb\tc");
    assert_string_equal(after_ts(drain()),
                        "level=info req=- msg=\"say \\\"hi\\\"\\nnext\\\\line\" note=a\\nb\\tc\n");
    log_info("bell\a");
    assert_string_equal(after_ts(drain()), "level=info req=- msg=\"bell\\x07\"\n");
}

static void test_levels(void **state)
{
    log_debug("hidden");
    assert_string_equal(drain(), "");
    log_set_level(LOG_DEBUG);
    log_debug("shown");
    assert_string_equal(after_ts(drain()), "level=debug req=- msg=\"shown\"\n");
    log_set_level(LOG_ERROR);
    log_warn("hidden");
    log_info("hidden");
    assert_string_equal(drain(), "");
    log_error("shown");
    assert_string_equal(after_ts(drain()), "level=error req=- msg=\"shown\"\n");
    log_set_level(LOG_INFO);
}

static void test_bounded(void **state)
{
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    log_info(big, "k=%s", big);
    const char *line = drain();
    assert_int_equal(strlen(line), 4096);
    assert_int_equal(line[4095], '\n');
    assert_memory_equal(line + 4092, "...", 3);
    assert_ptr_equal(strchr(line, '\n'), line + 4095);
    free(big);
}

struct burst {
    int id;
};

static void *burst(void *arg)
{
    struct burst *b = arg;
    char pad[300];
    memset(pad, 'a' + b->id, sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    for (int i = 0; i < 50; i++)
        log_info("burst", "t=%d pad=%s", b->id, pad);
    return NULL;
}

static void test_lines_do_not_interleave(void **state)
{
    enum { T = 8 };
    pthread_t t[T];
    struct burst b[T];
    for (int i = 0; i < T; i++) {
        b[i].id = i;
        pthread_create(&t[i], NULL, burst, &b[i]);
    }
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    const char *all = drain();
    int lines = 0;
    for (const char *p = all; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        const char *rest = after_ts(p);
        assert_memory_equal(rest, "level=info req=- msg=\"burst\" t=", 31);
        int id = rest[31] - '0';
        assert_true(id >= 0 && id < T);
        /* The pad is all one letter: no other line got in between. */
        const char *pad = strstr(rest, "pad=") + 4;
        assert_int_equal(nl - pad, 299);
        for (const char *q = pad; q < nl; q++)
            assert_int_equal(*q, 'a' + id);
        lines++;
        p = nl + 1;
    }
    assert_int_equal(lines, T * 50);
}

/* log_flush returns only once the logger wrote what was logged before it:
 * an info line would otherwise wait in its buffer for up to 5 ms (read
 * right after, it is not there yet). */
static void test_flush(void **state)
{
    assert_int_equal(log_start_async(), 0);
    for (int i = 0; i < 3; i++) {
        log_info("before flush", "i=%d", i);
        log_flush();
        char want[64];
        snprintf(want, sizeof want, "msg=\"before flush\" i=%d\n", i);
        assert_non_null(strstr(drain(), want));
    }
    log_stop_async();
    log_info("synchronous again");
    log_flush(); /* no logger: returns at once */
    assert_non_null(strstr(drain(), "msg=\"synchronous again\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_format, capture, release),
        cmocka_unit_test_setup_teardown(test_request_id, capture, release),
        cmocka_unit_test_setup_teardown(test_request_id_is_thread_local, capture, release),
        cmocka_unit_test_setup_teardown(test_escaping, capture, release),
        cmocka_unit_test_setup_teardown(test_levels, capture, release),
        cmocka_unit_test_setup_teardown(test_bounded, capture, release),
        cmocka_unit_test_setup_teardown(test_lines_do_not_interleave, capture, release),
        cmocka_unit_test_setup_teardown(test_flush, capture, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
