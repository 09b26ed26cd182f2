/* shop.c: shops (with their credentials for each dialect) and the
 * requisites pool. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/random.h"
#include "core.h"
#include "kassa/money.h"

static const char *const requisite_types[] = {
    "SBP",
    "card",
    "accountNumber",
    "crossBorderTransfer",
    "crossBorderCard",
    "internalTransfer",
    "internalTransferMobile",
    "internalTransferAccountNumber",
    "NSPK",
    "phoneTopUp",
    "QR",
    "tips",
    "localExchange",
};

bool requisite_type_known(const char *type)
{
    for (size_t i = 0; i < sizeof requisite_types / sizeof requisite_types[0]; i++)
        if (strcmp(requisite_types[i], type) == 0)
            return true;
    return false;
}

static bool url_ok(const char *u)
{
    return u[0] == '\0' || strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

bool shop_notification_format_known(const char *format)
{
    return strcmp(format, "form") == 0 || strcmp(format, "json") == 0;
}

/* Check the settings of s named in `set` (SHOP_SET_*); KASSA_EINVAL with a
 * message naming the field. */
static kassa_err settings_check(const struct shop *s, unsigned set, char *msg, size_t msglen)
{
    int64_t probe;
    if ((set & SHOP_SET_NAME) && s->name[0] == '\0') {
        snprintf(msg, msglen, "name: required");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_URL) && !url_ok(s->url)) {
        snprintf(msg, msglen, "url: must be an http or https URL");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_CALLBACK_URL) && !url_ok(s->callback_url)) {
        snprintf(msg, msglen, "callback_url: must be an http or https URL");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_FEE_PERCENT) &&
        kassa_money_percent(100, s->fee_percent, &probe) != KASSA_OK) {
        snprintf(msg, msglen,
                 "fee_percent: expected a decimal percent between 0 and 100 with at most 4 "
                 "decimal places");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_CALLBACK_VERSION) && s->callback_version != 2 && s->callback_version != 3) {
        snprintf(msg, msglen, "callback_version: expected 2 or 3");
        return KASSA_EINVAL;
    }
    if (((set & SHOP_SET_PANDA_ORDER_TTL) && s->panda_order_ttl <= 0) ||
        ((set & SHOP_SET_TEGRO_ORDER_TTL) && s->tegro_order_ttl <= 0)) {
        snprintf(msg, msglen, "%s: expected a positive number of seconds",
                 (set & SHOP_SET_PANDA_ORDER_TTL) && s->panda_order_ttl <= 0 ? "panda_order_ttl"
                                                                             : "tegro_order_ttl");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_NOTIFICATION_FORMAT) &&
        !shop_notification_format_known(s->notification_format)) {
        snprintf(msg, msglen, "notification_format: expected \"form\" or \"json\"");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

kassa_err shop_create_prepare(struct shop_create_cmd *cmd, char *msg, size_t msglen)
{
    struct shop *s = &cmd->shop;
    if (s->fee_percent[0] == '\0')
        core_copy(s->fee_percent, sizeof s->fee_percent, "0");
    if (s->notification_format[0] == '\0')
        core_copy(s->notification_format, sizeof s->notification_format, "form");
    kassa_err err = settings_check(s,
                                   SHOP_SET_NAME | SHOP_SET_URL | SHOP_SET_CALLBACK_URL |
                                       SHOP_SET_FEE_PERCENT | SHOP_SET_NOTIFICATION_FORMAT,
                                   msg, msglen);
    if (err != KASSA_OK)
        return err;
    if (s->panda_order_ttl <= 0)
        s->panda_order_ttl = core_settings()->panda_order_ttl;
    if (s->tegro_order_ttl <= 0)
        s->tegro_order_ttl = core_settings()->tegro_order_ttl;
    if (s->callback_version != 2)
        s->callback_version = 3;
    s->active = 1;
    random_hex(s->public_key, 16, true);
    random_hex(s->panda_api_key, 16, false);
    random_hex(s->panda_secret, 32, false);
    random_hex(s->tegro_api_key, 16, false);
    random_hex(s->tegro_secret, 16, false);
    s->created_at = clock_now();
    return KASSA_OK;
}

kassa_err shop_create_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct shop_create_cmd *cmd = container_of(base, struct shop_create_cmd, base);
    struct shop *s = &cmd->shop;
    kassa_err err;
    if (s->merchant_id == 0) {
        struct merchant m = {.created_at = s->created_at};
        core_copy(m.name, sizeof m.name, s->name);
        if ((err = STORE_CALL(c, merchant_insert, &m)) != KASSA_OK)
            return err;
        s->merchant_id = m.id;
    } else {
        struct merchant m;
        if ((err = STORE_CALL(c, merchant_get, s->merchant_id, &m)) != KASSA_OK)
            return err;
    }
    if ((err = STORE_CALL(c, shop_insert, s)) != KASSA_OK)
        return err;
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, s->id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

kassa_err shop_tariff_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct shop_tariff_cmd *cmd = container_of(base, struct shop_tariff_cmd, base);
    struct shop s;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, cmd->shop_id, &s);
    if (err != KASSA_OK)
        return err;
    if (cmd->percent[0] != '\0' &&
        (err = STORE_CALL(c, shop_set_fee_percent, cmd->shop_id, cmd->percent)) != KASSA_OK)
        return err;
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, cmd->shop_id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

