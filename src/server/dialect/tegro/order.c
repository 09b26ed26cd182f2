/* order.c: a tegro order from its wire fields (tegro.h), shared by the
 * REST createOrder and the hosted form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "dialect/html.h"
#include "internal.h"
#include "kassa/money.h"
#include "tegro.h"

int tegro_status(enum order_status s)
{
    /* The payer's page reports the same numbers: one mapping, kept with
     * the pages' helpers at dialect/'s root (html.c). */
    return page_status(s);
}

static bool email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    if (at == NULL || at == e || strchr(at + 1, '@') != NULL || strlen(e) > 254)
        return false;
    const char *dot = strrchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return false;
    return true;
}

static bool phone_ok(const char *p)
{
    size_t digits = 0;
    if (*p == '+')
        p++;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else
            return false;
    }
    return digits >= 10 && digits <= 15;
}

/* A positive integer in decimal text (at most 9 digits) into *out. */
bool small_int(const char *s, int *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 9)
        return false;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

bool empty(const char *s)
{
    return s == NULL || *s == '\0';
}

/* Copy an optional string field; false with a message when too long. */
static bool copy_field(char *dst, size_t size, const char *src, const char *name, char *msg,
                       size_t msglen)
{
    if (!core_copy(dst, size, src ? src : "")) {
        snprintf(msg, msglen, "%s: must be at most %zu bytes", name, size - 1);
        return false;
    }
    return true;
}

bool tegro_order_fill(struct tegro_create *tc, const struct shop *shop,
                      const struct tegro_order_input *in, const struct method_switches *sw,
                      char *msg, size_t msglen)
{
    struct order_create_cmd *cmd = &tc->cmd;
    struct order *o = &cmd->order;
    cmd->shop = *shop;
    cmd->receipt = &tc->receipt;
    o->origin = dialect_tegro.id;
    o->test = in->test;

    if (empty(in->currency)) {
        snprintf(msg, msglen, "Empty required param currency");
        return false;
    }
    if (empty(in->amount)) {
        snprintf(msg, msglen, "Empty required param amount");
        return false;
    }
    if (empty(in->order_id)) {
        snprintf(msg, msglen, "Empty required param order_id");
        return false;
    }
    const kassa_currency *cur = kassa_currency_find(in->currency);
    if (cur == NULL || strlen(in->currency) >= sizeof o->currency) {
        snprintf(msg, msglen, "Unknown currency %.32s", in->currency);
        return false;
    }
    core_copy(o->currency, sizeof o->currency, in->currency);
    kassa_err err = kassa_money_parse(in->amount, strlen(in->amount), cur->exponent,
                                      KASSA_MONEY_POSITIVE, &o->amount);
    if (err != KASSA_OK) {
        snprintf(msg, msglen, "Wrong amount: %s", kassa_strerror(err));
        return false;
    }
    if (strlen(in->order_id) > TEXT_SIZE - 1 - strlen(TEGRO_IDEM_PREFIX)) {
        snprintf(msg, msglen, "order_id: must be at most %zu bytes",
                 TEXT_SIZE - 1 - strlen(TEGRO_IDEM_PREFIX));
        return false;
    }
    core_copy(o->merchant_order_id, sizeof o->merchant_order_id, in->order_id);
    snprintf(cmd->idem_key, sizeof cmd->idem_key, "%s%s", TEGRO_IDEM_PREFIX, in->order_id);

    /* payment_system is optional: without it, or with a catalogue method
     * nothing here serves, the payer chooses on the order's page. */
    int ps = 0;
    if (!empty(in->payment_system) && (!small_int(in->payment_system, &ps) || ps == 0)) {
        snprintf(msg, msglen, "Unknown payment system %.32s", in->payment_system);
        return false;
    }
    switch (method_for_order(sw, ps, in->test, o)) {
    case METHOD_DIRECT:
        break;
    case METHOD_PAYER_CHOOSES:
        cmd->method_asked = ps;
        break;
    case METHOD_UNKNOWN:
        snprintf(msg, msglen, "Unknown payment system %.32s", in->payment_system);
        return false;
    case METHOD_DISABLED:
        snprintf(msg, msglen, "Payment system %d is disabled for this shop", ps);
        return false;
    }

    if (!empty(in->email) && !email_ok(in->email)) {
        snprintf(msg, msglen, "Wrong email in fields");
        return false;
    }
    if (!empty(in->phone) && !phone_ok(in->phone)) {
        snprintf(msg, msglen, "Wrong phone in fields: 10 to 15 digits, optionally after '+'");
        return false;
    }
    if (!copy_field(o->email, sizeof o->email, in->email, "fields.email", msg, msglen) ||
        !copy_field(o->phone, sizeof o->phone, in->phone, "fields.phone", msg, msglen) ||
        !copy_field(o->success_url, sizeof o->success_url, in->success_url, "success_url", msg,
                    msglen) ||
        !copy_field(o->fail_url, sizeof o->fail_url, in->fail_url, "fail_url", msg, msglen) ||
        !copy_field(o->notify_url, sizeof o->notify_url, in->notify_url, "notify_url", msg, msglen))
        return false;
    const char *urls[][2] = {
        {"success_url", o->success_url}, {"fail_url", o->fail_url}, {"notify_url", o->notify_url}};
    for (size_t i = 0; i < 3; i++) {
        if (urls[i][1][0] != '\0' && !core_http_url_ok(urls[i][1])) {
            snprintf(msg, msglen, "%s: must be an http or https URL", urls[i][0]);
            return false;
        }
    }
    cmd->urls_unsigned = in->unsigned_urls;
    cmd->merchant_order_id_unique = true; /* order_id: the shop's own, for good */
    const char *refused = cmd->urls_unsigned ? order_url_refused(shop, o) : NULL;
    if (refused != NULL) {
        snprintf(msg, msglen, "%s: not a host of this shop", refused);
        return false;
    }
    if (!empty(in->lang)) {
        if (strcmp(in->lang, "ru") != 0 && strcmp(in->lang, "en") != 0) {
            snprintf(msg, msglen, "lang: must be ru or en");
            return false;
        }
        core_copy(o->lang, sizeof o->lang, in->lang);
    }
    if (tc->receipt.n > 0 && !receipt_total_ok(&tc->receipt, o->amount, cur->exponent, msg, msglen))
        return false;

    if ((err = order_create_prepare(cmd)) != KASSA_OK) {
        if (err == KASSA_EAMOUNT_LIMIT) {
            char limit[64];
            core_amount_limit_text(o->currency, false, limit, sizeof limit);
            snprintf(msg, msglen, "Wrong amount: at most %s", limit);
        } else {
            snprintf(msg, msglen, "%s", kassa_strerror(err));
        }
        return false;
    }
    return true;
}
