/* test_shop.c: shop updates (core/shop.c shop_update_*): the checks, and
 * what the writer stores, on a temp SQLite store. */
#include "money_fixture.h"

static void test_shop_update(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    assert_string_equal(shop.notification_format, "form");
    char msg[256] = "";

    struct shop_update_cmd cmd = {.base.apply = shop_update_apply, .shop_id = shop.id};
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "nothing to change");
    cmd.set = SHOP_SET_NOTIFICATION_FORMAT;
    strcpy(cmd.values.notification_format, "xml");
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "notification_format: expected \"form\" or \"json\"");
    cmd.set = SHOP_SET_URL;
    strcpy(cmd.values.url, "ftp://x");
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "url: must be an http or https URL");
    cmd.set = SHOP_SET_NAME;
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_EINVAL);
    assert_string_equal(msg, "name: required");

    memset(&cmd.values, 0, sizeof cmd.values);
    cmd.set = SHOP_SET_NAME | SHOP_SET_NOTIFICATION_FORMAT | SHOP_SET_FEE_PERCENT |
              SHOP_SET_TEGRO_ORDER_TTL;
    strcpy(cmd.values.name, "Renamed");
    strcpy(cmd.values.notification_format, "json");
    strcpy(cmd.values.fee_percent, "3");
    cmd.values.tegro_order_ttl = 3600;
    cmd.values.url[0] = 'x'; /* not flagged: ignored */
    assert_int_equal(shop_update_prepare(&cmd, msg, sizeof msg), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.base), KASSA_OK);
    assert_string_equal(cmd.shop.name, "Renamed");

    struct shop s;
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, shop.id, &s), KASSA_OK);
    store_release(c);
    assert_string_equal(s.name, "Renamed");
    assert_string_equal(s.notification_format, "json");
    assert_string_equal(s.fee_percent, "3");
    assert_int_equal(s.tegro_order_ttl, 3600);
    /* the rest as it was */
    assert_string_equal(s.url, shop.url);
    assert_string_equal(s.callback_url, shop.callback_url);
    assert_int_equal(s.panda_order_ttl, shop.panda_order_ttl);
    assert_int_equal(s.callback_version, shop.callback_version);
    assert_string_equal(s.tegro_secret, shop.tegro_secret);
    assert_string_equal(s.public_key, shop.public_key);

    struct shop_update_cmd none = cmd;
    none.shop_id = shop.id + 100;
    assert_int_equal(writer_run(f->writer, &none.base), KASSA_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shop_update, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
