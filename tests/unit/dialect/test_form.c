/* test_form.c: the tegro form helpers (src/server/dialect/form.c) and
 * the MD5 form sign as the pages use it: form decoding, bracketed keys,
 * receipt arithmetic, HTML escaping; plus the payment-method catalogue
 * (src/server/core/method.c) and the QR PNG encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/method.h"
#include "dialect/form.h"
#include "dialect/pages/pages_qr.h"
#include "kassa/sign.h"

static const char SECRET[] = "GB%^&*YJni677";
static const char SHOP[] = "D0F98E7D7742609DC508D86BB7500914";

/* Decode `query` and check its sign the way pages.c does. */
static kassa_err verify_query(const char *query, const char *secret)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    struct form *f = calloc(1, sizeof *f);
    char msg[128];
    assert_true(form_parse(&a, query, strlen(query), f, msg, sizeof msg));
    const char *test = form_get(f, "test");
    kassa_kv kv[5] = {{"amount", form_get(f, "amount")},
                      {"currency", form_get(f, "currency")},
                      {"order_id", form_get(f, "order_id")},
                      {"shop_id", form_get(f, "shop_id")},
                      {"test", test}};
    kassa_err err = kassa_tegro_form_verify(kv, test ? 5 : 4, secret, form_get(f, "sign"));
    free(f);
    arena_free(&a);
    return err;
}

static void test_md5_sign_vectors(void **state)
{
    (void)state;
    kassa_kv kv[5] = {{"shop_id", SHOP},
                      {"amount", "100"},
                      {"currency", "RUB"},
                      {"order_id", "123"},
                      {"test", "1"}};
    char out[KASSA_MD5_HEX_SIZE];
    assert_int_equal(kassa_tegro_form_sign(kv, 4, SECRET, KASSA_FORM_RAW, out), KASSA_OK);
    assert_string_equal(out, "ab399192242d30c151efda7f8c47b304");
    assert_int_equal(kassa_tegro_form_sign(kv, 5, SECRET, KASSA_FORM_URLENCODED, out), KASSA_OK);
    assert_string_equal(out, "776f41234423f7f38c5a6e15baec854f");

    assert_int_equal(verify_query("shop_id=D0F98E7D7742609DC508D86BB7500914&amount=100&"
                                  "currency=RUB&order_id=123&"
                                  "sign=ab399192242d30c151efda7f8c47b304",
                                  SECRET),
                     KASSA_OK);
    /* upper-case hex is accepted; test=1 must be signed */
    assert_int_equal(verify_query("shop_id=D0F98E7D7742609DC508D86BB7500914&amount=100&"
                                  "currency=RUB&order_id=123&test=1&"
                                  "sign=776F41234423F7F38C5A6E15BAEC854F",
                                  SECRET),
                     KASSA_OK);
    assert_int_equal(verify_query("shop_id=D0F98E7D7742609DC508D86BB7500914&amount=100&"
                                  "currency=RUB&order_id=123&test=1&"
                                  "sign=ab399192242d30c151efda7f8c47b304",
                                  SECRET),
                     KASSA_EAUTH_SIGNATURE);
    /* "100.00" signs differently from "100" */
    assert_int_equal(verify_query("shop_id=D0F98E7D7742609DC508D86BB7500914&amount=100.00&"
                                  "currency=RUB&order_id=123&"
                                  "sign=ab399192242d30c151efda7f8c47b304",
                                  SECRET),
                     KASSA_EAUTH_SIGNATURE);
    assert_int_equal(verify_query("shop_id=D0F98E7D7742609DC508D86BB7500914&amount=100&"
                                  "currency=RUB&order_id=123&sign=ab399192242d30c151efda7f8c47b304",
                                  "other secret"),
                     KASSA_EAUTH_SIGNATURE);
}

static void test_md5_sign_special_characters_both_forms(void **state)
{
    (void)state;
    /* order_id "Order #1 & more": the raw join and urlencode differ; a sign
     * of either form is accepted for the same decoded values. */
    kassa_kv kv[4] = {
        {"shop_id", SHOP}, {"amount", "100"}, {"currency", "RUB"}, {"order_id", "Order #1 & more"}};
    char raw[KASSA_MD5_HEX_SIZE], enc[KASSA_MD5_HEX_SIZE];
    assert_int_equal(kassa_tegro_form_sign(kv, 4, SECRET, KASSA_FORM_RAW, raw), KASSA_OK);
    assert_int_equal(kassa_tegro_form_sign(kv, 4, SECRET, KASSA_FORM_URLENCODED, enc), KASSA_OK);
    assert_string_not_equal(raw, enc);
    char q[512];
    for (int i = 0; i < 2; i++) {
        snprintf(q, sizeof q,
                 "shop_id=%s&amount=100&currency=RUB&order_id=Order+%%231+%%26+more&sign=%s", SHOP,
                 i ? enc : raw);
        assert_int_equal(verify_query(q, SECRET), KASSA_OK);
    }
}

