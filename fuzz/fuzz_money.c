/* fuzz_money.c: kassa_money_parse and kassa_money_percent on any text.
 * Property: an amount that parses formats back (with its currency's
 * places) to text that parses to the same amount, and formatting never
 * overflows its buffer; a percent of an amount is never more than the
 * amount's magnitude times 100 (percents are at most 4 places). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kassa/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int exponent = data[0] % 9; /* 0..8: every currency kassa knows */
    unsigned flags = (data[0] >> 4) & 3u;
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    int64_t v;
    if (kassa_money_parse(s, len, exponent, flags, &v) != KASSA_OK)
        return 0;
    if (v == 0 && !(flags & (KASSA_MONEY_ALLOW_ZERO | KASSA_MONEY_ALLOW_NEGATIVE)))
        abort(); /* zero refused unless allowed */
    if (v < 0 && !(flags & KASSA_MONEY_ALLOW_NEGATIVE))
        abort();
    char buf[48];
    int n = kassa_money_format(v, exponent, exponent, buf, sizeof buf);
    if (n < 0 || (size_t)n >= sizeof buf || strlen(buf) != (size_t)n)
        abort();
    int64_t back;
    if (kassa_money_parse(buf, (size_t)n, exponent, KASSA_MONEY_ALLOW_NEGATIVE, &back) !=
            KASSA_OK ||
        back != v)
        abort();
    /* The same text as a percent of a fixed amount. */
    char pct[64];
    if (len < sizeof pct) {
        memcpy(pct, s, len);
        pct[len] = '\0';
        int64_t out;
        if (kassa_money_percent(1000000, pct, &out) == KASSA_OK && (out < 0 || out > 1000000000000))
            abort();
    }
    return 0;
}
