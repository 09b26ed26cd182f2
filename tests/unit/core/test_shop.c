/* test_shop.c: shops (core/shop.c): a new shop's dialect rows, the checks
 * of an update, and what the writer stores, on a temp SQLite store with
 * the registry's merchant dialects configured (money_fixture.h). */
#include "money_fixture.h"

/* A new shop has a row of every configured dialect: the registry's
 * defaults where the command gives nothing, credentials of the dialect's
 * sizes, unique per shop. */
static void test_shop_create_rows(void **state)
{
    struct fx *f = *state;
    struct shop a = fx_shop(f, "2.5", 0), b = fx_shop(f, "1", 120);
    const struct core_settings *cs = core_settings();
    assert_true(cs->n_dialects >= 2);
    assert_int_equal(a.n_dialects, cs->n_dialects);
    for (int i = 0; i < cs->n_dialects; i++) {
        const struct core_dialect *d = &cs->dialects[i];
        const struct shop_dialect *ra = fx_row(&a, d->name), *rb = fx_row(&b, d->name);
        assert_int_equal(strlen(ra->api_key), 2 * (size_t)d->api_key_bytes);
        assert_int_equal(strlen(ra->secret), 2 * (size_t)d->secret_bytes);
        assert_string_not_equal(ra->api_key, rb->api_key);
        assert_string_equal(ra->callback_format, d->callback_format);
        assert_int_equal(ra->order_ttl, d->order_ttl);
    }
    assert_int_equal(fx_row(&a, "panda")->order_ttl, 900);
    assert_string_equal(fx_row(&a, "panda")->callback_format, "3");
    assert_int_equal(fx_row(&a, "tegro")->order_ttl, 86400);
    assert_string_equal(fx_row(&a, "tegro")->callback_format, "form");
    assert_int_equal(fx_row(&b, "panda")->order_ttl, 120);
    assert_int_equal(strlen(fx_row(&a, "panda")->secret), 64);
    assert_int_equal(strlen(fx_row(&a, "tegro")->secret), 32);

    /* Given settings are checked by the dialect's validator; a row of a
     * dialect not configured is refused. */
    char msg[256] = "";
    struct shop_create_cmd cmd = {.task.run = shop_create_apply};
    strcpy(cmd.shop.name, "x");
    strcpy(shop_dialect_add(&cmd.shop, "tegro")->callback_format, "xml");
    assert_int_equal(shop_create_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "notification_format: expected \"form\" or \"json\"");
    strcpy(shop_dialect_add(&cmd.shop, "tegro")->callback_format, "json");
    strcpy(shop_dialect_add(&cmd.shop, "panda")->callback_format, "4");
    assert_int_equal(shop_create_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "callback_version: expected an integer between 2 and 3");
    strcpy(shop_dialect_add(&cmd.shop, "panda")->callback_format, "2");
    shop_dialect_add(&cmd.shop, "nosuch");
    assert_int_equal(shop_create_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "nosuch: no such dialect");
    cmd.shop.n_dialects--;
    assert_int_equal(shop_create_prepare(&cmd, msg, sizeof msg), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    struct shop s;
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(
        STORE_CALL(c, shop_get_by_api_key, "tegro", fx_row(&cmd.shop, "tegro")->api_key, &s),
        KASSA_OK);
    store_release(c);
    assert_int_equal(s.id, cmd.shop.id);
    assert_string_equal(fx_row(&s, "tegro")->callback_format, "json");
    assert_string_equal(fx_row(&s, "panda")->callback_format, "2");
    assert_int_equal(fx_row(&s, "tegro")->order_ttl, 86400);
}

static void test_shop_update(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    assert_string_equal(fx_row(&shop, "tegro")->callback_format, "form");
    char msg[256] = "";

    struct shop_update_cmd cmd = {.task.run = shop_update_apply, .shop_id = shop.id};
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "nothing to change");
    struct shop_dialect_change *t = shop_update_dialect(&cmd, "tegro");
    assert_non_null(t);
    assert_true(shop_update_dialect(&cmd, "tegro") == t);
    t->set = SHOP_SET_CALLBACK_FORMAT;
    strcpy(t->callback_format, "xml");
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "notification_format: expected \"form\" or \"json\"");
    t->set = SHOP_SET_ORDER_TTL;
    t->order_ttl = 0;
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "tegro_order_ttl: expected a positive number of seconds");
    t->set = 0;
    cmd.set = SHOP_SET_URL;
    strcpy(cmd.values.url, "ftp://x");
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "url: must be an http or https URL");
    cmd.set = SHOP_SET_NAME;
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "name: required");
    cmd.set = 0;
    shop_update_dialect(&cmd, "nosuch")->set = SHOP_SET_ORDER_TTL;
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "nosuch: no such dialect");
    cmd.n_dialects = 0;

    memset(&cmd.values, 0, sizeof cmd.values);
    cmd.set = SHOP_SET_NAME | SHOP_SET_FEE_PERCENT;
    strcpy(cmd.values.name, "Renamed");
    strcpy(cmd.values.fee_percent, "3");
    t = shop_update_dialect(&cmd, "tegro");
    t->set = SHOP_SET_CALLBACK_FORMAT | SHOP_SET_ORDER_TTL;
    strcpy(t->callback_format, "json");
    t->order_ttl = 3600;
    cmd.values.url[0] = 'x'; /* not flagged: ignored */
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_string_equal(cmd.shop.name, "Renamed");

    struct shop s;
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, shop.id, &s), KASSA_OK);
    store_release(c);
    assert_string_equal(s.name, "Renamed");
    assert_string_equal(fx_row(&s, "tegro")->callback_format, "json");
    assert_string_equal(s.fee_percent, "3");
    assert_int_equal(fx_row(&s, "tegro")->order_ttl, 3600);
    /* the rest as it was */
    assert_string_equal(s.url, shop.url);
    assert_string_equal(s.callback_url, shop.callback_url);
    assert_int_equal(fx_row(&s, "panda")->order_ttl, fx_row(&shop, "panda")->order_ttl);
    assert_string_equal(fx_row(&s, "panda")->callback_format,
                        fx_row(&shop, "panda")->callback_format);
    assert_string_equal(fx_row(&s, "tegro")->secret, fx_row(&shop, "tegro")->secret);
    assert_string_equal(fx_row(&s, "tegro")->api_key, fx_row(&shop, "tegro")->api_key);
    assert_string_equal(s.public_key, shop.public_key);

    struct shop_update_cmd none = cmd;
    none.shop_id = shop.id + 100;
    assert_int_equal(writer_run(f->writer, &none.task), KASSA_ENOTFOUND);
}

/* An order lives as long as its shop's row of the dialect that made it
 * says. */
static void test_order_ttl_per_dialect(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 600);
    struct order o = fx_order(f, &shop, 10000, "", false);
    assert_int_equal(o.expires_at - o.created_at, 600);

    struct order_create_cmd cmd = {.task.run = order_create_apply};
    cmd.shop = shop;
    cmd.order.amount = 10000;
    cmd.order.origin = fx_dialect_id("tegro");
    strcpy(cmd.order.currency, "RUB");
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK);
    assert_int_equal(cmd.order.expires_at - cmd.order.created_at, 86400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shop_create_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_shop_update, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_order_ttl_per_dialect, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
