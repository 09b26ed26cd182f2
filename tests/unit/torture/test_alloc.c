/* test_alloc.c: the parsers of untrusted input and the buffers under them,
 * with each of their allocations failing in turn (curl's torture tests).
 * Every run must end in a clean answer (the error of an out-of-memory, or
 * success where the code has a fallback), never a crash, and free all it
 * allocated. Allocations are counted and refused by alloc_fail.c (the
 * binary is linked with --wrap for malloc and friends). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/jsonw.h"
#include "dialect/form.h"
#include "kassa/callback.h"
#include "kassa/sign.h"

enum { OP_OK = 0, OP_FAILED = 1 }; /* OP_FAILED: a clean error */

typedef int (*op_fn)(void);

/* Run op once to count its allocations, then once per allocation with that
 * one refused. */
static void torture(const char *name, op_fn op)
{
    alloc_fail_arm(0);
    int rc = op();
    size_t n = alloc_fail_disarm();
    assert_int_equal(rc, OP_OK);
    assert_int_equal(alloc_fail_live(), 0);
    assert_true(n > 0); /* else this op tests nothing */
    for (size_t i = 1; i <= n; i++) {
        alloc_fail_arm(i);
        rc = op();
        alloc_fail_disarm();
        if (!alloc_fail_hit())
            fail_msg("%s: allocation %zu of %zu never made", name, i, n);
        if (rc != OP_OK && rc != OP_FAILED)
            fail_msg("%s: allocation %zu failing gave %d", name, i, rc);
        if (alloc_fail_live() != 0)
            fail_msg("%s: allocation %zu failing leaked %ld blocks", name, i, alloc_fail_live());
    }
    print_message("%s: %zu allocations, each refused in turn\n", name, n);
}

static const char form_body[] =
    "amount=100.00&currency=RUB&order_id=42&payment_system=28&shop_id=SHOP&test=1";
static const char json_body[] = "{\"amount\":\"100.00\",\"currency\":\"RUB\",\"order_id\":\"42\","
                                "\"shop_id\":\"SHOP\"}";

static int op_form_parse(void)
{
    kassa_form f;
    kassa_err e = kassa_form_parse(form_body, sizeof form_body - 1, &f);
    if (e != KASSA_OK)
        return e == KASSA_ENOMEM ? OP_FAILED : 2;
    int rc = f.n == 6 && strcmp(kassa_form_get(&f, "order_id"), "42") == 0 ? OP_OK : 3;
    kassa_form_free(&f);
    return rc;
}

static int op_form_parse_json(void)
{
    kassa_form f;
    kassa_error err;
    kassa_err e = kassa_form_parse_json(json_body, sizeof json_body - 1, &f, &err);
    if (e != KASSA_OK)
        return e == KASSA_ENOMEM ? OP_FAILED : 2;
    int rc = f.n == 4 ? OP_OK : 3;
    kassa_form_free(&f);
    return rc;
}

/* A signed notification (form), verified as a merchant's program does. */
static char signed_body[512];

static void sign_body(void)
{
    kassa_form f;
    assert_int_equal(kassa_form_parse(form_body, sizeof form_body - 1, &f), KASSA_OK);
    char sign[KASSA_MD5_HEX_SIZE];
    assert_int_equal(kassa_tegro_form_sign(f.fields, f.n, "s3cret", KASSA_FORM_URLENCODED, sign),
                     KASSA_OK);
    kassa_form_free(&f);
    snprintf(signed_body, sizeof signed_body, "%s&sign=%s", form_body, sign);
}

static int op_tegro_verify(void)
{
    kassa_err e = kassa_tegro_callback_verify("SHOP", "s3cret", signed_body, strlen(signed_body));
    if (e == KASSA_OK)
        return OP_OK;
    return e == KASSA_ENOMEM ? OP_FAILED : 2;
}

static int op_server_form(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    static struct form f;
    char msg[128] = "";
    bool ok = form_parse(&a, form_body, sizeof form_body - 1, &f, msg, sizeof msg);
    int rc = ok ? (f.n == 6 ? OP_OK : 3) : (msg[0] != '\0' ? OP_FAILED : 2);
    arena_free(&a);
    return rc;
}

static int op_jsonw(void)
{
    struct jw w;
    jw_init(&w, 1 << 20);
    jw_obj(&w);
    for (int i = 0; i < 200; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        jw_key(&w, k);
        jw_str(&w, "a value long enough to make the buffer grow \"quoted\"");
    }
    jw_obj_end(&w);
    size_t len = 0;
    char *doc = jw_finish(&w, &len);
    if (doc == NULL)
        return OP_FAILED;
    int rc = len > 10000 && doc[0] == '{' ? OP_OK : 3;
    free(doc);
    return rc;
}

static int op_buf(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    int rc = OP_OK;
    for (int i = 0; i < 100 && rc == OP_OK; i++) {
        kassa_err e = buf_add(&b, chunk, sizeof chunk);
        if (e != KASSA_OK)
            rc = e == KASSA_ENOMEM ? OP_FAILED : 2;
    }
    if (rc == OP_OK && buf_len(&b) != 100000)
        rc = 3;
    buf_free(&b);
    return rc;
}

static void test_lib_form(void **state)
{
    (void)state;
    torture("kassa_form_parse", op_form_parse);
}

static void test_lib_form_json(void **state)
{
    (void)state;
    torture("kassa_form_parse_json", op_form_parse_json);
}

static void test_lib_tegro_verify(void **state)
{
    (void)state;
    sign_body();
    torture("kassa_tegro_callback_verify", op_tegro_verify);
}

static void test_server_form(void **state)
{
    (void)state;
    torture("form_parse", op_server_form);
}

static void test_jsonw(void **state)
{
    (void)state;
    torture("jsonw", op_jsonw);
}

static void test_buf(void **state)
{
    (void)state;
    torture("buf", op_buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lib_form),
        cmocka_unit_test(test_lib_form_json),
        cmocka_unit_test(test_lib_tegro_verify),
        cmocka_unit_test(test_server_form),
        cmocka_unit_test(test_jsonw),
        cmocka_unit_test(test_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
