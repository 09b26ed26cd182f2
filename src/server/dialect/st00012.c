/* st00012.c: see st00012.h. */
#include "st00012.h"

#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "dialect/dialect.h"

/* `n` digits and nothing else. */
static bool digits(const char *s, size_t n)
{
    size_t i = 0;
    while (s != NULL && s[i] >= '0' && s[i] <= '9')
        i++;
    return s != NULL && i == n && s[i] == '\0';
}

struct out {
    char *p;
    size_t size, len;
    bool ok;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (!o->ok || o->len + n >= o->size) {
        o->ok = false;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* "|Key=" and the value cleaned (see st00012.h), at most `max` characters;
 * false when nothing is left of it. */
static bool field(struct out *o, const char *key, const char *v, size_t max)
{
    while (*v == ' ' || (*v > 0 && *v < 0x20) || *v == '|')
        v++;
    size_t chars = 0, end = 0, i = 0; /* end: past the last character kept that is no space */
    for (; v[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch & 0xC0) != 0x80 && chars++ == max)
            break;
        if (ch != ' ' && ch != '|' && ch >= 0x20 && ch != 0x7f)
            end = i + 1;
    }
    while (end < i && ((unsigned char)v[end] & 0xC0) == 0x80)
        end++; /* the last kept character's continuation bytes */
    if (end == 0)
        return false;
    put(o, "|", 1);
    put(o, key, strlen(key));
    put(o, "=", 1);
    for (size_t k = 0; k < end; k++) {
        unsigned char ch = (unsigned char)v[k];
        put(o, (ch == '|' || ch < 0x20 || ch == 0x7f) ? " " : v + k, 1);
    }
    return true;
}

bool st00012_build(const struct st00012 *p, char *out, size_t size)
{
    struct out o = {out, size, 0, size > 0};
    if (size > 0)
        out[0] = '\0';
    if (!digits(p->personal_acc, 20) || !digits(p->bic, 9) || !digits(p->corresp_acc, 20) ||
        p->name == NULL || p->bank_name == NULL || p->sum < 0)
        return false;
    put(&o, "ST00012", 7);
    if (!field(&o, "Name", p->name, 160))
        return false;
    field(&o, "PersonalAcc", p->personal_acc, 20);
    if (!field(&o, "BankName", p->bank_name, 45))
        return false;
    field(&o, "BIC", p->bic, 9);
    field(&o, "CorrespAcc", p->corresp_acc, 20);
    if (p->sum > 0) {
        char sum[32];
        snprintf(sum, sizeof sum, "%lld", (long long)p->sum);
        field(&o, "Sum", sum, 18);
    }
    if (p->purpose != NULL)
        field(&o, "Purpose", p->purpose, 210);
    return o.ok;
}

bool nspk_link_ok(const char *value)
{
    static const char prefix[] = "https://qr.nspk.ru/";
    size_t n = strlen(value);
    if (n <= sizeof prefix - 1 || strncmp(value, prefix, sizeof prefix - 1) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)value[i] <= ' ' || (unsigned char)value[i] >= 0x7f)
            return false;
    return true;
}

enum pay_qr pay_qr_text(const struct order *o, const struct requisite *r, const char *shop_name,
                        char *out, size_t size)
{
    if (r != NULL && strcmp(r->type, "QR") == 0 && nspk_link_ok(r->value) &&
        strlen(r->value) < size) {
        snprintf(out, size, "%s", r->value);
        return PAY_QR_NSPK;
    }
    if (r != NULL && requisite_is_account(r->type) && strcmp(o->currency, "RUB") == 0) {
        char purpose[TEXT_SIZE + 64];
        snprintf(purpose, sizeof purpose, "%s #%lld", shop_name, (long long)o->id);
        struct st00012 p = {
            .name = r->owner_full_name,
            .personal_acc = r->value,
            .bank_name = r->bank_name_ru[0] ? r->bank_name_ru : r->bank_name_en,
            .bic = r->bic,
            .corresp_acc = r->corr_account,
            .purpose = purpose,
            .sum = o->amount,
        };
        if (st00012_build(&p, out, size))
            return PAY_QR_ST00012;
    }
    dialect_pay_url(o, out, size);
    return PAY_QR_PAGE;
}
