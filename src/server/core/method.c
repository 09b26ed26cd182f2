/* method.c: the payment-method catalogue (method.h). */
#include <string.h>

#include "method.h"

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
