/* test_client.c: libkassa's client (src/lib/client_*.c): the exact bytes,
 * URLs and signatures of built requests (expected HMACs computed with
 * Python's hmac/json/urllib), and how answers are classified into errors,
 * against a canned HTTP server forked on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kassa/kassa.h"

#define SHOP "D0F98E7D7742609DC508D86BB7500914"

/* ------------------------------------------------------------ panda build */

static void test_panda_legacy_exact_bytes(void **state)
{
    kassa_panda_order_params p = {.api = KASSA_PANDA_LEGACY,
                                  .amount = "1000.4747448348385",
                                  .requisite_type = "SBP",
                                  .idempotency_key = "k1"};
    kassa_request r;

    assert_int_equal(
        kassa_panda_build_create_order("http://h", "apiKey", "secret", &p, "1700000000", &r),
        KASSA_OK);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.url, "http://h/orders");
    /* json.dumps({"amount_rub":1000.4747448348385,...}, separators=(",",":")) */
    assert_string_equal(r.body, "{\"amount_rub\":1000.4747448348385,\"requisite_type\":\"SBP\","
                                "\"idempotency_key\":\"k1\"}");
    assert_int_equal(r.body_len, strlen(r.body));
    assert_int_equal(r.n_headers, 4);
    assert_string_equal(r.headers[0], "Content-Type: application/json");
    assert_string_equal(r.headers[1], "X-API-Key: apiKey");
    assert_string_equal(
        r.headers[2],
        "X-Signature: 58d18b8bdf8572c1d39bad588aeec635020db498e392d37b21bbc1e919099f99");
    assert_string_equal(r.headers[3], "X-Timestamp: 1700000000");
    assert_string_equal(kassa_request_header(&r, "x-signature"),
                        "58d18b8bdf8572c1d39bad588aeec635020db498e392d37b21bbc1e919099f99");
    kassa_request_free(&r);
    assert_null(r.url);
}

static void test_panda_v1_escapes_like_python(void **state)
{
    kassa_panda_order_params p = {.api = KASSA_PANDA_V1,
                                  .amount = "1000.4747448348385",
                                  .requisite_type = "SBP",
                                  .idempotency_key = "k1",
                                  .currency = "RUB",
                                  .merchant_order_id = "заказ \"1\"\n😀"};
    kassa_request r;

    assert_int_equal(
        kassa_panda_build_create_order("http://h//", "apiKey", "secret", &p, "1700000000", &r),
        KASSA_OK);
    assert_string_equal(r.url, "http://h/v1/orders");
    assert_string_equal(r.body,
                        "{\"amount\":\"1000.4747448348385\",\"requisite_type\":\"SBP\","
                        "\"idempotency_key\":\"k1\",\"currency\":\"RUB\",\"merchant_order_id\":"
                        "\"\\u0437\\u0430\\u043a\\u0430\\u0437 \\\"1\\\"\\n\\ud83d\\ude00\"}");
    assert_string_equal(kassa_request_header(&r, "X-Signature"),
                        "2aea0348e47464af94990c3540758aaab3281557e1c6a27ce0d0d8a8876f7a9a");
    kassa_request_free(&r);
}

static void test_panda_fresh_idempotency_key_and_timestamp(void **state)
{
    kassa_panda_order_params p = {.amount = "10", .requisite_type = "card"};
    kassa_request r;
    const char *key;
    char sig[KASSA_SHA256_HEX_SIZE];

    assert_int_equal(kassa_panda_build_create_order("http://h", "k", "s", &p, NULL, &r), KASSA_OK);
    key = strstr(r.body, "\"idempotency_key\":\"");
    assert_non_null(key);
    key += strlen("\"idempotency_key\":\"");
    assert_int_equal(strchr(key, '"') - key, 36);
    assert_int_equal(key[14], '4');
    /* The signature still covers exactly the timestamp sent + body. */
    kassa_panda_sign("s", kassa_request_header(&r, "X-Timestamp"), r.body, r.body_len, sig);
    assert_string_equal(kassa_request_header(&r, "X-Signature"), sig);
    kassa_request_free(&r);
}

