/* test_callback_engine.c: the callback engine's pure parts: the retry
 * schedule, the callback bodies and their signatures (each dialect's, in
 * its folder, reached as the dispatcher reaches them: through the
 * registry), the receiver choice, and the SSRF guard's address
 * classification. Expected signatures were
 * computed independently with Python's hmac / hashlib / urllib.parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "callback/dispatcher.h"
#include "callback/render.h"
#include "callback/ssrf.h"
#include "dialect/dialect.h"
#include "dialect/panda/panda.h"
#include "dialect/tegro/tegro.h"
#include "kassa/callback.h"
#include "kassa/sign.h"

#define DEFAULT_SCHEDULE "0,60,300,900,3600,10800,21600,43200,86400,172800,259200"

/* ---- schedule ---- */

static void test_schedule_parse_default(void **state)
{
    (void)state;
    int64_t s[CALLBACK_SCHEDULE_MAX];
    char err[128] = "";
    int n = callback_schedule_parse(DEFAULT_SCHEDULE, s, CALLBACK_SCHEDULE_MAX, err, sizeof err);
    assert_int_equal(n, 11);
    const int64_t want[] = {0, 60, 300, 900, 3600, 10800, 21600, 43200, 86400, 172800, 259200};
    for (int i = 0; i < 11; i++)
        assert_int_equal(s[i], want[i]);
    assert_int_equal(callback_schedule_parse("0, 5 ,10", s, 8, err, sizeof err), 3);
    assert_int_equal(s[1], 5);
}

static void test_schedule_parse_errors(void **state)
{
    (void)state;
    int64_t s[4];
    char err[128];
    assert_int_equal(callback_schedule_parse("", s, 4, err, sizeof err), -1);
    assert_string_equal(err, "callback schedule: empty");
    assert_int_equal(callback_schedule_parse("0,x", s, 4, err, sizeof err), -1);
    assert_string_equal(err, "callback schedule: expected seconds at \"x\"");
    assert_int_equal(callback_schedule_parse("60,0", s, 4, err, sizeof err), -1);
    assert_string_equal(err, "callback schedule: 0 comes after 60 (must not decrease)");
    assert_int_equal(callback_schedule_parse("0,1,2,3,4", s, 4, err, sizeof err), -1);
    assert_string_equal(err, "callback schedule: more than 4 attempts");
    assert_int_equal(callback_schedule_parse("-1", s, 4, err, sizeof err), -1);
    assert_int_equal(callback_schedule_parse("1;2", s, 4, err, sizeof err), -1);
    assert_string_equal(err, "callback schedule: expected ',' at \";2\"");
}

static const int64_t SCHED[] = {0, 60, 300, 900, 3600, 10800, 21600, 43200, 86400, 172800, 259200};
#define NSCHED 11
#define BASE 1700000000000LL

static struct callback fresh(void)
{
    struct callback cb;
    memset(&cb, 0, sizeof cb);
    cb.base_at = BASE;
    cb.next_attempt_at = BASE;
    return cb;
}

/* Every failed attempt made exactly when due moves to the next slot; the
 * last one fails the callback. */
static void test_backoff_walks_the_schedule(void **state)
{
    (void)state;
    struct callback cb = fresh();
    int64_t now = BASE;
    for (int k = 0; k < NSCHED - 1; k++) {
        callback_apply_result(&cb, ATTEMPT_ANSWERED, 503, SCHED, NSCHED, now);
        assert_int_equal(cb.state, CALLBACK_PENDING);
        assert_int_equal(cb.attempts, k + 1);
        assert_int_equal(cb.step, k + 1);
        assert_int_equal(cb.next_attempt_at, BASE + SCHED[k + 1] * 1000);
        now = cb.next_attempt_at;
    }
    callback_apply_result(&cb, ATTEMPT_FAILED, 0, SCHED, NSCHED, now);
    assert_int_equal(cb.state, CALLBACK_FAILED);
    assert_int_equal(cb.attempts, NSCHED);
    assert_int_equal(cb.next_attempt_at, 0);
}

