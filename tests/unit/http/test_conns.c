/* test_conns.c: kassad's own connection table (src/server/http/conns.c):
 * the limit, which connection is closed to make room, the 503 past it,
 * request deadlines, and records left behind by connections the library
 * closed without telling. Connections are socket pairs: the table's
 * shutdown(2) is seen as end of stream on the other end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "http/conns.h"

struct pair {
    int ours;   /* the table's end (what MHD would hold) */
    int client; /* the client's end */
    struct conn_rec *rec;
};

static void open_pair(struct pair *p)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    p->ours = sv[0];
    p->client = sv[1];
}

/* Admit and start a connection, as the acceptor and MHD do. */
static bool admit(struct pair *p)
{
    open_pair(p);
    if (!conns_admit(p->ours, false)) {
        p->ours = -1; /* conns_admit closed it */
        return false;
    }
    p->rec = conns_open(p->ours, 0);
    assert_non_null(p->rec);
    return true;
}

/* Whether the table shut the connection down (the client sees EOF). */
static bool shut(const struct pair *p)
{
    char c;
    ssize_t n = recv(p->client, &c, 1, MSG_DONTWAIT);
    return n == 0;
}

static void close_pair(struct pair *p)
{
    if (p->ours >= 0) {
        uint64_t tls;
        assert_null(conns_close(p->rec, &tls));
        close(p->ours);
    }
    close(p->client);
}

static void test_limit_evicts_the_oldest_waiting(void **state)
{
    (void)state;
    conns_configure(3, 60);
    struct pair p[5];
    for (int i = 0; i < 3; i++)
        assert_true(admit(&p[i]));
    /* p[0] is in the middle of a request: not taken. */
    int req;
    assert_null(conns_request_start(p[0].rec, &req));
    assert_true(admit(&p[3]));
    assert_false(shut(&p[0]));
    assert_true(shut(&p[1])); /* the oldest waiting one */
    assert_false(shut(&p[2]));
    struct conns_stats st;
    conns_stats(&st);
    assert_int_equal(st.open, 4);
    assert_int_equal(st.closing, 1);
    assert_int_equal(st.evicted, 1);
    /* MHD closes p[1]: its request state (none) comes back. */
    close_pair(&p[1]);
    p[1].ours = -1;
    conns_stats(&st);
    assert_int_equal(st.open, 3);
    assert_int_equal(st.closing, 0);
    uint64_t tls;
    assert_ptr_equal(conns_close(p[0].rec, &tls), &req); /* left mid-request: the caller frees it */
    close(p[0].ours);
    close(p[0].client);
    close_pair(&p[2]);
    close_pair(&p[3]);
    conns_stats(&st);
    assert_int_equal(st.open, 0);
}

static void test_all_busy_refuses_with_503(void **state)
{
    (void)state;
    conns_configure(2, 60);
    struct pair p[2], extra;
    int req[2];
    for (int i = 0; i < 2; i++) {
        assert_true(admit(&p[i]));
        conns_request_start(p[i].rec, &req[i]);
        conns_request_received(p[i].rec);
    }
    struct conns_stats before, after;
    conns_stats(&before);
    assert_false(admit(&extra)); /* waits up to 200 ms for a closing one: none */
    char buf[512] = {0};
    ssize_t n = recv(extra.client, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\n{\"error\":\"server busy, try again shortly\"}"));
    close(extra.client);
    conns_stats(&after);
    assert_int_equal(after.refused, before.refused + 1);
    assert_int_equal(after.open, 2);
    for (int i = 0; i < 2; i++) {
        conns_request_done(p[i].rec);
        close_pair(&p[i]);
    }
}

static void test_deadline_closes_waiting_and_receiving_not_busy(void **state)
{
    (void)state;
    conns_configure(10, 5);
    struct pair idle, recv_, busy;
    int r1, r2;
    assert_true(admit(&idle));
    assert_true(admit(&recv_));
    assert_true(admit(&busy));
    conns_request_start(recv_.rec, &r1);
    conns_request_start(busy.rec, &r2);
    conns_request_received(busy.rec);
    int64_t now = clock_mono_ms();
    assert_int_equal(conns_reap(now + 4000), 0);
    assert_int_equal(conns_reap(now + 6000), 2);
    assert_true(shut(&idle));
    assert_true(shut(&recv_));
    assert_false(shut(&busy));
    /* Its answer sent, the busy one waits for the next request: a new
     * deadline from now. */
    conns_request_done(busy.rec);
    assert_int_equal(conns_reap(clock_mono_ms() + 4000), 0);
    assert_int_equal(conns_reap(clock_mono_ms() + 6000), 1);
    assert_true(shut(&busy));
    uint64_t tls;
    assert_ptr_equal(conns_close(recv_.rec, &tls), &r1);
    close(recv_.ours);
    close(recv_.client);
    close_pair(&idle);
    close_pair(&busy);
}

static void test_stale_record_is_replaced(void **state)
{
    (void)state;
    conns_configure(10, 60);
    struct pair p;
    assert_true(admit(&p));
    struct conns_stats st;
    conns_stats(&st);
    int open = st.open;
    /* The library closed the socket without a close notification (it
     * failed to start the connection); the descriptor comes back. */
    int fd = p.ours;
    close(p.ours);
    close(p.client);
    struct pair q;
    open_pair(&q);
    if (q.ours != fd) { /* the descriptor was not reused: move it there */
        assert_int_equal(dup2(q.ours, fd), fd);
        close(q.ours);
        q.ours = fd;
    }
    assert_true(conns_admit(q.ours, false));
    q.rec = conns_open(q.ours, 7);
    conns_stats(&st);
    assert_int_equal(st.open, open); /* not one more */
    uint64_t tls;
    assert_null(conns_close(q.rec, &tls));
    assert_int_equal(tls, 7);
    close(q.ours);
    close(q.client);
}

static void test_add_failed_forgets_the_connection(void **state)
{
    (void)state;
    conns_configure(10, 60);
    struct conns_stats a, b;
    conns_stats(&a);
    struct pair p;
    open_pair(&p);
    assert_true(conns_admit(p.ours, false));
    conns_add_failed(p.ours);
    conns_stats(&b);
    assert_int_equal(b.open, a.open);
    assert_null(conns_open(p.ours, 0)); /* no record any more */
    close(p.ours);
    close(p.client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_evicts_the_oldest_waiting),
        cmocka_unit_test(test_all_busy_refuses_with_503),
        cmocka_unit_test(test_deadline_closes_waiting_and_receiving_not_busy),
        cmocka_unit_test(test_stale_record_is_replaced),
        cmocka_unit_test(test_add_failed_forgets_the_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
