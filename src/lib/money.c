/* money.c: the currency table and exact decimal money.
 *
 * Amounts are int64_t counts of minor units. Text is parsed digit by digit
 * into an unsigned 64-bit magnitude with explicit overflow checks; nothing
 * ever passes through binary floating point. */
#include "kassa/money.h"

#include <inttypes.h>
#include <string.h>

/* Tegro publishes ids 1..4 only; the rest are ours and never change once
 * published (append new currencies at the end). Crypto exponents: USDT 6
 * (its on-chain precision), TON 9 (nanoton); BTC, ETH and LTC are held to
 * 8 places (satoshi precision) so that large amounts still fit int64_t. */
static const kassa_currency currencies[] = {
    {"RUB", 2, 1},   {"USD", 2, 2},  {"EUR", 2, 3},  {"UAH", 2, 4},  {"KZT", 2, 5},
    {"UZS", 2, 6},   {"KGS", 2, 7},  {"TJS", 2, 8},  {"AZN", 2, 9},  {"GEL", 2, 10},
    {"BYN", 2, 11},  {"TRY", 2, 12}, {"INR", 2, 13}, {"CNY", 2, 14}, {"GBP", 2, 15},
    {"USDT", 6, 16}, {"TON", 9, 17}, {"BTC", 8, 18}, {"ETH", 8, 19}, {"LTC", 8, 20},
};

#define N_CURRENCIES (sizeof currencies / sizeof currencies[0])

/* Largest exponent (of parse, format and the table) that keeps 10^exp in
 * a uint64_t with room for the arithmetic below. */
#define MONEY_MAX_EXPONENT 18

static const uint64_t pow10_u64[MONEY_MAX_EXPONENT + 1] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
};

const kassa_currency *kassa_currency_find(const char *code)
{
    size_t i;

    if (code == NULL)
        return NULL;
    for (i = 0; i < N_CURRENCIES; i++)
        if (strcmp(currencies[i].code, code) == 0)
            return &currencies[i];
    return NULL;
}

const kassa_currency *kassa_currency_by_tegro_id(int id)
{
    size_t i;

    for (i = 0; i < N_CURRENCIES; i++)
        if (currencies[i].tegro_id == id)
            return &currencies[i];
    return NULL;
}

const kassa_currency *kassa_currency_table(size_t *n)
{
    if (n != NULL)
        *n = N_CURRENCIES;
    return currencies;
}

static int is_digit(char c)
{
    /* Not isdigit(): locale-independent, ASCII only. */
    return c >= '0' && c <= '9';
}

/* Syntax check of [sign] digits [. digits]. On success *neg, the digit spans
 * and KASSA_OK; otherwise KASSA_EMONEY_EMPTY or KASSA_EMONEY_SYNTAX. */
static kassa_err money_scan(const char *s, size_t len, int *neg, size_t *int_start, size_t *int_len,
                            size_t *frac_start, size_t *frac_len)
{
    size_t i = 0;

    if (s == NULL || len == 0)
        return KASSA_EMONEY_EMPTY;
    *neg = 0;
    if (s[0] == '+' || s[0] == '-') {
        *neg = s[0] == '-';
        i = 1;
    }
    *int_start = i;
    while (i < len && is_digit(s[i]))
        i++;
    *int_len = i - *int_start;
    if (*int_len == 0)
        return KASSA_EMONEY_SYNTAX; /* "", "+", ".5", "-x", "NaN", "inf" */
    *frac_start = i;
    *frac_len = 0;
    if (i < len && s[i] == '.') {
        i++;
        *frac_start = i;
        while (i < len && is_digit(s[i]))
            i++;
        *frac_len = i - *frac_start;
        if (*frac_len == 0)
            return KASSA_EMONEY_SYNTAX; /* "1." */
    }
    if (i != len)
        return KASSA_EMONEY_SYNTAX; /* "1e3", "0x10", "1 ", "1,5", "1.2.3" */
    return KASSA_OK;
}