/* One late attempt stands for every slot already past. */
static void test_backoff_skips_missed_slots(void **state)
{
    (void)state;
    struct callback cb = fresh();
    callback_apply_result(&cb, ATTEMPT_FAILED, 0, SCHED, NSCHED, BASE + 1000000); /* 1000 s */
    assert_int_equal(cb.state, CALLBACK_PENDING);
    assert_int_equal(cb.step, 4);
    assert_int_equal(cb.next_attempt_at, BASE + 3600 * 1000);
    callback_apply_result(&cb, ATTEMPT_FAILED, 0, SCHED, NSCHED, BASE + 4 * 86400 * 1000LL);
    assert_int_equal(cb.state, CALLBACK_FAILED);
    assert_int_equal(cb.attempts, 2);
}

static void test_backoff_outcomes(void **state)
{
    (void)state;
    struct callback cb = fresh();
    callback_apply_result(&cb, ATTEMPT_ANSWERED, 204, SCHED, NSCHED, BASE);
    assert_int_equal(cb.state, CALLBACK_DELIVERED);
    assert_int_equal(cb.next_attempt_at, 0);

    cb = fresh();
    callback_apply_result(&cb, ATTEMPT_ANSWERED, 410, SCHED, NSCHED, BASE);
    assert_int_equal(cb.state, CALLBACK_REFUSED);

    cb = fresh();
    callback_apply_result(&cb, ATTEMPT_REFUSED, 0, SCHED, NSCHED, BASE);
    assert_int_equal(cb.state, CALLBACK_REFUSED);

    /* 3xx (redirects are not followed), 4xx other than 410, 5xx: retry */
    const int retry[] = {301, 302, 400, 404, 409, 429, 500, 502, 503};
    for (size_t i = 0; i < sizeof retry / sizeof retry[0]; i++) {
        cb = fresh();
        callback_apply_result(&cb, ATTEMPT_ANSWERED, retry[i], SCHED, NSCHED, BASE);
        assert_int_equal(cb.state, CALLBACK_PENDING);
        assert_int_equal(cb.next_attempt_at, BASE + 60000);
    }
    /* a one-slot schedule: the first failure is final */
    const int64_t once[] = {0};
    cb = fresh();
    callback_apply_result(&cb, ATTEMPT_ANSWERED, 500, once, 1, BASE);
    assert_int_equal(cb.state, CALLBACK_FAILED);
}

/* ---- bodies and signatures ---- */

static void sample_order(struct order *o)
{
    memset(o, 0, sizeof *o);
    o->id = 7;
    strcpy(o->uuid, "1d3838c3-1426-4edf-ad01-a3a929f4b121");
    o->shop_id = 3;
    o->origin = dialect_find("panda")->id;
    o->status = ORDER_COMPLETED;
    o->amount = 100047;
    strcpy(o->currency, "RUB");
    o->fee = 2501;
    o->amount_usdt = 10530000;
    strcpy(o->exchange_rate, "95.00");
    strcpy(o->merchant_order_id, "m-1");
}

static void sample_shop(struct shop *s)
{
    memset(s, 0, sizeof *s);
    s->id = 3;
    strcpy(s->public_key, "D0F98E7D7742609DC508D86BB7500914");
    strcpy(s->callback_url, "https://merchant.example/webhook");
    struct shop_dialect *p = shop_dialect_add(s, "panda");
    strcpy(p->api_key, "apiKey");
    strcpy(p->secret, "secret");
    strcpy(p->callback_format, "3");
    struct shop_dialect *t = shop_dialect_add(s, "tegro");
    strcpy(t->secret, "GB%^&*YJni677");
    strcpy(t->callback_format, "form");
}

/* The shop's row of `dialect` (writable). */
static struct shop_dialect *row(struct shop *s, const char *dialect)
{
    struct shop_dialect *d = shop_dialect_mut(s, dialect);
    assert_non_null(d);
    return d;
}

/* dialect_header_fn into a buffer of "name: value\n" lines. */
static bool collect_header(void *arg, const char *name, const char *value)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s: %s\n", name, value);
    return true;
}