static void test_form_decoding(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 20);
    struct form *f = calloc(1, sizeof *f);
    char msg[128] = "";
    const char *body = "a=1&&b=x+y%20z&c&fields%5Bemail%5D=u%40e.com&empty=&a=2&%D0%B9=%D1%8F";
    assert_true(form_parse(&a, body, strlen(body), f, msg, sizeof msg));
    assert_int_equal(f->n, 7);
    assert_string_equal(form_get(f, "a"), "1"); /* the first wins */
    assert_string_equal(form_get(f, "b"), "x y z");
    assert_string_equal(form_get(f, "c"), "");
    assert_string_equal(form_get(f, "fields[email]"), "u@e.com");
    assert_string_equal(form_get(f, "empty"), "");
    assert_string_equal(form_get(f, "й"), "я");
    assert_null(form_get(f, "missing"));

    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%G1=2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg[0] = '\0';
        assert_false(form_parse(&a, bad[i], strlen(bad[i]), f, msg, sizeof msg));
        assert_string_equal(msg, "malformed form encoding");
    }
    /* too many fields */
    size_t cap = (FORM_MAX_FIELDS + 1) * 4 + 1;
    char *many = calloc(1, cap);
    for (int i = 0; i <= FORM_MAX_FIELDS; i++)
        memcpy(many + 4 * i, "a=1&", 4);
    assert_false(form_parse(&a, many, strlen(many), f, msg, sizeof msg));
    assert_string_equal(msg, "too many fields (at most 256)");
    free(many);
    free(f);
    arena_free(&a);
}

static void test_bracket_keys(void **state)
{
    (void)state;
    char p[5][64];
    assert_int_equal(form_key_parts("receipt[items][0][name]", p, 5), 4);
    assert_string_equal(p[0], "receipt");
    assert_string_equal(p[1], "items");
    assert_string_equal(p[2], "0");
    assert_string_equal(p[3], "name");
    assert_int_equal(form_key_parts("a[b][12][c]", p, 5), 4);
    assert_string_equal(p[2], "12");
    assert_int_equal(form_key_parts("fields[email]", p, 5), 2);
    assert_string_equal(p[1], "email");
    assert_int_equal(form_key_parts("plain", p, 5), 1);
    assert_string_equal(p[0], "plain");
    assert_int_equal(form_key_parts("a[]", p, 5), 2);
    assert_string_equal(p[1], "");
    assert_int_equal(form_key_parts("a[b", p, 5), -1);
    assert_int_equal(form_key_parts("a]b", p, 5), -1);
    assert_int_equal(form_key_parts("a[b]c", p, 5), -1);
    assert_int_equal(form_key_parts("[b]", p, 5), -1);
    assert_int_equal(form_key_parts("a[b[c]]", p, 5), -1);
    assert_int_equal(form_key_parts("a[1][2][3][4][5]", p, 5), -1);
}

static void test_receipt_arithmetic(void **state)
{
    (void)state;
    struct receipt *r = calloc(1, sizeof *r);
    char msg[256] = "";
    /* the seed's form: 1 x 20 + 2 x 40 = 100 */
    assert_true(receipt_add(r, 0, "Пример услуги", "1", "20", 2, msg, sizeof msg));
    assert_true(receipt_add(r, 1, "Пример услуги 2", "2", "40", 2, msg, sizeof msg));
    assert_int_equal(r->items[1].price, 4000);
    assert_int_equal(r->items[1].count_milli, 2000);
    assert_true(receipt_total_ok(r, 10000, 2, msg, sizeof msg));
    assert_false(receipt_total_ok(r, 10001, 2, msg, sizeof msg));
    assert_string_equal(msg, "receipt: items total 100.00, but amount is 100.01");

    /* fractional counts: 0.333 x 3.00 = 0.999, not 1.00 */
    memset(r, 0, sizeof *r);
    assert_true(receipt_add(r, 0, "w", "0.333", "3.00", 2, msg, sizeof msg));
    assert_false(receipt_total_ok(r, 100, 2, msg, sizeof msg));
    assert_string_equal(msg, "receipt: items total 0.99+, but amount is 1.00");
    memset(r, 0, sizeof *r);
    assert_true(receipt_add(r, 0, "w", "0.5", "8", 2, msg, sizeof msg));
    assert_true(receipt_add(r, 1, "c", "2", "30.09", 2, msg, sizeof msg));
    assert_true(receipt_total_ok(r, 6418, 2, msg, sizeof msg));

    /* refusals */
    assert_false(receipt_add(r, 7, "", "1", "1", 2, msg, sizeof msg));
    assert_string_equal(msg, "receipt item 7: name must be 1 to 255 bytes");
    assert_false(receipt_add(r, 2, "x", "0", "1", 2, msg, sizeof msg));
    assert_string_equal(msg, "receipt item 2: count must be a number greater than 0 with at most 3 "
                             "decimals");
    assert_false(receipt_add(r, 2, "x", "1.0001", "1", 2, msg, sizeof msg));
    assert_false(receipt_add(r, 2, "x", "1", "1.001", 2, msg, sizeof msg));
    assert_string_equal(msg, "receipt item 2: price must be a number greater than 0 with at most 2 "
                             "decimals");
    assert_false(receipt_add(r, 2, "x", "1", "-1", 2, msg, sizeof msg));
    assert_false(receipt_add(r, 2, "x", "1", "1e3", 2, msg, sizeof msg));
    assert_false(receipt_add(r, 2, "x", NULL, "1", 2, msg, sizeof msg));
    /* USDT: 6 places */
    memset(r, 0, sizeof *r);
    assert_true(receipt_add(r, 0, "t", "3", "0.333333", 6, msg, sizeof msg));
    assert_true(receipt_total_ok(r, 999999, 6, msg, sizeof msg));
    /* huge totals do not overflow */
    memset(r, 0, sizeof *r);
    assert_true(receipt_add(r, 0, "big", "999999999", "92233720368547758.07", 2, msg, sizeof msg));
    assert_false(receipt_total_ok(r, 100, 2, msg, sizeof msg));
    assert_string_equal(msg,
                        "receipt: items total more than the largest amount, but amount is 1.00");
    free(r);
}

