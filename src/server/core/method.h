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

#include "store/store.h"

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

/* What the method an order asks for comes to (method_for_order). */
enum method_outcome {
    METHOD_DIRECT,        /* the order uses the method asked for */
    METHOD_PAYER_CHOOSES, /* none asked, or a catalogue method no provider here serves
                             outside test mode: the payer chooses on the order's page */
    METHOD_UNKNOWN,       /* not in the catalogue */
    METHOD_DISABLED,      /* in the catalogue, but the shop switched it off */
};

/* Resolve the method an order asks for (`id`; 0: none asked) for a shop with
 * switches `sw`. METHOD_DIRECT sets o->payment_system and o->requisite_type
 * (the pool's type, "" for a test order: the sandbox serves it);
 * METHOD_PAYER_CHOOSES clears both (order_awaits_method then holds); the
 * refusals leave *o alone. A switched-off method is refused rather than
 * replaced: the operator turned it off for this shop on purpose, and the
 * merchant should hear so. */
enum method_outcome method_for_order(const struct method_switches *sw, int id, bool test,
                                     struct order *o);

/* The requisite the payer of o is shown: its own from the pool, or for a
 * test order without one the sandbox's (a fake account of the order's
 * type that no money reaches: the page's Pay / Fail buttons settle it),
 * built in *buf. NULL when there is none (a method yet to choose, or one
 * no requisite serves). en: the holder's name in English. */
const struct requisite *order_requisite(const struct order *o, bool en, struct requisite *buf);

/* Whether the order waits for the payer to choose its method: pending, with
 * neither a method nor a requisite type. */
bool order_awaits_method(const struct order *o);

/* The payer chooses the method of an order that awaits one (a command; the
 * order's page submits it). */
struct order_method_cmd {
    struct store_task task;
    int64_t order_id;   /* in */
    int payment_system; /* in: the method chosen */
    struct order order; /* out: the order (after the choice when it was made) */
};

/* Give the order the method if it awaits one and the method is usable for
 * its shop (method_usable, the order's test flag): a pool-served method
 * gets its requisite now (a test order's: the sandbox's). KASSA_ENOTFOUND;
 * KASSA_ESTATE when the order no longer awaits a method (answered KASSA_OK
 * when it already has exactly this one: a second press); KASSA_EINVAL when
 * the method is not usable; KASSA_EUNAVAILABLE when the pool has no
 * requisite for it now (the order still awaits a method, the payer may
 * choose another). Nothing is written on a refusal. */
kassa_err order_method_apply(struct store_conn *c, struct store_task *task);

#endif
