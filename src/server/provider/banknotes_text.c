/* banknotes_text.c: the text side of reading bank notifications: folding
 * for matching, amounts as banks write them, currency marks (banknotes.h). */
#include <string.h>

#include "provider/banknotes.h"

/* Bytes of the UTF-8 sequence led by b (1 for a stray byte: passed on). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : 4;
    if (n > left)
        return 1;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* Unicode code point of a well-formed sequence of n bytes. */
static unsigned cp_of(const unsigned char *p, size_t n)
{
    switch (n) {
    case 2:
        return (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    case 3:
        return (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    case 4:
        return (unsigned)(p[0] & 0x07) << 18 | (unsigned)(p[1] & 0x3F) << 12 |
               (unsigned)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    default:
        return p[0];
    }
}

static bool is_space_cp(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Soft hyphen, zero-width space and joiners, direction marks, word joiner,
 * byte order mark: invisible, and in the way of a pattern. */
static bool is_invisible_cp(unsigned c)
{
    return c == 0xAD || (c >= 0x200B && c <= 0x200F) || c == 0x2060 || c == 0xFEFF;
}

/* The lower case of a Cyrillic code point of the same UTF-8 length (2). */
static unsigned cyrillic_lower(unsigned c)
{
    if (c == 0x401 || c == 0x451)
        return 0x435; /* Ё, ё → е: banks write "СЧЁТ" and "Счет" */
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

size_t banknote_fold(const char *in, size_t len, char *out, char *shown, size_t cap)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, i = 0;
    bool pending_space = false;
    while (i < len) {
        size_t n = utf8_len(p + i, len - i);
        unsigned c = n == 1 ? p[i] : cp_of(p + i, n);
        if (is_space_cp(c)) {
            pending_space = o > 0;
            i += n;
            continue;
        }
        if (is_invisible_cp(c)) {
            i += n;
            continue;
        }
        if (o + (pending_space ? 1 : 0) + n > cap)
            return (size_t)-1;
        if (pending_space) {
            out[o] = ' ';
            if (shown != NULL)
                shown[o] = ' ';
            o++;
            pending_space = false;
        }
        if (shown != NULL)
            memcpy(shown + o, p + i, n);
        if (n == 1) {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (n == 2 && c >= 0x400 && c <= 0x45F) {
            unsigned l = cyrillic_lower(c);
            out[o++] = (char)(0xC0 | (l >> 6));
            out[o++] = (char)(0x80 | (l & 0x3F));
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    if (shown != NULL)
        shown[o] = '\0';
    return o;
}

void banknote_fold_pattern(const char *in, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(p + i, len - i);
        unsigned c = n == 1 ? p[i] : cp_of(p + i, n);
        if (c == '\\' && i + 1 < len) {
            size_t m = utf8_len(p + i + 1, len - i - 1);
            memcpy(out + o, p + i, 1 + m);
            o += 1 + m;
            i += 1 + m;
            continue;
        }
        if (is_space_cp(c)) {
            out[o++] = ' ';
        } else if (is_invisible_cp(c)) {
            /* dropped, as from the text */
        } else if (n == 1) {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (n == 2 && c >= 0x400 && c <= 0x45F) {
            unsigned l = cyrillic_lower(c);
            out[o++] = (char)(0xC0 | (l >> 6));
            out[o++] = (char)(0x80 | (l & 0x3F));
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
}

/* Marks as they read folded (lower case), and the currency each names. */
static const struct {
    const char *mark;
    const char *code;
} marks[] = {
    {"₽", "RUB"}, {"р", "RUB"},   {"р.", "RUB"},   {"руб", "RUB"}, {"руб.", "RUB"},
    {"rur", "RUB"}, {"rub", "RUB"}, {"$", "USD"},    {"usd", "USD"}, {"€", "EUR"},
    {"eur", "EUR"}, {"₸", "KZT"},   {"тг", "KZT"},   {"тг.", "KZT"}, {"kzt", "KZT"},
    {"₴", "UAH"},   {"грн", "UAH"}, {"грн.", "UAH"}, {"uah", "UAH"}, {"usdt", "USDT"},
};

const kassa_currency *banknote_currency_mark(const char *s, size_t len)
{
    char f[32];
    size_t n = len < 24 ? banknote_fold(s, len, f, NULL, sizeof f - 1) : (size_t)-1;
    if (n == (size_t)-1 || n == 0)
        return NULL;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strcmp(f, marks[i].mark) == 0)
            return kassa_currency_find(marks[i].code);
    /* Any other ISO code of kassa's table, in any case. */
    if (n < 3 || n > 5)
        return NULL;
    char code[8];
    for (size_t i = 0; i < n; i++) {
        if (f[i] < 'a' || f[i] > 'z')
            return NULL;
        code[i] = (char)(f[i] - 32);
    }
    code[n] = '\0';
    return kassa_currency_find(code);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Is [s, e) digit groups of three after a first of one to three, each
 * group separated by one `sep`? (Or plain digits when no sep is in it.) */
static bool grouped(const char *s, const char *e, char sep)
{
    size_t run = 0, groups = 0;
    for (const char *p = s; p < e; p++) {
        if (is_digit(*p)) {
            run++;
            continue;
        }
        if (*p != sep || run == 0 || (groups == 0 ? run > 3 : run != 3))
            return false;
        groups++;
        run = 0;
    }
    return run > 0 && (groups == 0 || run == 3);
}

/* The number of [s, e) (digits, spaces, '.', ',', a leading sign) as plain
 * decimal text in buf ("-1234.5"): KASSA_OK or KASSA_EMONEY_SYNTAX. */
static kassa_err plain_number(const char *s, const char *e, int exponent, char *buf, size_t cap)
{
    size_t o = 0;
    if (s < e && (*s == '-' || *s == '+'))
        buf[o++] = *s++;
    if (s == e || !is_digit(*s) || !is_digit(e[-1]))
        return KASSA_EMONEY_SYNTAX;
    /* The decimal separator is the last '.' or ',' when it is the only
     * one of its kind and 1..exponent digits (and no space) follow it;
     * every other mark groups thousands. One mark followed by three digits
     * ("1,500", "1.500") is refused: thousands or decimals, no one knows;
     * so is any number with more places than the currency has. */
    const char *dec = NULL;
    size_t dots = 0, commas = 0;
    for (const char *p = s; p < e; p++) {
        if (*p == '.' || *p == ',') {
            dec = p;
            *p == '.' ? dots++ : commas++;
        } else if (!is_digit(*p) && *p != ' ') {
            return KASSA_EMONEY_SYNTAX;
        }
    }
    if (dec != NULL && (*dec == '.' ? dots : commas) == 1) {
        size_t after = (size_t)(e - dec - 1);
        if (memchr(dec, ' ', after + 1) != NULL || after == 0 || after > (size_t)exponent)
            return KASSA_EMONEY_SYNTAX;
    } else {
        dec = NULL; /* "1.000.000", "1,000,000": thousands only */
    }
    const char *int_end = dec != NULL ? dec : e;
    /* The integer part: one kind of group mark at most. */
    char sep = 0;
    for (const char *p = s; p < int_end; p++) {
        if (is_digit(*p))
            continue;
        if (sep != 0 && *p != sep)
            return KASSA_EMONEY_SYNTAX;
        sep = *p;
    }
    if (sep != 0 && !grouped(s, int_end, sep))
        return KASSA_EMONEY_SYNTAX;
    for (const char *p = s; p < e; p++) {
        if (o + 2 > cap)
            return KASSA_EMONEY_SYNTAX;
        if (is_digit(*p))
            buf[o++] = *p;
        else if (p == dec)
            buf[o++] = '.';
    }
    buf[o] = '\0';
    return KASSA_OK;
}

kassa_err banknote_amount_parse(const char *s, size_t len, const kassa_currency *dflt,
                                unsigned flags, int64_t *minor, const kassa_currency **cur)
{
    char f[96];
    size_t n = banknote_fold(s, len, f, NULL, sizeof f - 1);
    if (n == (size_t)-1)
        return KASSA_EMONEY_SYNTAX;
    if (n == 0)
        return KASSA_EMONEY_EMPTY;
    /* U+2212 MINUS SIGN reads as '-'. */
    const char *b = f, *e = f + n;
    char sign = 0;
    if (e - b >= 3 && memcmp(b, "\xE2\x88\x92", 3) == 0) {
        sign = '-';
        b += 3;
    }
    /* A mark before the number ("₽ 140", "$5") and one after ("140р"). */
    const char *num = b;
    while (num < e && !is_digit(*num) && *num != '-' && *num != '+')
        num++;
    const char *num_end = num;
    while (num_end < e &&
           (is_digit(*num_end) || *num_end == ' ' || *num_end == '.' || *num_end == ',' ||
            ((*num_end == '-' || *num_end == '+') && num_end == num)))
        num_end++;
    /* "1 000 " and a sentence's "1 000." end before their mark or space. */
    while (num_end > num && (num_end[-1] == ' ' || num_end[-1] == '.' || num_end[-1] == ','))
        num_end--;
    if (num == num_end || !is_digit(num_end[-1]))
        return KASSA_EMONEY_SYNTAX;
    const char *pre_e = num;
    while (pre_e > b && pre_e[-1] == ' ')
        pre_e--;
    const char *post = num_end;
    while (post < e && *post == ' ')
        post++;
    const kassa_currency *c = NULL;
    if (pre_e > b && (c = banknote_currency_mark(b, (size_t)(pre_e - b))) == NULL)
        return KASSA_ECURRENCY;
    if (post < e) {
        const kassa_currency *c2 = banknote_currency_mark(post, (size_t)(e - post));
        if (c2 == NULL || (c != NULL && c != c2))
            return KASSA_ECURRENCY;
        c = c2;
    }
    if (c == NULL)
        c = dflt;
    if (c == NULL)
        return KASSA_ECURRENCY;
    char plain[64];
    size_t at = 0;
    if (sign != 0) {
        if (*num == '-' || *num == '+')
            return KASSA_EMONEY_SYNTAX;
        plain[at++] = sign;
    }
    kassa_err rc = plain_number(num, num_end, c->exponent, plain + at, sizeof plain - at);
    if (rc != KASSA_OK)
        return rc;
    int64_t v = 0;
    rc = kassa_money_parse(plain, strlen(plain), c->exponent, flags, &v);
    if (rc != KASSA_OK)
        return rc;
    *minor = v;
    *cur = c;
    return KASSA_OK;
}

const char *banknote_kind_name(enum banknote_kind kind)
{
    switch (kind) {
    case BANKNOTE_CREDIT:
        return "credit";
    case BANKNOTE_DEBIT:
        return "debit";
    default:
        return "other";
    }
}
