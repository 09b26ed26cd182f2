/* test_base.c: container_of (src/server/base/base.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/base.h"

struct inner {
    int a;
    long b;
};

struct outer {
    char tag;
    struct inner in; /* not first: a cast would be wrong here */
    double x;
};

static void test_container_of(void **state)
{
    (void)state;
    struct outer o = {.tag = 't', .in = {1, 2}, .x = 3.0};
    assert_ptr_equal(container_of(&o.in, struct outer, in), &o);
    assert_ptr_equal(container_of(&o.x, struct outer, x), &o);
    /* A member path reaches through a nested embedding. */
    assert_ptr_equal(container_of(&o.in.b, struct outer, in.b), &o);
    assert_int_equal(container_of(&o.in, struct outer, in)->tag, 't');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
