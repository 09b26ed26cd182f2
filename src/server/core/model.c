/* model.c: names of the core's order states. */
#include <string.h>

#include "model.h"

static const char *const status_names[] = {
    [ORDER_PENDING] = "pending",   [ORDER_COMPLETED] = "completed",
    [ORDER_FAILED] = "failed",     [ORDER_EXPIRED] = "expired",
    [ORDER_CANCELED] = "canceled", [ORDER_NO_REQUISITE] = "no_requisite",
};

const char *order_status_name(enum order_status s)
{
    if ((unsigned)s < sizeof status_names / sizeof status_names[0])
        return status_names[s];
    return "unknown";
}

static const char *const account_names[] = {
    [ACC_SHOP_AVAILABLE] = "shop_available",
    [ACC_SHOP_HELD] = "shop_held",
    [ACC_PLATFORM_FEES] = "platform_fees",
    [ACC_PROVIDER_CLEARING] = "provider_clearing",
    [ACC_PAYOUTS] = "payouts",
};

const char *account_kind_name(enum account_kind k)
{
    if ((unsigned)k < sizeof account_names / sizeof account_names[0])
        return account_names[k];
    return NULL;
}