static void test_html_escaping(void **state)
{
    (void)state;
    struct sbuf b;
    sbuf_init(&b, 4096);
    sbuf_html(&b, "<script>alert('x')</script> & \"q\"");
    sbuf_add(&b, "|");
    sbuf_urlenc(&b, "a b&c=d/é~");
    size_t len;
    char *s = sbuf_finish(&b, &len);
    assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;|"
                           "a%20b%26c%3Dd%2F%C3%A9~");
    assert_int_equal(len, strlen(s));
    free(s);
    /* the ceiling is an error, not a truncation */
    sbuf_init(&b, 16);
    sbuf_add(&b, "0123456789abcdefXYZ");
    assert_null(sbuf_finish(&b, &len));
}

static void test_method_catalogue(void **state)
{
    (void)state;
    const struct pay_method *m = method_find(28);
    assert_non_null(m);
    assert_string_equal(m->requisite_type, "SBP");
    assert_int_equal(m->provider, PROVIDER_REQUISITES);
    assert_int_equal(method_for_requisite_type("SBP")->id, 28);
    assert_int_equal(method_for_requisite_type("card")->id, 36);
    const int cards[] = {15, 25, 36, 41};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(method_find(cards[i])->requisite_type, "card");
    assert_null(method_find(999));
    assert_null(method_for_requisite_type("tips"));
    assert_int_equal(method_find(5)->provider, PROVIDER_NONE);

    struct method_switches sw;
    size_t n;
    method_table(&n);
    sw.n = n;
    for (size_t i = 0; i < n; i++)
        sw.enabled[i] = true;
    assert_true(method_usable(&sw, method_find(28), false));
    assert_false(method_usable(&sw, method_find(5), false)); /* no provider */
    assert_true(method_usable(&sw, method_find(5), true));   /* the sandbox */
    const struct pay_method *t = method_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].id == 28)
            sw.enabled[i] = false;
    assert_false(method_enabled(&sw, 28));
    assert_false(method_usable(&sw, method_find(28), true));
    assert_false(method_enabled(&sw, 999));
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_qr_png(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *png =
        qr_png("ST00012|Name=Ivan|PersonalAcc=+79001234567|Sum=100000", 4, false, &len);
    assert_non_null(png);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    uint32_t w = be32(png + 16), h = be32(png + 20);
    assert_int_equal(w, h);
    assert_int_equal(w % 4, 0);
    assert_int_equal(png[24], 1); /* bit depth */
    assert_int_equal(png[25], 0); /* grayscale */
    assert_memory_equal(png + len - 8, "IEND", 4);
    free(png);
    /* a 2x1 image: known bytes */
    unsigned char px[2] = {0, 255};
    png = png_gray8(px, 2, 1, &len);
    assert_non_null(png);
    assert_int_equal(be32(png + 16), 2);
    assert_int_equal(be32(png + 20), 1);
    assert_int_equal(png[24], 8);
    free(png);
    assert_null(png_gray8(px, 0, 1, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_sign_vectors),
        cmocka_unit_test(test_md5_sign_special_characters_both_forms),
        cmocka_unit_test(test_form_decoding),
        cmocka_unit_test(test_bracket_keys),
        cmocka_unit_test(test_receipt_arithmetic),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_method_catalogue),
        cmocka_unit_test(test_qr_png),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
