/* receipt.c: what an order's receipt items and a payer's receipt image may
 * be (see core.h), and storing them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core.h"
#include "kassa/money.h"

/* Decimal places in s ("1.50" -> 2). */
static size_t decimals(const char *s)
{
    const char *dot = strchr(s, '.');
    return dot ? strlen(dot + 1) : 0;
}

bool receipt_add(struct receipt *r, size_t index, const char *name, const char *count,
                 const char *price, int exponent, char *msg, size_t msglen)
{
    if (r->n >= RECEIPT_MAX_ITEMS) {
        snprintf(msg, msglen, "receipt: at most %d items", RECEIPT_MAX_ITEMS);
        return false;
    }
    struct receipt_item *it = &r->items[r->n];
    if (name == NULL || *name == '\0' || strlen(name) >= sizeof it->name) {
        snprintf(msg, msglen, "receipt item %zu: name must be 1 to %zu bytes", index,
                 sizeof it->name - 1);
        return false;
    }
    if (count == NULL || strlen(count) >= sizeof it->count || decimals(count) > 3 ||
        kassa_money_parse(count, strlen(count), 3, KASSA_MONEY_POSITIVE, &it->count_milli) !=
            KASSA_OK) {
        snprintf(msg, msglen,
                 "receipt item %zu: count must be a number greater than 0 with at "
                 "most 3 decimals",
                 index);
        return false;
    }
    if (price == NULL || decimals(price) > (size_t)exponent ||
        kassa_money_parse(price, strlen(price), exponent, KASSA_MONEY_POSITIVE, &it->price) !=
            KASSA_OK) {
        snprintf(msg, msglen,
                 "receipt item %zu: price must be a number greater than 0 with at "
                 "most %d decimals",
                 index, exponent);
        return false;
    }
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->count, sizeof it->count, "%s", count);
    r->n++;
    return true;
}

bool receipt_total_ok(const struct receipt *r, int64_t amount, int exponent, char *msg,
                      size_t msglen)
{
    __int128 total = 0; /* thousandths of a minor unit */
    for (size_t i = 0; i < r->n; i++)
        total += (__int128)r->items[i].count_milli * r->items[i].price;
    if (total == (__int128)amount * 1000)
        return true;
    char want[48], got[48];
    kassa_money_format(amount, exponent, exponent, want, sizeof want);
    __int128 minor = total / 1000;
    if (minor > INT64_MAX) {
        snprintf(got, sizeof got, "more than the largest amount");
    } else {
        kassa_money_format((int64_t)minor, exponent, exponent, got, sizeof got);
        if (total % 1000 != 0) /* a fraction of the minor unit */
            snprintf(got + strlen(got), sizeof got - strlen(got), "+");
    }
    snprintf(msg, msglen, "receipt: items total %s, but amount is %s", got, want);
    return false;
}

kassa_err receipt_items_put(struct store_conn *c, int64_t order_id, const struct receipt *r)
{
    for (size_t i = 0; r != NULL && i < r->n; i++) {
        const struct receipt_item *it = &r->items[i];
        kassa_err err =
            STORE_CALL(c, receipt_put, order_id, (int)i, it->name, it->count, it->price);
        if (err != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

const char *receipt_image_type(const void *data, size_t len)
{
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (len >= sizeof jpg && memcmp(data, jpg, sizeof jpg) == 0)
        return "image/jpeg";
    if (len >= sizeof png && memcmp(data, png, sizeof png) == 0)
        return "image/png";
    return NULL;
}

kassa_err receipt_image_apply(struct store_conn *c, struct store_task *task)
{
    struct receipt_image_cmd *cmd = container_of(task, struct receipt_image_cmd, task);
    if (cmd->len > RECEIPT_IMAGE_MAX || cmd->content_type == NULL)
        return KASSA_EINVAL;
    kassa_err err = STORE_CALL(c, receipt_image_put, cmd->order_id, cmd->content_type, cmd->data,
                               cmd->len, clock_now());
    struct order *o = err == KASSA_OK ? malloc(sizeof *o) : NULL;
    if (err != KASSA_OK || o == NULL)
        return err != KASSA_OK ? err : KASSA_ENOMEM;
    /* On a timed-out order the payer's receipt opens a dispute. */
    err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd->order_id, o);
    struct dispute_file f = {cmd->data, cmd->len, cmd->content_type};
    if (err == KASSA_OK)
        err = dispute_from_receipt(c, o, &f);
    free(o);
    return err;
}