#define V3_BODY                                                                                    \
    "{\"uuid\":\"1d3838c3-1426-4edf-ad01-a3a929f4b121\",\"status\":\"completed\","                 \
    "\"amount_usdt\":10.53,\"amount_local\":1000.47,\"currency\":\"RUB\","                         \
    "\"merchant_commission\":-25.01,\"merchant_order_id\":\"m-1\"}"

static void test_panda_body_v3_and_signature(void **state)
{
    (void)state;
    struct order o;
    sample_order(&o);
    char body[CALLBACK_BODY_SIZE];
    size_t len = 0;
    assert_int_equal(panda_callback_body(&o, ORDER_COMPLETED, 3, body, sizeof body, &len),
                     KASSA_OK);
    assert_string_equal(body, V3_BODY);
    assert_int_equal(len, strlen(V3_BODY));
    char sig[KASSA_SHA256_HEX_SIZE];
    kassa_panda_sign("secret", "1700000000", body, len, sig);
    assert_string_equal(sig, "db74a6b7d23b6c7b207e60779ff31a750129ef7b965f6ea866ef894cfde55e45");

    /* The same signature on an attempt, as the registry's entry adds it. */
    struct shop s;
    sample_shop(&s);
    struct callback cb = {.body_len = len};
    memcpy(cb.body, body, len + 1);
    const struct dialect *d = dialect_find("panda");
    assert_non_null(d);
    assert_non_null(d->merchant->callback_sign);
    char headers[512] = "";
    assert_true(
        d->merchant->callback_sign(&cb, row(&s, "panda"), 1700000000, collect_header, headers));
    assert_string_equal(headers, "X-API-Key: apiKey\nX-Timestamp: 1700000000\n"
                                 "X-Signature: db74a6b7d23b6c7b207e60779ff31a750129ef7b965f6ea866"
                                 "ef894cfde55e45\n");
    /* tegro's body carries its sign: nothing per attempt */
    assert_null(dialect_find("tegro")->merchant->callback_sign);
}

static void test_panda_body_v2_statuses_and_nulls(void **state)
{
    (void)state;
    struct order o;
    sample_order(&o);
    char body[CALLBACK_BODY_SIZE];
    size_t len = 0;
    assert_int_equal(panda_callback_body(&o, ORDER_EXPIRED, 2, body, sizeof body, &len), KASSA_OK);
    assert_string_equal(body, "{\"order_uuid\":\"1d3838c3-1426-4edf-ad01-a3a929f4b121\","
                              "\"status\":\"timeout\",\"amount_usdt\":10.53,"
                              "\"amount_rub\":1000.47,\"merchant_commission\":-25.01}");
    o.exchange_rate[0] = '\0';
    o.merchant_order_id[0] = '\0';
    o.fee = 0;
    assert_int_equal(panda_callback_body(&o, ORDER_NO_REQUISITE, 3, body, sizeof body, &len),
                     KASSA_OK);
    assert_string_equal(body, "{\"uuid\":\"1d3838c3-1426-4edf-ad01-a3a929f4b121\","
                              "\"status\":\"traderNotFound\",\"amount_usdt\":null,"
                              "\"amount_local\":1000.47,\"currency\":\"RUB\","
                              "\"merchant_commission\":0.00,\"merchant_order_id\":null}");
    assert_string_equal(panda_status(ORDER_CANCELED), "canceled");
    assert_string_equal(panda_status(ORDER_FAILED), "failed");
    assert_int_equal(panda_callback_body(&o, ORDER_COMPLETED, 3, body, 20, &len), KASSA_ETOOBIG);
}

