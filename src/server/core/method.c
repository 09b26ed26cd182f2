/* method.c: the payment-method catalogue (method.h). */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core.h"
#include "method.h"
#include "provider/requisites.h"

static const struct pay_method methods[] = {
    {28, "SBP (fast payment system)", "СБП (система быстрых платежей)", "RUB", PROVIDER_REQUISITES,
     "SBP", "10.00", "500000.00"},
    {36, "Bank card", "Банковская карта", "RUB", PROVIDER_REQUISITES, "card", "10.00", "500000.00"},
    {25, "Bank card", "Банковская карта", "RUB", PROVIDER_REQUISITES, "card", "10.00", "500000.00"},
    {41, "Bank card", "Банковская карта", "RUB", PROVIDER_REQUISITES, "card", "10.00", "500000.00"},
    {15, "Bank card (QIWI)", "Банковская карта (QIWI)", "RUB", PROVIDER_REQUISITES, "card", "10.00",
     "500000.00"},
    {27, "Tinkoff", "Тинькофф", "RUB", PROVIDER_REQUISITES, "internalTransfer", "10.00",
     "500000.00"},
    {38, "Mobile phone", "Мобильный телефон", "RUB", PROVIDER_REQUISITES, "phoneTopUp", "10.00",
     "15000.00"},
    {5, "YooMoney", "ЮMoney", "RUB", PROVIDER_NONE, "", "1.00", "500000.00"},
    {11, "Perfect Money USD", "Perfect Money USD", "USD", PROVIDER_NONE, "", "1.00", "10000.00"},
    {12, "Perfect Money EUR", "Perfect Money EUR", "EUR", PROVIDER_NONE, "", "1.00", "10000.00"},
    {13, "Payeer", "Payeer", "RUB", PROVIDER_NONE, "", "1.00", "500000.00"},
    {14, "QIWI", "QIWI", "RUB", PROVIDER_NONE, "", "1.00", "500000.00"},
    {16, "Bitcoin", "Bitcoin", "BTC", PROVIDER_NONE, "", "1.00", "1000000.00"},
    {17, "Litecoin", "Litecoin", "LTC", PROVIDER_NONE, "", "1.00", "1000000.00"},
    {18, "Ethereum", "Ethereum", "ETH", PROVIDER_NONE, "", "1.00", "1000000.00"},
    {29, "Google Pay", "Google Pay", "RUB", PROVIDER_NONE, "", "1.00", "500000.00"},
    {31, "PayPal USD", "PayPal USD", "USD", PROVIDER_NONE, "", "1.00", "10000.00"},
    {32, "PayPal EUR", "PayPal EUR", "EUR", PROVIDER_NONE, "", "1.00", "10000.00"},
    {35, "YooKassa", "ЮKassa", "RUB", PROVIDER_NONE, "", "1.00", "500000.00"},
    {42, "Toncoin", "Toncoin", "TON", PROVIDER_NONE, "", "1.00", "1000000.00"},
    {47, "USDT (BEP20)", "USDT (BEP20)", "USDT", PROVIDER_NONE, "", "1.00", "1000000.00"},
    {51, "USDT (TRC20)", "USDT (TRC20)", "USDT", PROVIDER_NONE, "", "1.00", "1000000.00"},
};

#define METHOD_COUNT (sizeof methods / sizeof methods[0])
_Static_assert(METHOD_COUNT <= 64, "method_switches holds 64 methods");

const struct pay_method *method_table(size_t *n)
{
    *n = METHOD_COUNT;
    return methods;
}

static int method_index(int id)
{
    for (size_t i = 0; i < METHOD_COUNT; i++)
        if (methods[i].id == id)
            return (int)i;
    return -1;
}

const struct pay_method *method_find(int id)
{
    int i = method_index(id);
    return i < 0 ? NULL : &methods[i];
}

const struct pay_method *method_for_requisite_type(const char *type)
{
    /* The first method of a type is its canonical one (SBP 28, card 36). */
    for (size_t i = 0; i < METHOD_COUNT; i++)
        if (methods[i].provider == PROVIDER_REQUISITES &&
            strcmp(methods[i].requisite_type, type) == 0)
            return &methods[i];
    return NULL;
}

static bool switch_one(void *arg, int method_id, bool enabled)
{
    struct method_switches *sw = arg;
    int i = method_index(method_id);
    if (i >= 0)
        sw->enabled[i] = enabled;
    return true;
}

kassa_err method_switches_load(struct store_conn *c, int64_t shop_id, struct method_switches *out)
{
    out->n = METHOD_COUNT;
    for (size_t i = 0; i < METHOD_COUNT; i++)
        out->enabled[i] = true;
    return STORE_CALL(c, shop_methods, shop_id, switch_one, out);
}

bool method_enabled(const struct method_switches *sw, int id)
{
    int i = method_index(id);
    return i >= 0 && (size_t)i < sw->n && sw->enabled[i];
}

bool method_usable(const struct method_switches *sw, const struct pay_method *m, bool test)
{
    if (m == NULL || !method_enabled(sw, m->id))
        return false;
    return test || m->provider == PROVIDER_REQUISITES;
}