static void test_panda_build_refuses_bad_input(void **state)
{
    kassa_panda_order_params p = {.amount = "1e3", .requisite_type = "SBP"};
    kassa_request r;
    const char *bad[] = {"1e3", "", "-1", "1.", ".5", " 1", "1,5", "NaN", NULL};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.amount = bad[i];
        assert_int_equal(kassa_panda_build_create_order("http://h", "k", "s", &p, "1", &r),
                         KASSA_EINVAL);
        assert_null(r.url);
    }
    p.amount = "1";
    p.requisite_type = NULL;
    assert_int_equal(kassa_panda_build_create_order("http://h", "k", "s", &p, "1", &r),
                     KASSA_EINVAL);
    p.requisite_type = "SBP";
    p.merchant_order_id = "\xff\xfe"; /* not UTF-8 */
    assert_int_equal(kassa_panda_build_create_order("http://h", "k", "s", &p, "1", &r),
                     KASSA_EINVAL);
    p.merchant_order_id = NULL;
    assert_int_equal(kassa_panda_build_create_order("http://h", NULL, "s", &p, "1", &r),
                     KASSA_EINVAL);
}

static void test_panda_get_signs_timestamp_only(void **state)
{
    kassa_request r;

    assert_int_equal(
        kassa_panda_build_get("http://h/", "apiKey", "secret", "/orders/u1", "1700000000", &r),
        KASSA_OK);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.url, "http://h/orders/u1");
    assert_null(r.body);
    assert_string_equal(kassa_request_header(&r, "X-Signature"),
                        "4b227f8831b3763d066901751ad4c583ed08832bf1924a4ec50c2e871b1e8586");
    assert_null(kassa_request_header(&r, "Content-Type"));
    kassa_request_free(&r);
    assert_int_equal(kassa_panda_build_get("http://h", "k", "s", "orders", "1", &r), KASSA_EINVAL);
}

static void test_panda_order_parse_keeps_exact_amount(void **state)
{
    const char *num = "{\"uuid\":\"u\",\"status\":\"pending\",\"amount\":1000.47,"
                      "\"requisites\":\"+7900\",\"currency\":\"RUB\"}";
    const char *str = "{\"uuid\":\"u\",\"amount\":\"0.10\",\"requisite\":\"4111\"}";
    kassa_panda_order o;

    assert_int_equal(kassa_panda_order_parse(num, strlen(num), &o), KASSA_OK);
    assert_string_equal(o.uuid, "u");
    assert_string_equal(o.status, "pending");
    assert_string_equal(o.amount, "1000.47");
    assert_string_equal(o.requisite, "+7900");
    assert_string_equal(o.json, num);
    assert_null(o.merchant_order_id);
    kassa_panda_order_free(&o);
    assert_null(o.uuid);

    assert_int_equal(kassa_panda_order_parse(str, strlen(str), &o), KASSA_OK);
    assert_string_equal(o.amount, "0.10");
    assert_string_equal(o.requisite, "4111");
    kassa_panda_order_free(&o);

    assert_int_equal(kassa_panda_order_parse("[1]", 3, &o), KASSA_EPROTO);
    assert_int_equal(kassa_panda_order_parse("{\"a\":1,\"a\":2}", 13, &o), KASSA_EPROTO);
}

/* ------------------------------------------------------------ tegro build */

static void test_tegro_call_exact_bytes(void **state)
{
    kassa_request r;

    assert_int_equal(kassa_tegro_build_call("https://t.example/", SHOP, "apikey", "createOrder",
                                            " {\"currency\":\"RUB\", \"amount\":100.5} ", "123",
                                            &r),
                     KASSA_OK);
    assert_string_equal(r.url, "https://t.example/api/createOrder/");
    /* Fields are copied byte for byte: the number stays 100.5. */
    assert_string_equal(r.body, "{\"shop_id\":\"" SHOP
                                "\",\"nonce\":123,\"currency\":\"RUB\", \"amount\":100.5}");
    assert_string_equal(kassa_request_header(&r, "Authorization"),
                        "Bearer 0d8e9d5e2a6e0c742c817ea6dc4b149bf484afbf63f87a4b137b1a61bb176f6d");
    assert_string_equal(kassa_request_header(&r, "Content-Type"), "application/json");
    kassa_request_free(&r);

    assert_int_equal(
        kassa_tegro_build_call("http://h", "S", "apikey", "balance", "{}", "1700000000000000", &r),
        KASSA_OK);
    assert_string_equal(r.body, "{\"shop_id\":\"S\",\"nonce\":1700000000000000}");
    assert_string_equal(kassa_request_header(&r, "Authorization"),
                        "Bearer 9c044c5e41076ac8d2f2a4920b80a542825663034ff717f375c9b29bfc12be1a");
    kassa_request_free(&r);
}

