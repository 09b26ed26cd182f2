/* json.c: the raw text of a top-level JSON member.
 *
 * A small scanner over a document a real parser (jansson) has accepted. It
 * still never reads past `len` and answers KASSA_EINVAL on anything it does
 * not understand, so a malformed document cannot make it misbehave. */
#include "kassa/json.h"

#include <stdint.h>
#include <string.h>

typedef struct scan {
    const char *s;
    size_t len;
    size_t pos;
} scan;

static void skip_ws(scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        sc->pos++;
    }
}

/* At a '"': move past the closing quote. 0 on an unterminated string. */
static int skip_string(scan *sc)
{
    sc->pos++; /* the opening quote */
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos++];
        if (c == '"')
            return 1;
        if (c == '\\') {
            if (sc->pos >= sc->len)
                return 0;
            sc->pos++; /* the escaped byte; \uXXXX's digits are plain bytes */
        }
    }
    return 0;
}

/* Move past one value of any kind. 0 when it is malformed. */
static int skip_value(scan *sc)
{
    size_t depth = 0;

    if (sc->pos >= sc->len)
        return 0;
    do {
        char c;
        if (sc->pos >= sc->len)
            return 0; /* unbalanced */
        c = sc->s[sc->pos];
        if (c == '"') {
            if (!skip_string(sc))
                return 0;
        } else if (c == '{' || c == '[') {
            depth++;
            sc->pos++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return 0;
            depth--;
            sc->pos++;
        } else if (depth > 0) {
            sc->pos++; /* ',', ':', whitespace, scalars inside a container */
        } else {
            /* A top-level scalar: number, true, false, null. */
            size_t start = sc->pos;
            while (sc->pos < sc->len) {
                c = sc->s[sc->pos];
                if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' ||
                    c == '\r' || c == '"' || c == '{' || c == '[' || c == ':')
                    break;
                sc->pos++;
            }
            return sc->pos > start;
        }
    } while (depth > 0);
    return 1;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* Decode the next character of the JSON string body raw[*i..n) (escapes
 * resolved, \u as UTF-8) into buf; returns its byte count, 0 on a bad escape. */
static size_t next_char(const char *raw, size_t n, size_t *i, unsigned char buf[4])
{
    unsigned cp, lo;
    char c = raw[*i];

    if (c != '\\') {
        buf[0] = (unsigned char)c;
        (*i)++;
        return 1;
    }
    if (*i + 1 >= n)
        return 0;
    c = raw[*i + 1];
    *i += 2;
    switch (c) {
    case '"':
        buf[0] = '"';
        return 1;
    case '\\':
        buf[0] = '\\';
        return 1;
    case '/':
        buf[0] = '/';
        return 1;
    case 'b':
        buf[0] = '\b';
        return 1;
    case 'f':
        buf[0] = '\f';
        return 1;
    case 'n':
        buf[0] = '\n';
        return 1;
    case 'r':
        buf[0] = '\r';
        return 1;
    case 't':
        buf[0] = '\t';
        return 1;
    case 'u':
        break;
    default:
        return 0;
    }
    if (*i + 4 > n || !hex4(raw + *i, &cp))
        return 0;
    *i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate must be followed by \u and a low one. */
        if (*i + 6 > n || raw[*i] != '\\' || raw[*i + 1] != 'u' || !hex4(raw + *i + 2, &lo) ||
            lo < 0xDC00 || lo > 0xDFFF)
            return 0;
        *i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp < 0x80) {
        buf[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (unsigned char)(0xC0 | (cp >> 6));
        buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (unsigned char)(0xE0 | (cp >> 12));
        buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (unsigned char)(0xF0 | (cp >> 18));
    buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* 1 when the JSON string body raw[0..n) (between the quotes, escapes
 * undecoded) decodes to exactly `key`, 0 when it does not, -1 on a bad
 * escape. The parser that accepted the document saw "\u0061mount" as
 * "amount", so this scanner must too. The whole key is decoded even after a
 * mismatch, so a bad escape is always reported. */
static int key_matches(const char *raw, size_t n, const char *key, size_t key_len)
{
    size_t i = 0, k = 0;
    int same = 1;

    while (i < n) {
        unsigned char buf[4];
        size_t m = next_char(raw, n, &i, buf);
        if (m == 0)
            return -1;
        if (same && (k + m > key_len || memcmp(key + k, buf, m) != 0))
            same = 0;
        k += m;
    }
    return same && k == key_len;
}

kassa_err kassa_json_raw_member(const char *doc, size_t len, const char *key, const char **val,
                                size_t *val_len)
{
    scan sc = {doc, len, 0};
    size_t key_len;

    if (doc == NULL || key == NULL || val == NULL || val_len == NULL)
        return KASSA_EINVAL;
    key_len = strlen(key);
    skip_ws(&sc);
    if (sc.pos >= sc.len || doc[sc.pos] != '{')
        return KASSA_EINVAL;
    sc.pos++;
    skip_ws(&sc);
    if (sc.pos < sc.len && doc[sc.pos] == '}')
        return KASSA_ENOTFOUND;
    for (;;) {
        size_t kstart, kend, vstart;
        int hit;

        if (sc.pos >= sc.len || doc[sc.pos] != '"')
            return KASSA_EINVAL;
        kstart = sc.pos + 1;
        if (!skip_string(&sc))
            return KASSA_EINVAL;
        kend = sc.pos - 1; /* the closing quote */
        hit = key_matches(doc + kstart, kend - kstart, key, key_len);
        if (hit < 0)
            return KASSA_EINVAL;
        skip_ws(&sc);
        if (sc.pos >= sc.len || doc[sc.pos] != ':')
            return KASSA_EINVAL;
        sc.pos++;
        skip_ws(&sc);
        vstart = sc.pos;
        if (!skip_value(&sc))
            return KASSA_EINVAL;
        if (hit) {
            *val = doc + vstart;
            *val_len = sc.pos - vstart;
            return KASSA_OK;
        }
        skip_ws(&sc);
        if (sc.pos >= sc.len)
            return KASSA_EINVAL;
        if (doc[sc.pos] == '}')
            return KASSA_ENOTFOUND;
        if (doc[sc.pos] != ',')
            return KASSA_EINVAL;
        sc.pos++;
        skip_ws(&sc);
    }
}