uint64_t method_switches_off(const struct method_switches *sw)
{
    uint64_t off = 0;
    for (size_t i = 0; i < sw->n && i < METHOD_COUNT; i++)
        if (!sw->enabled[i])
            off |= UINT64_C(1) << i;
    return off;
}

bool method_off_for_shop(const struct shop *shop, const struct pay_method *m)
{
    int i = m != NULL ? method_index(m->id) : -1;
    return i >= 0 && (shop->methods_off >> i & 1) != 0;
}

enum method_outcome method_for_order(const struct method_switches *sw, int id, bool test,
                                     struct order *o)
{
    const struct pay_method *m = NULL;
    if (id != 0) {
        if ((m = method_find(id)) == NULL)
            return METHOD_UNKNOWN;
        if (!method_enabled(sw, id))
            return METHOD_DISABLED;
        if (!method_usable(sw, m, test))
            m = NULL; /* no provider for real payments: the payer picks one */
    }
    if (m == NULL) {
        o->payment_system = 0;
        o->requisite_type[0] = '\0';
        return METHOD_PAYER_CHOOSES;
    }
    o->payment_system = m->id;
    snprintf(o->requisite_type, sizeof o->requisite_type, "%s", test ? "" : m->requisite_type);
    return METHOD_DIRECT;
}

const struct requisite *order_requisite(const struct order *o, bool en, struct requisite *buf)
{
    if (o->requisite_id != 0)
        return &o->req;
    if (!o->test)
        return NULL;
    const char *type = o->requisite_type;
    if (type[0] == '\0') {
        const struct pay_method *m = method_find(o->payment_system);
        if (m == NULL || m->provider != PROVIDER_REQUISITES)
            return NULL;
        type = m->requisite_type;
    }
    memset(buf, 0, sizeof *buf);
    core_copy(buf->type, sizeof buf->type, type);
    if (strcmp(type, "SBP") == 0 || strcmp(type, "phoneTopUp") == 0 ||
        strcmp(type, "internalTransferMobile") == 0)
        core_copy(buf->value, sizeof buf->value, "+79990000000");
    else
        core_copy(buf->value, sizeof buf->value, "2200000000000004");
    core_copy(buf->owner_full_name, sizeof buf->owner_full_name,
              en ? "Test Recipient" : "Тестовый Получатель");
    core_copy(buf->bank_name_ru, sizeof buf->bank_name_ru, "Тестовый банк");
    core_copy(buf->bank_name_en, sizeof buf->bank_name_en, "Sandbox Bank");
    core_copy(buf->bank_code, sizeof buf->bank_code, "sandbox");
    core_copy(buf->currency, sizeof buf->currency, o->currency);
    return buf;
}

bool order_awaits_method(const struct order *o)
{
    return o->status == ORDER_PENDING && o->payment_system == 0 && o->requisite_type[0] == '\0';
}

kassa_err order_method_apply(struct store_conn *c, struct store_task *task)
{
    struct order_method_cmd *cmd = container_of(task, struct order_method_cmd, task);
    struct order *o = &cmd->order;
    kassa_err err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd->order_id, o);
    if (err != KASSA_OK)
        return err;
    if (!order_awaits_method(o))
        return o->status == ORDER_PENDING && o->payment_system == cmd->payment_system
                   ? KASSA_OK
                   : KASSA_ESTATE;
    struct method_switches sw;
    if ((err = method_switches_load(c, o->shop_id, &sw)) != KASSA_OK)
        return err;
    const struct pay_method *m = method_find(cmd->payment_system);
    if (!method_usable(&sw, m, o->test))
        return KASSA_EINVAL;
    /* The pool's whole rule, without raising the amount: the merchant's
     * signature named it. */
    struct pick p;
    memset(&p, 0, sizeof p);
    const char *type = o->test ? "" : m->requisite_type;
    int64_t now = clock_now();
    if (type[0] != '\0') {
        struct pick_ask a = {.type = type,
                             .currency = o->currency,
                             .bank_code = o->bank_code,
                             .amount = o->amount,
                             .rate = o->exchange_rate,
                             .now = now};
        if ((err = requisites_assign(c, &a, NULL, &p)) != KASSA_OK)
            return err == KASSA_ENOTFOUND ? KASSA_EUNAVAILABLE : err;
    }
    err = STORE_CALL(c, order_set_method, o->id, m->id, type, p.req.id, now);
    if (err != KASSA_OK)
        return err;
    o->payment_system = m->id;
    snprintf(o->requisite_type, sizeof o->requisite_type, "%s", type);
    o->requisite_id = p.req.id;
    o->req = p.req;
    o->updated_at = now;
    if (p.req.trader_id != 0) {
        o->trader_id = p.req.trader_id;
        o->reserve = p.reserve;
        if ((err = ledger_trader_reserve(c, o, p.trader_currency, true)) != KASSA_OK)
            return err;
        return store_order_set_pick(c, o);
    }
    return KASSA_OK;
}
