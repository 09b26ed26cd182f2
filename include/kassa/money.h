/* kassa/money.h: exact money.
 *
 * An amount is an int64_t count of the currency's minor unit. Decimal text is
 * parsed exactly (never through binary floating point) and rounded half-up to
 * the currency's exponent; 1.005 RUB is 101 kopecks. */
#ifndef KASSA_MONEY_H
#define KASSA_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kassa_currency {
    const char *code; /* ISO-like code, upper case: "RUB", "USDT" */
    int exponent;     /* digits of the minor unit: 2 for RUB, 6 for USDT */
    int tegro_id;     /* Tegro's currency_id: 1 RUB, 2 USD, 3 EUR, 4 UAH, ... */
} kassa_currency;

/* The currency with this code (exact, upper case), or NULL. Static storage. */
KASSA_EXTERN const kassa_currency *kassa_currency_find(const char *code);

/* The currency with this Tegro currency_id, or NULL. */
KASSA_EXTERN const kassa_currency *kassa_currency_by_tegro_id(int id);

/* The whole table: *n receives its length. */
KASSA_EXTERN const kassa_currency *kassa_currency_table(size_t *n);

/* Flags for kassa_money_parse. */
#define KASSA_MONEY_POSITIVE 0u       /* default: the amount must be > 0 */
#define KASSA_MONEY_ALLOW_ZERO 1u     /* 0 is accepted */
#define KASSA_MONEY_ALLOW_NEGATIVE 2u /* a leading '-' is accepted (implies zero) */

/* Parse decimal text `s` of `len` bytes ("1000.4747448348385", "12", "0.5",
 * ".5" is refused) into minor units of a currency with `exponent` digits,
 * rounding half-up (away from zero) beyond the exponent. Accepts an optional
 * leading '+' and, with KASSA_MONEY_ALLOW_NEGATIVE, '-'. Refuses exponents
 * ("1e3"), spaces, hex, "NaN", "inf", empty text, and anything whose value
 * does not fit int64_t. Errors: KASSA_EMONEY_EMPTY, KASSA_EMONEY_SYNTAX,
 * KASSA_EMONEY_NEGATIVE, KASSA_EMONEY_ZERO, KASSA_EMONEY_RANGE. *out is
 * written only on success. */
KASSA_EXTERN kassa_err kassa_money_parse(const char *s, size_t len, int exponent, unsigned flags,
                                         int64_t *out);

/* Format `minor` (of a currency with `exponent` digits) with exactly `places`
 * decimals into buf: places > exponent pads zeros ("64.18000000"), places <
 * exponent rounds half-up away from zero, places == 0 prints no point.
 * Returns the length written (NUL excluded), or -1 if buf is too small.
 * 32 bytes are always enough for places <= 8. */
KASSA_EXTERN int kassa_money_format(int64_t minor, int exponent, int places, char *buf,
                                    size_t size);

/* Round-half-up percentage of an amount: amount * percent / 100, where the
 * percent is decimal text with up to 4 places ("2.5", "0.0125"). Errors as
 * kassa_money_parse for the percent; KASSA_EMONEY_RANGE on overflow. */
KASSA_EXTERN kassa_err kassa_money_percent(int64_t amount, const char *percent, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