kassa_err shop_update_prepare(struct shop_update_cmd *cmd, char *msg, size_t msglen)
{
    if (cmd->set == 0 && cmd->n_fixed == 0) {
        snprintf(msg, msglen, "nothing to change");
        return KASSA_EINVAL;
    }
    return settings_check(&cmd->values, cmd->set, msg, msglen);
}

kassa_err shop_update_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct shop_update_cmd *cmd = container_of(base, struct shop_update_cmd, base);
    struct shop *s = &cmd->shop;
    const struct shop *v = &cmd->values;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, cmd->shop_id, s);
    if (err != KASSA_OK)
        return err;
    unsigned set = cmd->set;
    if (set & SHOP_SET_NAME)
        core_copy(s->name, sizeof s->name, v->name);
    if (set & SHOP_SET_URL)
        core_copy(s->url, sizeof s->url, v->url);
    if (set & SHOP_SET_CALLBACK_URL)
        core_copy(s->callback_url, sizeof s->callback_url, v->callback_url);
    if (set & SHOP_SET_CALLBACK_VERSION)
        s->callback_version = v->callback_version;
    if (set & SHOP_SET_PANDA_ORDER_TTL)
        s->panda_order_ttl = v->panda_order_ttl;
    if (set & SHOP_SET_TEGRO_ORDER_TTL)
        s->tegro_order_ttl = v->tegro_order_ttl;
    if (set & SHOP_SET_NOTIFICATION_FORMAT)
        core_copy(s->notification_format, sizeof s->notification_format, v->notification_format);
    if ((err = STORE_CALL(c, shop_update, s)) != KASSA_OK)
        return err;
    if (set & SHOP_SET_FEE_PERCENT) {
        if ((err = STORE_CALL(c, shop_set_fee_percent, s->id, v->fee_percent)) != KASSA_OK)
            return err;
        core_copy(s->fee_percent, sizeof s->fee_percent, v->fee_percent);
    }
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, s->id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

kassa_err requisite_add_prepare(struct requisite_add_cmd *cmd, char *msg, size_t msglen)
{
    struct requisite *r = &cmd->req;
    if (!requisite_type_known(r->type)) {
        snprintf(msg, msglen, "type: unknown requisite type '%s'", r->type);
        return KASSA_EINVAL;
    }
    if (r->value[0] == '\0') {
        snprintf(msg, msglen, "requisite: required");
        return KASSA_EINVAL;
    }
    if (r->currency[0] == '\0')
        core_copy(r->currency, sizeof r->currency, "RUB");
    if (kassa_currency_find(r->currency) == NULL) {
        snprintf(msg, msglen, "currency: unknown currency '%s'", r->currency);
        return KASSA_EINVAL;
    }
    r->active = 1;
    r->created_at = clock_now();
    return KASSA_OK;
}

kassa_err requisite_add_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct requisite_add_cmd *cmd = container_of(base, struct requisite_add_cmd, base);
    return STORE_CALL(c, requisite_insert, &cmd->req);
}