static void test_tegro_body_and_sign(void **state)
{
    (void)state;
    struct order o;
    struct shop s;
    sample_order(&o);
    sample_shop(&s);
    o.origin = dialect_find("tegro")->id;
    o.amount = 10000;
    o.payment_system = 16;
    strcpy(o.merchant_order_id, "12 3&x");
    char body[CALLBACK_BODY_SIZE];
    size_t len = 0;
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_string_equal(body, "amount=100.00&currency=RUB&order_id=12+3%26x&payment_system=16"
                              "&shop_id=D0F98E7D7742609DC508D86BB7500914"
                              "&sign=4b94a32e63bc431a98de521535340604");
    assert_int_equal(len, strlen(body));
    /* the merchant's own verification (libkassa) accepts it */
    assert_int_equal(kassa_tegro_callback_verify(s.public_key, row(&s, "tegro")->secret, body, len),
                     KASSA_OK);
    o.test = true;
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_non_null(strstr(body, "&test=1&sign="));
    assert_int_equal(kassa_tegro_callback_verify(s.public_key, row(&s, "tegro")->secret, body, len),
                     KASSA_OK);
}

/* A shop with notification_format "json": the same fields and the same
 * sign as the form, as one JSON object of strings. */
static void test_tegro_json_body_and_sign(void **state)
{
    (void)state;
    struct order o;
    struct shop s;
    sample_order(&o);
    sample_shop(&s);
    o.origin = dialect_find("tegro")->id;
    o.amount = 10000;
    o.payment_system = 16;
    strcpy(o.merchant_order_id, "12 3&x");
    strcpy(row(&s, "tegro")->callback_format, "json");
    char body[CALLBACK_BODY_SIZE];
    size_t len = 0;
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_string_equal(body, "{\"amount\":\"100.00\",\"currency\":\"RUB\","
                              "\"order_id\":\"12 3&x\",\"payment_system\":\"16\","
                              "\"shop_id\":\"D0F98E7D7742609DC508D86BB7500914\","
                              "\"sign\":\"4b94a32e63bc431a98de521535340604\"}");
    assert_int_equal(len, strlen(body));
    /* the merchant's own verification (libkassa) accepts it, by its
     * Content-Type and by its leading '{' */
    assert_int_equal(kassa_tegro_callback_verify_ct(s.public_key, row(&s, "tegro")->secret,
                                                    TEGRO_CALLBACK_CT_JSON, body, len),
                     KASSA_OK);
    assert_int_equal(kassa_tegro_callback_verify(s.public_key, row(&s, "tegro")->secret, body, len),
                     KASSA_OK);
    o.test = true;
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_non_null(strstr(body, ",\"test\":\"1\",\"sign\":"));
    assert_int_equal(kassa_tegro_callback_verify_ct(s.public_key, row(&s, "tegro")->secret,
                                                    TEGRO_CALLBACK_CT_JSON, body, len),
                     KASSA_OK);
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, 40, &len), KASSA_ETOOBIG);
    /* "form" and an unset format are the form */
    strcpy(row(&s, "tegro")->callback_format, "form");
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_int_not_equal(body[0], '{');
    row(&s, "tegro")->callback_format[0] = '\0';
    assert_int_equal(tegro_callback_body(&o, &s, row(&s, "tegro"), body, sizeof body, &len),
                     KASSA_OK);
    assert_int_not_equal(body[0], '{');
}

