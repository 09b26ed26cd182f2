/* test_registry.c: the dialect registry (dialect/registry.c): the names
 * and ids stored in databases stay as they are, every path goes to the
 * dialect it went to before the registry, and the core's list of merchant
 * dialects carries each one's defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "dialect/dialect.h"

static void test_names_and_ids_are_stable(void **state)
{
    (void)state;
    /* orders.origin and the callbacks' receiver hold these */
    assert_int_equal(dialect_find("panda")->id, 1);
    assert_int_equal(dialect_find("tegro")->id, 2);
    assert_int_equal(dialect_find("admin")->id, 3);
    assert_string_equal(dialect_by_id(1)->name, "panda");
    assert_string_equal(dialect_by_id(2)->name, "tegro");
    assert_null(dialect_find("nosuch"));
    assert_null(dialect_find(NULL));
    assert_null(dialect_by_id(0));
    assert_null(dialect_by_id(99));
    /* names and ids are unique and the names fit a row's key */
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        assert_true(strlen(dialect_registry[i]->name) < DIALECT_NAME_SIZE);
        for (size_t j = i + 1; dialect_registry[j] != NULL; j++) {
            assert_string_not_equal(dialect_registry[i]->name, dialect_registry[j]->name);
            if (dialect_registry[i]->id != 0) /* 0: makes no orders (docs, device) */
                assert_int_not_equal(dialect_registry[i]->id, dialect_registry[j]->id);
        }
    }
    assert_non_null(dialect_find("panda")->merchant);
    assert_non_null(dialect_find("tegro")->merchant);
    assert_null(dialect_find("admin")->merchant);
    assert_null(dialect_find("pages")->merchant);
    assert_null(dialect_find("docs")->merchant);
    assert_null(dialect_find("trader")->merchant);
    assert_null(dialect_by_id(0)); /* docs makes no orders */
}

/* The dialect whose route takes `path`, or NULL. */
static const struct dialect *owner(const char *path)
{
    const struct dialect_route *r = dialect_route_find(path);
    for (size_t i = 0; r != NULL && dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        for (size_t j = 0; j < d->n_routes; j++)
            if (&d->routes[j] == r)
                return d;
    }
    return NULL;
}

static void assert_owner(const char *path, const char *want)
{
    const struct dialect *d = owner(path);
    /* dialect_route_lookup finds the same route and names its dialect's
     * place in the registry (the route class GET /metrics counts by). */
    int index = -2;
    const struct dialect_route *r = dialect_route_lookup(path, &index);
    assert_ptr_equal(r, dialect_route_find(path));
    if (d == NULL)
        assert_int_equal(index, -1);
    else
        assert_ptr_equal(dialect_registry[index], d);
    if (want == NULL) {
        if (d != NULL)
            fail_msg("%s: routed to %s, want none", path, d->name);
        return;
    }
    if (d == NULL || strcmp(d->name, want) != 0)
        fail_msg("%s: routed to %s, want %s", path, d ? d->name : "none", want);
}

static void test_routes(void **state)
{
    (void)state;
    assert_owner("/orders", "panda");
    assert_owner("/orders/", "panda");
    assert_owner("/orders/abc/cancel", "panda");
    assert_owner("/v1/orders", "panda");
    assert_owner("/v1/orders/x/receipt", "panda");
    assert_owner("/ordersx", NULL);
    assert_owner("/v1", NULL);
    assert_owner("/api", "tegro");
    assert_owner("/api/createOrder", "tegro");
    assert_owner("/apix", NULL);
    /* tegro's hosted form: exactly these; the rest of /pay the payer's pages */
    assert_owner("/pay", "tegro");
    assert_owner("/pay/", "tegro");
    assert_owner("/pay/form", "tegro");
    assert_owner("/pay/form/", "tegro");
    assert_owner("/pay/form/x", "pages");
    assert_owner("/pay/complete/1/abc/", "pages");
    assert_owner("/pay/qr/1/abc/dark.png", "pages");
    assert_owner("/payx", NULL);
    assert_owner("/admin/v1", "admin");
    assert_owner("/admin/v1/shops/1", "admin");
    assert_owner("/admin", NULL);
    assert_owner("/openapi/panda.json", "docs");
    assert_owner("/trader/v1/orders", "trader");
    assert_owner("/trader/v1", "trader");
    assert_owner("/openapi", "docs");
    assert_owner("/openapix", NULL);
    assert_owner("/healthz", NULL); /* the router's own */
    assert_owner("/", NULL);
    assert_owner("", NULL);
}

static void test_core_dialects(void **state)
{
    (void)state;
    struct core_dialect list[SHOP_DIALECTS_MAX];
    int n = dialect_core_dialects(list, SHOP_DIALECTS_MAX);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "panda");
    assert_int_equal(list[0].id, 1);
    assert_int_equal(list[0].order_ttl, 900);
    assert_string_equal(list[0].callback_format, "3");
    assert_int_equal(list[0].api_key_bytes, 16);
    assert_int_equal(list[0].secret_bytes, 32);
    assert_string_equal(list[1].name, "tegro");
    assert_int_equal(list[1].order_ttl, 86400);
    assert_string_equal(list[1].callback_format, "form");
    assert_int_equal(list[1].secret_bytes, 16);
    char msg[128] = "";
    assert_true(list[1].callback_format_ok("json", msg, sizeof msg));
    assert_false(list[1].callback_format_ok("", msg, sizeof msg));
    assert_string_equal(msg, "notification_format: expected \"form\" or \"json\"");
    /* room for fewer: the first ones */
    assert_int_equal(dialect_core_dialects(list, 1), 1);
    assert_string_equal(list[0].name, "panda");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_ids_are_stable),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_core_dialects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
