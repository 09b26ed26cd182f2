/* test_arena.c: the request arena (src/server/arena.c). */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

static void test_alloc_aligned_and_counted(void **state)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    for (size_t size = 1; size < 200; size += 7) {
        unsigned char *p = arena_alloc(&a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xab, size);
    }
    arena_free(&a);
    assert_int_equal(a.used, 0);
    assert_null(a.head);
}

static void test_limit_is_a_ceiling(void **state)
{
    struct arena a;
    arena_init(&a, 100);
    assert_non_null(arena_alloc(&a, 64));
    assert_int_equal(a.used, 64);
    /* 48 would bring it to 112 > 100. */
    assert_null(arena_alloc(&a, 48));
    assert_int_equal(a.used, 64);
    assert_non_null(arena_alloc(&a, 32));
    assert_int_equal(a.used, 96);
    assert_null(arena_alloc(&a, 16));
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 3));
    arena_free(&a);
    /* Reusable after free, same ceiling. */
    assert_non_null(arena_alloc(&a, 96));
    assert_null(arena_alloc(&a, 16));
    arena_free(&a);
}

static void test_big_allocations_and_small_after(void **state)
{
    struct arena a;
    arena_init(&a, 10 << 20);
    char *small1 = arena_alloc(&a, 10);
    char *big = arena_alloc(&a, 100000);
    char *small2 = arena_alloc(&a, 10);
    assert_non_null(small1);
    assert_non_null(big);
    assert_non_null(small2);
    memset(big, 'x', 100000);
    memcpy(small1, "123456789", 10);
    memcpy(small2, "abcdefghi", 10);
    assert_string_equal(small1, "123456789");
    assert_string_equal(small2, "abcdefghi");
    assert_int_equal(big[99999], 'x');
    /* Thousands of small allocations over many chunks, all intact. */
    int *v[5000];
    for (int i = 0; i < 5000; i++) {
        v[i] = arena_alloc(&a, sizeof(int));
        assert_non_null(v[i]);
        *v[i] = i;
    }
    for (int i = 0; i < 5000; i++)
        assert_int_equal(*v[i], i);
    arena_free(&a);
}

static void test_calloc_zeroes(void **state)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    unsigned char *p = arena_alloc(&a, 64);
    memset(p, 0xff, 64);
    arena_free(&a);
    unsigned char *z = arena_calloc(&a, 5000);
    assert_non_null(z);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(z[i], 0);
    arena_free(&a);
}

static void test_strings(void **state)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    assert_string_equal(arena_strdup(&a, "hello"), "hello");
    assert_string_equal(arena_strdup(&a, ""), "");
    assert_null(arena_strdup(&a, NULL));
    assert_string_equal(arena_strndup(&a, "hello world", 5), "hello");
    assert_string_equal(arena_strndup(&a, "hi", 10), "hi");
    assert_null(arena_strndup(&a, NULL, 3));
    assert_string_equal(arena_printf(&a, "%s=%d;%04x", "n", 42, 255u), "n=42;00ff");
    char big[3000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *p = arena_printf(&a, "<%s>", big);
    assert_non_null(p);
    assert_int_equal(strlen(p), 3001);
    assert_int_equal(p[0], '<');
    assert_int_equal(p[3000], '>');
    arena_free(&a);
}

static void test_strings_respect_limit(void **state)
{
    struct arena a;
    arena_init(&a, 32);
    assert_null(arena_strdup(&a, "0123456789012345678901234567890123456789"));
    assert_null(arena_printf(&a, "%040d", 7));
    assert_string_equal(arena_printf(&a, "%d", 7), "7");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_counted),
        cmocka_unit_test(test_limit_is_a_ceiling),
        cmocka_unit_test(test_big_allocations_and_small_after),
        cmocka_unit_test(test_calloc_zeroes),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_strings_respect_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