static void test_plan_chooses_receiver(void **state)
{
    (void)state;
    struct order o;
    struct shop s;
    struct callback cb;
    struct event e = {.id = 42, .shop_id = 3, .order_id = 7, .status = ORDER_CANCELED};
    kassa_err err;
    sample_order(&o);
    sample_shop(&s);
    assert_true(callback_plan(&e, &o, &s, &cb, &err));
    assert_string_equal(cb.receiver, "panda");
    assert_string_equal(cb.url, "https://merchant.example/webhook");
    assert_string_equal(cb.content_type, "application/json");
    assert_int_equal(cb.event_id, 42);
    assert_non_null(strstr(cb.body, "\"status\":\"canceled\""));
    e.status = ORDER_PENDING;
    assert_false(callback_plan(&e, &o, &s, &cb, &err));
    e.status = ORDER_COMPLETED;
    s.callback_url[0] = '\0';
    assert_false(callback_plan(&e, &o, &s, &cb, &err)); /* nowhere to send */
    assert_int_equal(err, KASSA_OK);

    /* tegro: only a paid order; notify_url first, else the shop's URL */
    sample_shop(&s);
    o.origin = dialect_find("tegro")->id;
    e.status = ORDER_FAILED;
    assert_false(callback_plan(&e, &o, &s, &cb, &err));
    e.status = ORDER_COMPLETED;
    assert_true(callback_plan(&e, &o, &s, &cb, &err));
    assert_string_equal(cb.receiver, "tegro");
    assert_string_equal(cb.url, "https://merchant.example/webhook");
    assert_string_equal(cb.content_type, "application/x-www-form-urlencoded");
    strcpy(o.notify_url, "https://merchant.example/notify");
    assert_true(callback_plan(&e, &o, &s, &cb, &err));
    assert_string_equal(cb.url, "https://merchant.example/notify");
    /* a JSON shop: the content type follows the body */
    strcpy(row(&s, "tegro")->callback_format, "json");
    assert_true(callback_plan(&e, &o, &s, &cb, &err));
    assert_string_equal(cb.receiver, "tegro");
    assert_string_equal(cb.content_type, "application/json");
    assert_int_equal(cb.body[0], '{');

    /* a shop with no row of the order's dialect, an order of a dialect
     * that makes no callbacks (admin) or of none: nothing to send */
    s.n_dialects = 1; /* its panda row only */
    assert_false(callback_plan(&e, &o, &s, &cb, &err));
    assert_int_equal(err, KASSA_OK);
    sample_shop(&s);
    o.origin = dialect_find("admin")->id;
    assert_false(callback_plan(&e, &o, &s, &cb, &err));
    o.origin = 0;
    assert_false(callback_plan(&e, &o, &s, &cb, &err));
    assert_int_equal(err, KASSA_OK);
}

/* panda's callback version is its shop row's callback format */
static void test_plan_panda_version_from_row(void **state)
{
    (void)state;
    struct order o;
    struct shop s;
    struct callback cb;
    struct event e = {.id = 1, .status = ORDER_EXPIRED};
    kassa_err err;
    sample_order(&o);
    sample_shop(&s);
    strcpy(row(&s, "panda")->callback_format, "2");
    assert_true(callback_plan(&e, &o, &s, &cb, &err));
    assert_non_null(strstr(cb.body, "\"order_uuid\""));
    assert_non_null(strstr(cb.body, "\"status\":\"timeout\""));
    char msg[128];
    const struct dialect_merchant *m = dialect_find("panda")->merchant;
    assert_true(m->callback_format_ok("2", msg, sizeof msg));
    assert_false(m->callback_format_ok("4", msg, sizeof msg));
    assert_string_equal(msg, "callback_version: expected an integer between 2 and 3");
}

/* ---- SSRF ---- */

static void test_ssrf_ipv4(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        enum ssrf_class want;
    } cases[] = {
        {"127.0.0.1", SSRF_LOOPBACK},         {"127.255.255.254", SSRF_LOOPBACK},
        {"0.0.0.0", SSRF_UNSPECIFIED},        {"0.1.2.3", SSRF_UNSPECIFIED},
        {"10.0.0.1", SSRF_PRIVATE},           {"172.16.0.1", SSRF_PRIVATE},
        {"172.31.255.255", SSRF_PRIVATE},     {"172.32.0.1", SSRF_PUBLIC},
        {"192.168.1.1", SSRF_PRIVATE},        {"100.64.0.1", SSRF_PRIVATE},
        {"100.127.255.255", SSRF_PRIVATE},    {"100.128.0.1", SSRF_PUBLIC},
        {"169.254.169.254", SSRF_LINK_LOCAL}, {"224.0.0.1", SSRF_MULTICAST},
        {"239.255.255.250", SSRF_MULTICAST},  {"255.255.255.255", SSRF_MULTICAST},
        {"240.0.0.1", SSRF_RESERVED},         {"192.0.2.1", SSRF_RESERVED},
        {"198.18.0.1", SSRF_RESERVED},        {"8.8.8.8", SSRF_PUBLIC},
        {"93.184.216.34", SSRF_PUBLIC},       {"1.1.1.1", SSRF_PUBLIC},
        {"not an ip", SSRF_UNKNOWN},          {"127.1", SSRF_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum ssrf_class got = ssrf_classify_text(cases[i].ip);
        if (got != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].ip, ssrf_class_name(got),
                     ssrf_class_name(cases[i].want));
    }
}

