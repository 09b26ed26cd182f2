/* limits.c: the largest amount one order or one withdrawal may have, per
 * currency (see core.h). One order of the 64-bit maximum once filled the
 * platform's clearing account, so that every other shop's completion in
 * that currency was refused: amounts are bounded where they enter. */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "kassa/money.h"

/* Defaults in major units, what an operator of P2P payments would allow
 * for one payment; a withdrawal may be LIMIT_WITHDRAWAL_FACTOR times as
 * large (a merchant takes out many payments at once). */
#define LIMIT_WITHDRAWAL_FACTOR 100
#define LIMIT_OTHER 1000000 /* a currency not listed below */

static const struct {
    const char *currency;
    int64_t major;
} defaults[] = {
    {"RUB", 1000000},   {"USD", 10000},   {"EUR", 10000},   {"UAH", 500000}, {"KZT", 5000000},
    {"UZS", 150000000}, {"KGS", 1000000}, {"TJS", 100000},  {"AZN", 20000},  {"GEL", 30000},
    {"BYN", 30000},     {"TRY", 300000},  {"INR", 1000000}, {"CNY", 100000}, {"GBP", 10000},
    {"USDT", 10000},    {"TON", 5000},    {"BTC", 1},       {"ETH", 5},      {"LTC", 200},
};

#define LIMITS_MAX 64

struct limit {
    char currency[16];
    int64_t minor;
};

static struct limit set_limits[2][LIMITS_MAX]; /* [withdrawal] */
static int n_set[2];

static int64_t pow10_i64(int e)
{
    int64_t v = 1;
    while (e-- > 0)
        v *= 10;
    return v;
}

int64_t core_amount_limit(const char *currency, bool withdrawal)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    if (cur == NULL)
        return 0;
    int w = withdrawal ? 1 : 0;
    for (int i = 0; i < n_set[w]; i++)
        if (strcmp(set_limits[w][i].currency, currency) == 0)
            return set_limits[w][i].minor;
    int64_t major = LIMIT_OTHER;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(defaults[i].currency, currency) == 0)
            major = defaults[i].major;
    if (withdrawal)
        major *= LIMIT_WITHDRAWAL_FACTOR;
    return major * pow10_i64(cur->exponent);
}

int core_set_amount_limits(const char *spec, bool withdrawal, char *msg, size_t msglen)
{
    int w = withdrawal ? 1 : 0;
    struct limit parsed[LIMITS_MAX];
    int n = 0;
    const char *p = spec != NULL ? spec : "";
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        char item[64];
        if (len == 0 || len >= sizeof item || n == LIMITS_MAX)
            goto bad;
        memcpy(item, p, len);
        item[len] = '\0';
        char *eq = strchr(item, '=');
        if (eq == NULL)
            goto bad;
        *eq = '\0';
        const kassa_currency *cur = kassa_currency_find(item);
        if (cur == NULL) {
            snprintf(msg, msglen, "unknown currency '%s'", item);
            return -1;
        }
        int64_t minor;
        if (kassa_money_parse(eq + 1, strlen(eq + 1), cur->exponent, 0, &minor) != KASSA_OK) {
            snprintf(msg, msglen, "%s: expected a positive amount, got '%s'", item, eq + 1);
            return -1;
        }
        snprintf(parsed[n].currency, sizeof parsed[n].currency, "%s", cur->code);
        parsed[n++].minor = minor;
        p += len;
        if (*p == ',')
            p++;
    }
    memcpy(set_limits[w], parsed, (size_t)n * sizeof parsed[0]);
    n_set[w] = n;
    return 0;
bad:
    snprintf(msg, msglen,
             "expected CURRENCY=AMOUNT[,CURRENCY=AMOUNT...] (e.g. RUB=1000000), got '%s'", spec);
    return -1;
}

void core_amount_limit_text(const char *currency, bool withdrawal, char *out, size_t size)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    int64_t v = core_amount_limit(currency, withdrawal);
    char num[40];
    if (cur == NULL || kassa_money_format(v, cur->exponent, cur->exponent, num, sizeof num) < 0)
        snprintf(num, sizeof num, "%lld", (long long)v);
    snprintf(out, size, "%s %s", num, currency);
}
