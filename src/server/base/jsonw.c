/* jsonw.c: see jsonw.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "jsonw.h"
#include "kassa/money.h"

void jw_init(struct jw *w, size_t limit)
{
    memset(w, 0, sizeof *w);
    buf_init(&w->buf, limit > 0 ? limit - 1 : 0); /* the buffer's ceiling leaves out the NUL */
    w->first[0] = true;
}

void jw_free(struct jw *w)
{
    buf_free(&w->buf);
}

static void put(struct jw *w, const char *s, size_t n)
{
    /* Inline while it fits (a document is written a few bytes at a time). */
    char *p;
    if (!w->failed && (p = buf_room(&w->buf, n)) != NULL) {
        memcpy(p, s, n);
        buf_commit(&w->buf, n);
        return;
    }
    if (!w->failed && buf_add(&w->buf, s, n) != KASSA_OK)
        w->failed = true;
}

static void putc_(struct jw *w, char c)
{
    put(w, &c, 1);
}

/* Separator before a value or key at the current depth. */
static void sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        putc_(w, ',');
    w->first[w->depth] = false;
}

static void open_(struct jw *w, char c)
{
    sep(w);
    putc_(w, c);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->first[++w->depth] = true;
}

static void close_(struct jw *w, char c)
{
    putc_(w, c);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj(struct jw *w)
{
    open_(w, '{');
}
void jw_obj_end(struct jw *w)
{
    close_(w, '}');
}
void jw_arr(struct jw *w)
{
    open_(w, '[');
}
void jw_arr_end(struct jw *w)
{
    close_(w, ']');
}

/* The length of the valid UTF-8 sequence at s (2 to 4 bytes; s[0] >=
 * 0x80), or 0 when it is not one: a stray continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF, or cut short. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* the NUL included */
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void quoted(struct jw *w, const char *s)
{
    /* Most strings need no escape: one copy with both quotes. */
    size_t n = 0;
    while (s[n] != '\0' && (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x80 &&
           s[n] != '"' && s[n] != '\\')
        n++;
    char *p;
    if (s[n] == '\0' && !w->failed && (p = buf_room(&w->buf, n + 2)) != NULL) {
        p[0] = '"';
        memcpy(p + 1, s, n);
        p[n + 1] = '"';
        buf_commit(&w->buf, n + 2);
        return;
    }
    /* Else runs of bytes that need no escape go in one copy each; text
     * that is not UTF-8 (an echo of a client's bytes, say) never reaches
     * the answer: each such byte becomes U+FFFD. */
    putc_(w, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            size_t len = utf8_len((const unsigned char *)s);
            if (len > 0) {
                s += len - 1;
                continue;
            }
            put(w, run, (size_t)(s - run));
            put(w, "\\ufffd", 6);
            run = s + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, run, (size_t)(s - run));
        char esc[7] = {'\\', 0};
        size_t elen = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            hex_encode(&c, 1, esc + 4, false);
            elen = 6;
        }
        put(w, esc, elen);
        run = s + 1;
    }
    put(w, run, (size_t)(s - run));
    putc_(w, '"');
}

void jw_key(struct jw *w, const char *key)
{
    sep(w);
    quoted(w, key);
    putc_(w, ':');
    w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
    sep(w);
    quoted(w, s ? s : "");
}

void jw_int(struct jw *w, long long v)
{
    char b[24];
    char *p = b + sizeof b;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    sep(w);
    put(w, p, (size_t)(b + sizeof b - p));
}

void jw_bool(struct jw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_null(struct jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *raw)
{
    sep(w);
    put(w, raw, strlen(raw));
}

void jw_money(struct jw *w, int64_t minor, const char *currency, int places, bool as_number)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    char b[48];
    if (cur == NULL || kassa_money_format(minor, cur->exponent, places, b, sizeof b) < 0) {
        w->failed = true;
        return;
    }
    if (as_number)
        jw_raw(w, b);
    else
        jw_str(w, b);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kstr_or_null(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    if (s == NULL || *s == '\0')
        jw_null(w);
    else
        jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, long long v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_knull(struct jw *w, const char *key)
{
    jw_key(w, key);
    jw_null(w);
}

void jw_kmoney(struct jw *w, const char *key, int64_t minor, const char *currency, int places,
               bool as_number)
{
    jw_key(w, key);
    jw_money(w, minor, currency, places, as_number);
}

char *jw_finish(struct jw *w, size_t *len)
{
    if (w->failed || buf_ptr(&w->buf) == NULL) {
        jw_free(w);
        return NULL;
    }
    return buf_take(&w->buf, len);
}
