/* json.c: reading the raw text of a tegro request's members (nonces,
 * amounts and ids keep the exact text they were signed with). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kassa/json.h"
#include "kassa/money.h"

/* The raw text of `key` in the object text doc, or false. */
bool raw_member(const char *doc, size_t len, const char *key, const char **v, size_t *n)
{
    return kassa_json_raw_member(doc, len, key, v, n) == KASSA_OK;
}

/* The exact text of a scalar JSON value (a number, or a string without
 * escapes) into dst; false otherwise. */
bool scalar_text(const char *v, size_t n, char *dst, size_t size)
{
    if (n >= 2 && v[0] == '"') {
        if (v[n - 1] != '"' || memchr(v, '\\', n) != NULL || n - 2 >= size)
            return false;
        memcpy(dst, v + 1, n - 2);
        dst[n - 2] = '\0';
        return true;
    }
    if (n == 0 || n >= size || !((v[0] >= '0' && v[0] <= '9') || v[0] == '-'))
        return false;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

/* Split the raw text of a JSON array into its top-level elements: calls
 * fn(arg, index, text, len) for each; false when not an array or fn fails. */
bool raw_array_each(const char *a, size_t n,
                    bool (*fn)(void *arg, size_t i, const char *t, size_t len), void *arg)
{
    size_t p = 0;
    while (p < n && (a[p] == ' ' || a[p] == '\t' || a[p] == '\n' || a[p] == '\r'))
        p++;
    if (p >= n || a[p] != '[')
        return false;
    p++;
    size_t start = p, idx = 0;
    int depth = 0;
    bool in_str = false, any = false;
    for (; p < n; p++) {
        char ch = a[p];
        if (in_str) {
            if (ch == '\\')
                p++;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
            any = true;
        } else if (ch == '[' || ch == '{') {
            depth++;
            any = true;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        } else if ((ch == ',' || ch == ']') && depth == 0) {
            size_t s = start, e = p;
            while (s < e && (a[s] == ' ' || a[s] == '\t' || a[s] == '\n' || a[s] == '\r'))
                s++;
            while (e > s &&
                   (a[e - 1] == ' ' || a[e - 1] == '\t' || a[e - 1] == '\n' || a[e - 1] == '\r'))
                e--;
            if (e > s) {
                if (!fn(arg, idx++, a + s, e - s))
                    return false;
            } else if (ch == ',' || any) {
                return false;
            }
            if (ch == ']')
                return true;
            start = p + 1;
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            any = true;
        }
    }
    return false;
}

bool receipt_json_item(void *arg, size_t i, const char *t, size_t len)
{
    struct receipt_ctx *rc = arg;
    const char *v;
    size_t n;
    char name[256] = "", count[40] = "", price[64] = "";
    if (t[0] != '{') {
        snprintf(rc->msg, rc->msglen, "receipt item %zu: must be an object", i);
        return false;
    }
    /* The name may hold escapes: read it with jansson. */
    if (raw_member(t, len, "name", &v, &n)) {
        json_error_t jerr;
        json_t *s = json_loadb(v, n, JSON_DECODE_ANY, &jerr);
        if (json_is_string(s) && json_string_length(s) < sizeof name)
            snprintf(name, sizeof name, "%s", json_string_value(s));
        json_decref(s);
    }
    if (raw_member(t, len, "count", &v, &n) && !scalar_text(v, n, count, sizeof count))
        count[0] = '\0';
    if (raw_member(t, len, "price", &v, &n) && !scalar_text(v, n, price, sizeof price))
        price[0] = '\0';
    return receipt_add(rc->r, i, name, count, price, rc->exponent, rc->msg, rc->msglen);
}
