/* st00012.h: what the payer's QR code carries (the payer page, its QR
 * images, the panda payer view): only a payload a bank app accepts. A GOST R 56042-2014 payment
 * string ("ST00012|Name=...|PersonalAcc=...|...", UTF-8) for an account
 * requisite with every field the standard requires, the NSPK link itself
 * for a QR requisite, otherwise the payer page's own address (to continue
 * on a phone). */
#ifndef KASSA_DIALECT_ST00012_H
#define KASSA_DIALECT_ST00012_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* A GOST R 56042-2014 payment's fields. Required: name (the recipient),
 * personal_acc (20 digits), bank_name, bic (9 digits), corresp_acc (20
 * digits). sum (kopecks) and purpose are optional (0, NULL or "": left
 * out). */
struct st00012 {
    const char *name, *personal_acc, *bank_name, *bic, *corresp_acc, *purpose;
    int64_t sum;
};

/* Write the payment string into out (size bytes). A text value has its
 * '|' (the separator) and control characters replaced by spaces, its
 * spaces trimmed and is cut (on a character) to the standard's length
 * (Name 160, BankName 45, Purpose 210 characters). false when a required
 * field is missing or malformed, or out is too small. */
bool st00012_build(const struct st00012 *p, char *out, size_t size);

/* The NSPK payment link of a QR requisite: https://qr.nspk.ru/... */
bool nspk_link_ok(const char *value);

enum pay_qr {
    PAY_QR_PAGE,    /* the payer page's address: open it on a phone */
    PAY_QR_ST00012, /* an ST00012 payment string */
    PAY_QR_NSPK,    /* the NSPK link of a QR requisite */
};

/* What the QR code of order o (its requisite r, NULL none; its shop's
 * name) carries, its text into out. */
enum pay_qr pay_qr_text(const struct order *o, const struct requisite *r, const char *shop_name,
                        char *out, size_t size);

#endif