static void test_tegro_call_default_nonce_is_microseconds(void **state)
{
    kassa_request r;
    const char *n;

    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "shops", NULL, NULL, &r),
                     KASSA_OK);
    n = strstr(r.body, "\"nonce\":");
    assert_non_null(n);
    n += strlen("\"nonce\":");
    assert_int_equal(strspn(n, "0123456789"), 16);
    kassa_request_free(&r);
}

static void test_tegro_call_refuses_bad_input(void **state)
{
    kassa_request r;

    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "x/../y", NULL, "1", &r),
                     KASSA_EINVAL);
    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "", NULL, "1", &r), KASSA_EINVAL);
    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "order", "[1]", "1", &r),
                     KASSA_EINVAL);
    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "order", "{", "1", &r),
                     KASSA_EINVAL);
    assert_int_equal(
        kassa_tegro_build_call("http://h", "S", "k", "order", "{\"shop_id\":\"X\"}", "1", &r),
        KASSA_EINVAL);
    assert_int_equal(
        kassa_tegro_build_call("http://h", "S", "k", "order", "{\"nonce\":2}", "1", &r),
        KASSA_EINVAL);
    assert_int_equal(kassa_tegro_build_call("http://h", "S", "k", "order", NULL, "1.5", &r),
                     KASSA_EINVAL);
    assert_null(r.url);
}

static void test_tegro_pay_url_vectors(void **state)
{
    char *url = NULL;

    /* spec/tegro.md's test vector */
    assert_int_equal(kassa_tegro_pay_url("https://kassa.example", SHOP, "GB%^&*YJni677", "100",
                                         "RUB", "123", 0, &url),
                     KASSA_OK);
    assert_string_equal(url, "https://kassa.example/pay/?amount=100&currency=RUB&order_id=123"
                             "&shop_id=" SHOP "&sign=ab399192242d30c151efda7f8c47b304");
    free(url);
    /* urlencode(sorted(...)) with test=1 and characters that need escaping */
    assert_int_equal(kassa_tegro_pay_url("https://kassa.example/", SHOP, "GB%^&*YJni677", "100",
                                         "RUB", "Order #1/ä", 1, &url),
                     KASSA_OK);
    assert_string_equal(url, "https://kassa.example/pay/?amount=100&currency=RUB"
                             "&order_id=Order+%231%2F%C3%A4&shop_id=" SHOP
                             "&test=1&sign=4ff204156820798717f91df2067827db");
    free(url);
    assert_int_equal(kassa_tegro_pay_url("h", SHOP, NULL, "1", "RUB", "1", 0, &url), KASSA_EINVAL);
    assert_null(url);
}

/* ------------------------------------------------------------------- misc */

static void test_request_helpers(void **state)
{
    kassa_request r;

    assert_int_equal(kassa_request_init(&r, "DELETEME", "http://h"), KASSA_EINVAL);
    assert_int_equal(kassa_request_init(&r, "GET", "http://h"), KASSA_OK);
    assert_int_equal(kassa_request_add_header(&r, "X-A", "1\r\nX-B: 2"), KASSA_EINVAL);
    assert_int_equal(kassa_request_add_header(&r, "X:A", "1"), KASSA_EINVAL);
    for (int i = 0; i < KASSA_REQUEST_MAX_HEADERS; i++)
        assert_int_equal(kassa_request_add_header(&r, "X-N", "v"), KASSA_OK);
    assert_int_equal(kassa_request_add_header(&r, "X-N", "v"), KASSA_EINVAL);
    kassa_request_free(&r);
    kassa_request_free(&r); /* twice is fine */
}

static void test_uuid_and_decimal(void **state)
{
    char a[KASSA_UUID_SIZE];
    char b[KASSA_UUID_SIZE];

    assert_int_equal(kassa_uuid4(a), KASSA_OK);
    assert_int_equal(kassa_uuid4(b), KASSA_OK);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[8], '-');
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
    assert_int_equal(kassa_decimal_valid("0"), 1);
    assert_int_equal(kassa_decimal_valid("1000.4747448348385"), 1);
    assert_int_equal(kassa_decimal_valid("1."), 0);
    assert_int_equal(kassa_decimal_valid("+1"), 0);
    assert_int_equal(kassa_decimal_valid(NULL), 0);
    assert_string_equal(kassa_http_reason(415), "Unsupported Media Type");
    assert_string_equal(kassa_http_reason(299), "");
}

/* ------------------------------------------------- answers, canned server */

/* Fork a server on 127.0.0.1 that answers each of the n raw responses to
 * one connection in turn; returns its port, *pid its process. */
struct canned {
    const char *status; /* "200 OK" */
    const char *body;
};