kassa_err kassa_money_parse(const char *s, size_t len, int exponent, unsigned flags, int64_t *out)
{
    size_t int_start, int_len, frac_start, frac_len, i;
    uint64_t mag = 0, limit;
    int neg;
    kassa_err err;

    if (exponent < 0 || exponent > MONEY_MAX_EXPONENT || out == NULL)
        return KASSA_EINVAL;
    err = money_scan(s, len, &neg, &int_start, &int_len, &frac_start, &frac_len);
    if (err != KASSA_OK)
        return err;
    if (neg && !(flags & KASSA_MONEY_ALLOW_NEGATIVE))
        return KASSA_EMONEY_NEGATIVE;

    /* INT64_MIN's magnitude is one more than INT64_MAX's. */
    limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;

    for (i = int_start; i < int_start + int_len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (limit - d) / 10u)
            return KASSA_EMONEY_RANGE;
        mag = mag * 10u + d;
    }
    /* Scale to minor units, taking the first `exponent` fractional digits. */
    for (i = 0; i < (size_t)exponent; i++) {
        unsigned d = i < frac_len ? (unsigned)(s[frac_start + i] - '0') : 0u;
        if (mag > (limit - d) / 10u)
            return KASSA_EMONEY_RANGE;
        mag = mag * 10u + d;
    }
    /* Half-up, away from zero: only the next digit decides. */
    if ((size_t)exponent < frac_len && s[frac_start + (size_t)exponent] >= '5') {
        if (mag >= limit)
            return KASSA_EMONEY_RANGE;
        mag++;
    }

    if (mag == 0 && !(flags & (KASSA_MONEY_ALLOW_ZERO | KASSA_MONEY_ALLOW_NEGATIVE)))
        return KASSA_EMONEY_ZERO;

    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return KASSA_OK;
}

int kassa_money_format(int64_t minor, int exponent, int places, char *buf, size_t size)
{
    uint64_t mag, ip, fp;
    int neg = minor < 0, n;

    if (buf == NULL || size == 0 || exponent < 0 || exponent > MONEY_MAX_EXPONENT || places < 0 ||
        places > MONEY_MAX_EXPONENT)
        return -1;
    /* Magnitude without negating INT64_MIN in signed arithmetic. */
    mag = neg ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

    if (places < exponent) {
        uint64_t d = pow10_u64[exponent - places];
        uint64_t r = mag % d;
        mag /= d;
        /* r < d <= 10^18, so r * 2 cannot overflow; mag <= 2^63 here. */
        if (r >= d - r)
            mag++;
        ip = mag / pow10_u64[places];
        fp = mag % pow10_u64[places];
    } else {
        /* Zero padding happens in the format string below. */
        ip = mag / pow10_u64[exponent];
        fp = (mag % pow10_u64[exponent]) * pow10_u64[places - exponent];
    }
    if (ip == 0 && fp == 0)
        neg = 0; /* no "-0.00" */

    /* [-]ip[.fp zero-padded to places], by hand (this runs for every
     * amount of every rendered answer). */
    char tmp[48];
    char *p = tmp + sizeof tmp;
    for (int i = 0; i < places; i++) {
        *--p = (char)('0' + fp % 10);
        fp /= 10;
    }
    if (places > 0)
        *--p = '.';
    do {
        *--p = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip != 0);
    if (neg)
        *--p = '-';
    n = (int)(tmp + sizeof tmp - p);
    if ((size_t)n >= size) {
        buf[0] = '\0';
        return -1;
    }
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    return n;
}

/* Percent precision: 4 decimal places, so percent = p / 10^4 and
 * amount * percent / 100 = amount * p / 10^6. */
#define PERCENT_EXPONENT 4
#define PERCENT_DIVISOR 1000000

kassa_err kassa_money_percent(int64_t amount, const char *percent, int64_t *out)
{
    int64_t p;
    size_t len, dot;
    __int128 prod, q, r;
    kassa_err err;

    if (percent == NULL)
        return KASSA_EMONEY_EMPTY;
    if (out == NULL)
        return KASSA_EINVAL;
    len = strlen(percent);
    /* More than 4 places is refused, not rounded: a tariff is exact. */
    for (dot = 0; dot < len && percent[dot] != '.'; dot++)
        ;
    if (dot < len && len - dot - 1 > PERCENT_EXPONENT)
        return KASSA_EMONEY_SYNTAX;
    err = kassa_money_parse(percent, len, PERCENT_EXPONENT, KASSA_MONEY_ALLOW_ZERO, &p);
    if (err != KASSA_OK)
        return err;
    if (p > 100 * 10000)
        return KASSA_EMONEY_RANGE;

    /* |amount| * 10^6 < 2^63 * 2^20 fits __int128, and |result| <= |amount|. */
    prod = (__int128)amount * p;
    q = prod / PERCENT_DIVISOR;
    r = prod % PERCENT_DIVISOR; /* same sign as prod */
    if (r < 0)
        r = -r;
    if (2 * r >= PERCENT_DIVISOR)
        q += prod < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN)
        return KASSA_EMONEY_RANGE;
    *out = (int64_t)q;
    return KASSA_OK;
}
