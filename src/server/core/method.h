/* method.h: the payment-method catalogue.
 *
 * Tegro's published payment-system numbers (spec/tegro.md) are kassa's
 * method ids. Each method names the provider that serves it: the requisites
 * pool (with the panda requisite type the pool knows it by: 28 SBP <-> "SBP",
 * 15/25/36/41 bank cards <-> "card", ...) or none yet, in which case only a
 * test order (served by the sandbox) can use it. An operator switches
 * methods on and off per shop (store: shop_methods / shop_method_set); a
 * method with no switch row is enabled. */
#ifndef KASSA_METHOD_H
#define KASSA_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

enum method_provider { PROVIDER_NONE = 0, PROVIDER_REQUISITES = 1 };

struct pay_method {
    int id; /* Tegro payment_system id */
    const char *name_en;
    const char *name_ru;
    const char *currency; /* the currency it is usually paid in */
    enum method_provider provider;
    const char *requisite_type; /* pool requisite type; "" when not pool-served */
    const char *min;            /* limits shown by `modules`, decimal text */
    const char *max;
};

/* The whole catalogue (static storage); *n receives its length. */
const struct pay_method *method_table(size_t *n);

/* The method with this Tegro id, or NULL. */
const struct pay_method *method_find(int id);

/* The method a panda requisite type maps onto ("SBP" -> 28, "card" -> 36),
 * or NULL when the type has none. */
const struct pay_method *method_for_requisite_type(const char *type);

/* A shop's switches, read once: enabled[i] matches method_table()[i]. */
struct method_switches {
    bool enabled[64];
    size_t n;
};

/* Read the shop's switches on `c` (KASSA_OK or the store's error). */
kassa_err method_switches_load(struct store_conn *c, int64_t shop_id, struct method_switches *out);

/* Whether the method with this id is enabled in `sw` (false when unknown). */
bool method_enabled(const struct method_switches *sw, int id);

/* Whether an order can use the method: enabled, and a pool-served method
 * unless `test` (the sandbox serves any method). */
bool method_usable(const struct method_switches *sw, const struct pay_method *m, bool test);

/* The switches as a shop's methods_off (bit i: method_table()[i] is off). */
uint64_t method_switches_off(const struct method_switches *sw);

/* Whether the shop (read through shop_cache_get) has method m switched off. */
bool method_off_for_shop(const struct shop *shop, const struct pay_method *m);

#endif
