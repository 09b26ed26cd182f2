/* form.c: see form.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "kassa/money.h"
#include "form.h"

/* Decode one piece into a new arena string; NULL on a bad escape / NUL. */
static char *decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
            if (h < 0 || l < 0)
                return NULL;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0')
            return NULL;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

bool form_parse(struct arena *a, const char *text, size_t len, struct form *out, char *msg,
                size_t msglen)
{
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(text + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (text + i)) : end - i;
            const char *v = eq ? eq + 1 : text + end;
            size_t vlen = eq ? (size_t)(text + end - v) : 0;
            if (out->n >= FORM_MAX_FIELDS) {
                snprintf(msg, msglen, "too many fields (at most %d)", FORM_MAX_FIELDS);
                return false;
            }
            char *k = decode(a, text + i, klen);
            char *val = decode(a, v, vlen);
            if (k == NULL || val == NULL) {
                snprintf(msg, msglen, "malformed form encoding");
                return false;
            }
            out->f[out->n].key = k;
            out->f[out->n].value = val;
            out->n++;
        }
        i = end + 1;
    }
    return true;
}

const char *form_get(const struct form *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->f[i].key, key) == 0)
            return f->f[i].value;
    return NULL;
}

int form_key_parts(const char *key, char parts[][64], int max)
{
    const char *p = strchr(key, '[');
    size_t blen = p ? (size_t)(p - key) : strlen(key);
    if (blen == 0 || blen >= 64 || max < 1 || memchr(key, ']', blen) != NULL)
        return -1;
    memcpy(parts[0], key, blen);
    parts[0][blen] = '\0';
    int n = 1;
    while (p != NULL && *p != '\0') {
        if (*p != '[')
            return -1;
        const char *close = strchr(p + 1, ']');
        if (close == NULL || n >= max)
            return -1;
        size_t len = (size_t)(close - p - 1);
        if (len >= 64 || memchr(p + 1, '[', len) != NULL)
            return -1;
        memcpy(parts[n], p + 1, len);
        parts[n][len] = '\0';
        n++;
        p = close + 1;
    }
    return n;
}

/* Digits after the point in decimal text s (0 when none). */
/* ---- sbuf --------------------------------------------------------------- */

void sbuf_init(struct sbuf *b, size_t limit)
{
    buf_init(&b->buf, limit > 0 ? limit - 1 : 0); /* the buffer's ceiling leaves out the NUL */
    b->failed = false;
}

void sbuf_free(struct sbuf *b)
{
    buf_free(&b->buf);
    b->failed = false;
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
    if (!b->failed && buf_add(&b->buf, s, n) != KASSA_OK)
        b->failed = true;
}

void sbuf_add(struct sbuf *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (buf_vaddf(&b->buf, fmt, ap) != KASSA_OK)
        b->failed = true;
    va_end(ap);
}

void sbuf_html(struct sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sbuf_add(b, "&amp;");
            break;
        case '<':
            sbuf_add(b, "&lt;");
            break;
        case '>':
            sbuf_add(b, "&gt;");
            break;
        case '"':
            sbuf_add(b, "&quot;");
            break;
        case '\'':
            sbuf_add(b, "&#39;");
            break;
        default:
            sbuf_addn(b, s, 1);
        }
    }
}

void sbuf_urlenc(struct sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            sbuf_addn(b, (const char *)&c, 1);
        } else {
            char e[4] = {'%'};
            hex_encode(&c, 1, e + 1, true);
            sbuf_addn(b, e, 3);
        }
    }
}

char *sbuf_finish(struct sbuf *b, size_t *len)
{
    if (b->failed) {
        sbuf_free(b);
        return NULL;
    }
    return buf_take(&b->buf, len);
}

static const void *memmem_(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    return nlen ? memmem(hay, hlen, needle, nlen) : NULL;
}

bool form_multipart_next(const char *content_type, const char *body, size_t body_len, size_t *pos,
                         struct form_part *part)
{
    const char *b = content_type ? strcasestr(content_type, "boundary=") : NULL;
    if (b == NULL || body == NULL)
        return false;
    b += 9;
    char delim[256];
    size_t blen = strcspn(b, ";");
    if (blen >= 2 && b[0] == '"' && b[blen - 1] == '"') {
        b++;
        blen -= 2;
    }
    if (blen == 0 || blen + 4 >= sizeof delim)
        return false;
    int dlen = snprintf(delim, sizeof delim, "--%.*s", (int)blen, b);
    const char *end = body + body_len;
    const char *p = memmem_(body + *pos, body_len - *pos, delim, (size_t)dlen);
    if (p == NULL)
        return false;
    p += dlen;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
        return false; /* the closing delimiter */
    const char *head_end = memmem_(p, (size_t)(end - p), "\r\n\r\n", 4);
    if (head_end == NULL)
        return false;
    /* name="...", not the end of filename="..." */
    const char *name = p;
    while ((name = memmem_(name, (size_t)(head_end - name), "name=\"", 6)) != NULL && name > p &&
           name[-1] != ' ' && name[-1] != ';')
        name += 6;
    part->name = "";
    part->name_len = 0;
    if (name != NULL) {
        name += 6;
        const char *q = memchr(name, '"', (size_t)(head_end - name));
        if (q != NULL) {
            part->name = name;
            part->name_len = (size_t)(q - name);
        }
    }
    const char *content = head_end + 4;
    char next[260];
    int nlen = snprintf(next, sizeof next, "\r\n%s", delim);
    const char *stop = memmem_(content, (size_t)(end - content), next, (size_t)nlen);
    if (stop == NULL)
        return false;
    part->data = content;
    part->len = (size_t)(stop - content);
    *pos = (size_t)(stop + 2 - body);
    return true;
}

bool form_part_is(const struct form_part *p, const char *name)
{
    return p->name_len == strlen(name) && memcmp(p->name, name, p->name_len) == 0;
}