static int canned_server(const struct canned *responses, int n, pid_t *pid)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        for (int i = 0; i < n; i++) {
            char buf[65536];
            size_t len = 0;
            int c = accept(fd, NULL, NULL);
            if (c < 0)
                _exit(1);
            /* Read the head and the Content-Length body, then answer. */
            for (;;) {
                ssize_t r = read(c, buf + len, sizeof buf - 1 - len);
                if (r <= 0)
                    break;
                len += (size_t)r;
                buf[len] = '\0';
                char *end = strstr(buf, "\r\n\r\n");
                if (end) {
                    char *cl = strcasestr(buf, "Content-Length:");
                    long want = cl ? strtol(cl + 15, NULL, 10) : 0;
                    if ((long)(len - (size_t)(end + 4 - buf)) >= want)
                        break;
                }
            }
            char head[256];
            int hl = snprintf(head, sizeof head,
                              "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                              responses[i].status, strlen(responses[i].body));
            if (write(c, head, (size_t)hl) < 0 ||
                write(c, responses[i].body, strlen(responses[i].body)) < 0)
                _exit(1);
            close(c);
        }
        _exit(0);
    }
    close(fd);
    return ntohs(a.sin_port);
}

static void wait_server(pid_t pid)
{
    int st = 0;

    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static char *host_of(int port)
{
    static char host[64];
    snprintf(host, sizeof host, "http://127.0.0.1:%d", port);
    return host;
}

static void test_panda_answers_classified(void **state)
{
    const struct canned responses[] = {
        {"200 OK", "{\"uuid\":\"u1\",\"status\":\"pending\",\"amount\":\"1.00\"}"},
        {"409 Conflict", "{\"error\":\"idempotency key reused with different parameters\"}"},
        {"502 Bad Gateway", "upstrm!"},
        {"200 OK", "hello"},
        {"200 OK", "[{\"uuid\":\"a\",\"amount\":1.5} , {\"uuid\":\"b\"}]"},
        {"200 OK", "{\"status\":\"canceled\",\"uuid\":\"u1\"}"},
    };
    kassa_panda_order_params p = {.api = KASSA_PANDA_V1, .amount = "1", .requisite_type = "SBP"};
    kassa_panda_order o;
    kassa_panda_order *many = NULL;
    size_t n = 0;
    kassa_error err;
    char status[16];
    pid_t pid;
    int port = canned_server(responses, 6, &pid);
    kassa_panda *c = kassa_panda_new(host_of(port), "k", "s");

    assert_non_null(c);
    assert_int_equal(kassa_panda_create_order(c, &p, &o, &err), KASSA_OK);
    assert_int_equal(err.code, KASSA_OK);
    assert_string_equal(o.uuid, "u1");
    assert_string_equal(o.amount, "1.00");
    kassa_panda_order_free(&o);

    assert_int_equal(kassa_panda_create_order(c, &p, &o, &err), KASSA_EAPI);
    assert_int_equal(err.code, KASSA_EAPI);
    assert_int_equal(err.http_status, 409);
    assert_string_equal(err.message, "idempotency key reused with different parameters");
    assert_null(o.uuid);

    assert_int_equal(kassa_panda_get_order(c, "u1", &o, &err), KASSA_EHTTP);
    assert_int_equal(err.http_status, 502);
    assert_string_equal(err.message, "HTTP 502 Bad Gateway: upstrm!");

    assert_int_equal(kassa_panda_get_order(c, "u1", &o, &err), KASSA_EPROTO);
    assert_int_equal(err.http_status, 200);

    assert_int_equal(kassa_panda_list_by_merchant_id(c, "m 1", &many, &n, &err), KASSA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(many[0].uuid, "a");
    assert_string_equal(many[0].amount, "1.5");
    assert_string_equal(many[0].json, "{\"uuid\":\"a\",\"amount\":1.5}");
    assert_string_equal(many[1].uuid, "b");
    assert_null(many[1].amount);
    kassa_panda_orders_free(many, n);

    assert_int_equal(kassa_panda_cancel(c, "u1", status, sizeof status, &err), KASSA_OK);
    assert_string_equal(status, "canceled");
    kassa_panda_free(c);
    wait_server(pid);
}

static void test_tegro_answers_classified(void **state)
{
    const struct canned responses[] = {
        {"200 OK", "{\"type\":\"success\",\"desc\":\"\",\"data\":{\"id\":7,"
                   "\"url\":\"http://k/pay/complete/7/x/\"}}"},
        {"200 OK", "{\"type\":\"error\",\"desc\":\"Wrong authorization token\"}"},
        {"200 OK", "{\"type\":\"success\",\"desc\":\"\",\"data\":{\"user_id\":3,"
                   "\"balance\":{\"RUB\":\"1.10\",\"USD\":0.5}}}"},
        {"200 OK", "{\"type\":\"success\",\"desc\":\"\",\"data\":[{\"id\":2,\"status\":1,"
                   "\"amount\":\"64.18000000\",\"payment_id\":\"Order #1\",\"date_payed\":null}]}"},
        {"200 OK", "{}"},
    };
    kassa_tegro_order_params p = {
        .currency = "RUB", .amount = "100", .order_id = "o1", .payment_system = 28};
    kassa_tegro_created cr;
    kassa_tegro_balance bal;
    kassa_tegro_order *os = NULL;
    size_t n = 0;
    char *data = NULL;
    kassa_error err;
    pid_t pid;
    int port = canned_server(responses, 5, &pid);
    kassa_tegro *c = kassa_tegro_new(host_of(port), SHOP, "k");

    assert_non_null(c);
    assert_int_equal(kassa_tegro_create_order(c, &p, &cr, &err), KASSA_OK);
    assert_int_equal(cr.id, 7);
    assert_string_equal(cr.url, "http://k/pay/complete/7/x/");
    kassa_tegro_created_free(&cr);

    assert_int_equal(kassa_tegro_call(c, "shops", NULL, &data, &err), KASSA_EAPI);
    assert_int_equal(err.http_status, 200);
    assert_string_equal(err.message, "Wrong authorization token");
    assert_null(data);

    assert_int_equal(kassa_tegro_balance_get(c, &bal, &err), KASSA_OK);
    assert_int_equal(bal.user_id, 3);
    assert_int_equal(bal.n, 2);
    assert_string_equal(bal.items[0].currency, "RUB");
    assert_string_equal(bal.items[0].amount, "1.10");
    assert_string_equal(bal.items[1].amount, "0.5");
    kassa_tegro_balance_free(&bal);

    assert_int_equal(kassa_tegro_orders_get(c, 1, &os, &n, &err), KASSA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(os[0].id, 2);
    assert_int_equal(os[0].status, 1);
    assert_string_equal(os[0].amount, "64.18000000");
    assert_string_equal(os[0].payment_id, "Order #1");
    assert_null(os[0].date_payed);
    kassa_tegro_orders_free(os, n);

    assert_int_equal(kassa_tegro_call(c, "balance", NULL, &data, &err), KASSA_EPROTO);
    kassa_tegro_free(c);
    wait_server(pid);
}

static void test_transport_error(void **state)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    kassa_panda_order o;
    kassa_error err;
    kassa_panda_order_params p = {.amount = "1", .requisite_type = "SBP"};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char host[64];
    kassa_panda *c;

    /* A port bound but never listened on refuses connections. */
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(host, sizeof host, "http://127.0.0.1:%d", ntohs(a.sin_port));
    c = kassa_panda_new(host, "k", "s");
    assert_int_equal(kassa_panda_create_order(c, &p, &o, &err), KASSA_ETRANSPORT);
    assert_int_equal(err.code, KASSA_ETRANSPORT);
    assert_int_equal(err.http_status, 0);
    assert_true(strlen(err.message) > 0);
    p.amount = "x";
    assert_int_equal(kassa_panda_create_order(c, &p, &o, &err), KASSA_EINVAL);
    assert_int_equal(err.code, KASSA_EINVAL);
    kassa_panda_free(c);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panda_legacy_exact_bytes),
        cmocka_unit_test(test_panda_v1_escapes_like_python),
        cmocka_unit_test(test_panda_fresh_idempotency_key_and_timestamp),
        cmocka_unit_test(test_panda_build_refuses_bad_input),
        cmocka_unit_test(test_panda_get_signs_timestamp_only),
        cmocka_unit_test(test_panda_order_parse_keeps_exact_amount),
        cmocka_unit_test(test_tegro_call_exact_bytes),
        cmocka_unit_test(test_tegro_call_default_nonce_is_microseconds),
        cmocka_unit_test(test_tegro_call_refuses_bad_input),
        cmocka_unit_test(test_tegro_pay_url_vectors),
        cmocka_unit_test(test_request_helpers),
        cmocka_unit_test(test_uuid_and_decimal),
        cmocka_unit_test(test_panda_answers_classified),
        cmocka_unit_test(test_tegro_answers_classified),
        cmocka_unit_test(test_transport_error),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
