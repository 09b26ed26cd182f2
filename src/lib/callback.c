/* callback.c: verifying the callbacks gateways send to merchants (panda
 * headers + raw body, tegro form body), and decoding form bodies. */
#include "kassa/callback.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

#define FORM_MAX_FIELDS 256

/* Constant-time equality of two strings of any lengths: both are hashed
 * first, so neither the content nor where they differ leaks through time;
 * only the lengths' hashing cost does. */
static int secret_str_equal(const char *a, const char *b)
{
    static const char k[] = "kassa-compare";
    char ha[KASSA_SHA256_HEX_SIZE];
    char hb[KASSA_SHA256_HEX_SIZE];

    kassa_hmac_sha256_hex(k, sizeof k - 1, a, strlen(a), NULL, 0, ha);
    kassa_hmac_sha256_hex(k, sizeof k - 1, b, strlen(b), NULL, 0, hb);
    return kassa_ct_equal(ha, hb, KASSA_SHA256_HEX_SIZE - 1);
}

/* Decimal Unix seconds within window of now. */
static int timestamp_ok(const char *ts, long window, int64_t now)
{
    char *end;
    long long t;

    if (!ts || *ts < '0' || *ts > '9')
        return 0;
    errno = 0;
    t = strtoll(ts, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    if (t > now)
        return t - now <= window;
    return now - t <= window;
}

kassa_err kassa_panda_callback_verify(const char *api_key, const char *secret,
                                      const char *hdr_api_key, const char *hdr_timestamp,
                                      const char *hdr_signature, const void *body, size_t body_len,
                                      long window_seconds, int64_t now)
{
    if (!api_key || !secret || (!body && body_len))
        return KASSA_EINVAL;
    if (!hdr_api_key || !secret_str_equal(api_key, hdr_api_key))
        return KASSA_EAUTH_KEY;
    if (window_seconds > 0 && !timestamp_ok(hdr_timestamp, window_seconds, now))
        return KASSA_EAUTH_TIMESTAMP;
    if (!hdr_signature)
        return KASSA_EAUTH_SIGNATURE;
    return kassa_panda_verify(secret, hdr_timestamp ? hdr_timestamp : "", body ? body : "",
                              body_len, hdr_signature);
}

/* ------------------------------------------------------------------ forms */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode len bytes of s into a new NUL-terminated string. */
static kassa_err form_decode(const char *s, size_t len, char **out)
{
    char *d = malloc(len + 1);
    size_t j = 0;

    *out = NULL;
    if (!d)
        return KASSA_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
                free(d);
                return KASSA_EINVAL;
            }
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (c == '\0') {
            free(d);
            return KASSA_EINVAL;
        }
        d[j++] = c;
    }
    d[j] = '\0';
    *out = d;
    return KASSA_OK;
}

void kassa_form_free(kassa_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; f->fields && i < f->n; i++) {
        free((char *)f->fields[i].key);
        free((char *)f->fields[i].value);
    }
    free(f->fields);
    memset(f, 0, sizeof *f);
}

kassa_err kassa_form_parse(const char *body, size_t len, kassa_form *out)
{
    const char *p = body;
    const char *end = body + len;
    kassa_err rc = KASSA_OK;

    memset(out, 0, sizeof *out);
    if (!body && len)
        return KASSA_EINVAL;
    out->fields = calloc(FORM_MAX_FIELDS, sizeof *out->fields);
    if (!out->fields)
        return KASSA_ENOMEM;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        char *k = NULL;
        char *v = NULL;

        if (pe == p) {
            p = pe + 1;
            continue;
        }
        if (out->n == FORM_MAX_FIELDS) {
            rc = KASSA_ETOOBIG;
            goto out;
        }
        rc = form_decode(p, (size_t)((eq ? eq : pe) - p), &k);
        if (rc == KASSA_OK)
            rc = eq ? form_decode(eq + 1, (size_t)(pe - eq - 1), &v) : form_decode("", 0, &v);
        if (rc != KASSA_OK) {
            free(k);
            goto out;
        }
        if (kassa_form_get(out, k)) {
            free(k);
            free(v);
            rc = KASSA_EINVAL;
            goto out;
        }
        out->fields[out->n].key = k;
        out->fields[out->n].value = v;
        out->n++;
        p = amp ? amp + 1 : NULL;
    }
out:
    if (rc != KASSA_OK)
        kassa_form_free(out);
    return rc;
}

const char *kassa_form_get(const kassa_form *f, const char *key)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (strcmp(f->fields[i].key, key) == 0)
            return f->fields[i].value;
    return NULL;
}

kassa_err kassa_tegro_callback_verify_form(const kassa_form *f, const char *shop_id,
                                           const char *secret)
{
    const char *sign;
    const char *got_shop;
    kassa_kv *rest = NULL;
    size_t n = 0;
    kassa_err rc;

    if (!f || !secret)
        return KASSA_EINVAL;
    got_shop = kassa_form_get(f, "shop_id");
    if (shop_id && (!got_shop || !secret_str_equal(shop_id, got_shop)))
        return KASSA_EAUTH_KEY;
    sign = kassa_form_get(f, "sign");
    if (!sign)
        return KASSA_EAUTH_SIGNATURE;
    rest = calloc(f->n ? f->n : 1, sizeof *rest);
    if (!rest)
        return KASSA_ENOMEM;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].key, "sign") != 0)
            rest[n++] = f->fields[i];
    rc = kassa_tegro_form_verify(rest, n, secret, sign);
    free(rest);
    return rc;
}

kassa_err kassa_tegro_callback_verify(const char *shop_id, const char *secret, const char *body,
                                      size_t len)
{
    kassa_form f;
    kassa_err rc = kassa_form_parse(body, len, &f);

    if (rc != KASSA_OK)
        return rc;
    rc = kassa_tegro_callback_verify_form(&f, shop_id, secret);
    kassa_form_free(&f);
    return rc;
}