static void test_ssrf_ipv6(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        enum ssrf_class want;
    } cases[] = {
        {"::1", SSRF_LOOPBACK},
        {"::", SSRF_UNSPECIFIED},
        {"::ffff:127.0.0.1", SSRF_LOOPBACK},
        {"::ffff:7f00:1", SSRF_LOOPBACK},
        {"::ffff:10.1.2.3", SSRF_PRIVATE},
        {"::ffff:169.254.169.254", SSRF_LINK_LOCAL},
        {"::ffff:0.0.0.0", SSRF_UNSPECIFIED},
        {"::ffff:8.8.8.8", SSRF_PUBLIC},
        {"::127.0.0.1", SSRF_LOOPBACK},
        {"64:ff9b::a00:1", SSRF_PRIVATE},
        {"2002:7f00:1::", SSRF_LOOPBACK},
        {"fc00::1", SSRF_PRIVATE},
        {"fd12:3456::1", SSRF_PRIVATE},
        {"fe80::1", SSRF_LINK_LOCAL},
        {"febf::1", SSRF_LINK_LOCAL},
        {"fec0::1", SSRF_PRIVATE},
        {"ff02::1", SSRF_MULTICAST},
        {"ff05::1:3", SSRF_MULTICAST},
        {"2001:db8::1", SSRF_RESERVED},
        {"100::1", SSRF_RESERVED},
        {"2001:4860:4860::8888", SSRF_PUBLIC},
        {"2606:4700:4700::1111", SSRF_PUBLIC},
        {"2a00:1450:4001:81b::200e", SSRF_PUBLIC},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum ssrf_class got = ssrf_classify_text(cases[i].ip);
        if (got != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].ip, ssrf_class_name(got),
                     ssrf_class_name(cases[i].want));
    }
}

static void test_ssrf_allowed(void **state)
{
    (void)state;
    assert_true(ssrf_allowed(SSRF_PUBLIC, false));
    assert_false(ssrf_allowed(SSRF_LOOPBACK, false));
    assert_false(ssrf_allowed(SSRF_PRIVATE, false));
    assert_false(ssrf_allowed(SSRF_LINK_LOCAL, false));
    assert_false(ssrf_allowed(SSRF_MULTICAST, false));
    assert_false(ssrf_allowed(SSRF_UNSPECIFIED, false));
    assert_false(ssrf_allowed(SSRF_RESERVED, false));
    assert_false(ssrf_allowed(SSRF_UNKNOWN, false));
    assert_true(ssrf_allowed(SSRF_LOOPBACK, true));
    assert_true(ssrf_allowed(SSRF_PRIVATE, true));
    assert_false(ssrf_allowed(SSRF_MULTICAST, true));
    assert_false(ssrf_allowed(SSRF_UNSPECIFIED, true));
    assert_string_equal(ssrf_class_name(SSRF_LINK_LOCAL), "link-local");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_parse_default),
        cmocka_unit_test(test_schedule_parse_errors),
        cmocka_unit_test(test_backoff_walks_the_schedule),
        cmocka_unit_test(test_backoff_skips_missed_slots),
        cmocka_unit_test(test_backoff_outcomes),
        cmocka_unit_test(test_panda_body_v3_and_signature),
        cmocka_unit_test(test_panda_body_v2_statuses_and_nulls),
        cmocka_unit_test(test_tegro_body_and_sign),
        cmocka_unit_test(test_tegro_json_body_and_sign),
        cmocka_unit_test(test_plan_chooses_receiver),
        cmocka_unit_test(test_plan_panda_version_from_row),
        cmocka_unit_test(test_ssrf_ipv4),
        cmocka_unit_test(test_ssrf_ipv6),
        cmocka_unit_test(test_ssrf_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
