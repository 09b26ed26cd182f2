/* fuzz_banknote.c: reading bank notifications with the shipped templates
 * (provider/banknotes.c) and bank amounts (banknote_amount_parse).
 * Input: a first byte choosing the sender or package (of the shipped
 * templates, so the patterns are reached), then the text.
 * Properties: a credit or a debit has an amount > 0 in a known currency,
 * and that amount is in the text as the template's group read it (it
 * formats back to a number parsed again to the same value); the payer and
 * the last digits are NUL-terminated within their fields, the digits
 * digits only; no match leaves nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provider/banknotes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct banknote_templates *set;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (set == NULL && banknote_templates_load(NULL, &set, err, sizeof err) != KASSA_OK)
        abort();
    if (size == 0 || size > BANKNOTE_TEXT_MAX + 16)
        return 0;
    /* Which sender or package: the i-th of the set's. */
    size_t n = banknote_templates_count(set), pick = data[0] % (2 * n);
    const char *const *who =
        pick < n ? banknote_template_senders(set, pick) : banknote_template_packages(set, pick - n);
    char text[BANKNOTE_TEXT_MAX + 17];
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct banknote note = {.source = pick < n ? BANKNOTE_SMS : BANKNOTE_PUSH,
                            .sender = pick < n ? who[0] : "",
                            .package = pick < n ? "" : who[0],
                            .text = text};
    struct banknote_result r;
    kassa_err rc = banknote_parse(set, &note, &r);
    if (strnlen(r.payer, sizeof r.payer) == sizeof r.payer ||
        strnlen(r.last4, sizeof r.last4) == sizeof r.last4)
        abort();
    for (const char *p = r.last4; *p; p++)
        if (*p < '0' || *p > '9')
            abort();
    if (rc == KASSA_OK && r.kind != BANKNOTE_OTHER) {
        if (r.amount <= 0 || r.currency == NULL)
            abort();
        char buf[40];
        int len = kassa_money_format(r.amount, r.currency->exponent, r.currency->exponent, buf,
                                     sizeof buf);
        int64_t back = 0;
        const kassa_currency *c = NULL;
        if (len < 0 ||
            banknote_amount_parse(buf, (size_t)len, r.currency, 0, &back, &c) != KASSA_OK ||
            back != r.amount || c != r.currency)
            abort();
    }
    if (rc == KASSA_ENOTFOUND && (r.template_id != NULL || r.amount != 0 || r.payer[0] != '\0'))
        abort();
    if (rc != KASSA_OK && r.kind != BANKNOTE_OTHER)
        abort();
    /* The amount reader alone, on the raw bytes. */
    int64_t v = 0;
    const kassa_currency *c = NULL;
    if (banknote_amount_parse((const char *)data, size, NULL, KASSA_MONEY_ALLOW_NEGATIVE, &v, &c) ==
            KASSA_OK &&
        c == NULL)
        abort();
    return 0;
}
