/* callback.c: verifying the callbacks gateways send to merchants (panda
 * headers + raw body, tegro form or JSON body), and decoding those bodies. */
#include "kassa/callback.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Decode len bytes of s into a new NUL-terminated string; *why says what
 * was wrong on KASSA_EINVAL. */
static kassa_err form_decode(const char *s, size_t len, char **out, const char **why)
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
                *why = "a bad %-escape";
                return KASSA_EINVAL;
            }
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (c == '\0') {
            free(d);
            *why = "a NUL byte";
            return KASSA_EINVAL;
        }
        d[j++] = c;
    }
    d[j] = '\0';
    *out = d;
    return KASSA_OK;
}

/* Fill err (may be NULL) with code and a printf-formatted message, control
 * bytes (jansson quotes the text near an error) shown as '?'. */
static kassa_err fail(kassa_error *err, kassa_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kassa_err fail(kassa_error *err, kassa_err code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->http_status = 0;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    for (char *p = err->message; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return code;
}

/* A key as it may appear in a message between quotes: at most 40 bytes,
 * control bytes, quotes and backslashes as '?'. */
static const char *shown_key(const char *key, char buf[48])
{
    size_t j = 0;

    for (const unsigned char *p = (const unsigned char *)key; *p && j < 40; p++)
        buf[j++] = (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') ? '?' : (char)*p;
    if (strlen(key) > 40) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
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

static kassa_err form_parse(const char *body, size_t len, kassa_form *out, kassa_error *err)
{
    const char *p = body;
    const char *end = body + len;
    const char *why = NULL;
    char shown[48];
    kassa_err rc = KASSA_OK;

    memset(out, 0, sizeof *out);
    if (!body && len)
        return fail(err, KASSA_EINVAL, "form: no body");
    out->fields = calloc(FORM_MAX_FIELDS, sizeof *out->fields);
    if (!out->fields)
        return fail(err, KASSA_ENOMEM, "form: out of memory");
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
            rc = fail(err, KASSA_ETOOBIG, "form: more than %d fields", FORM_MAX_FIELDS);
            goto out;
        }
        rc = form_decode(p, (size_t)((eq ? eq : pe) - p), &k, &why);
        if (rc == KASSA_OK)
            rc = eq ? form_decode(eq + 1, (size_t)(pe - eq - 1), &v, &why)
                    : form_decode("", 0, &v, &why);
        if (rc != KASSA_OK) {
            free(k);
            if (rc == KASSA_EINVAL)
                fail(err, rc, "form: %s in field %zu", why, out->n + 1);
            else
                fail(err, rc, "form: out of memory");
            goto out;
        }
        if (kassa_form_get(out, k)) {
            rc =
                fail(err, KASSA_EINVAL, "form: the key \"%s\" is given twice", shown_key(k, shown));
            free(k);
            free(v);
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

kassa_err kassa_form_parse(const char *body, size_t len, kassa_form *out)
{
    return form_parse(body, len, out, NULL);
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

kassa_err kassa_form_parse_json(const char *body, size_t len, kassa_form *out, kassa_error *err)
{
    json_error_t jerr;
    json_t *root;
    const char *key;
    json_t *val;
    char shown[48];
    kassa_err rc = KASSA_OK;

    memset(out, 0, sizeof *out);
    if (!body && len)
        return fail(err, KASSA_EINVAL, "JSON: no body");
    /* Without JSON_DECODE_ANY only an object or an array parses; without
     * JSON_ALLOW_NUL a \u0000 is refused; nothing may follow the value. */
    root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fail(err, KASSA_EINVAL, "JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                    jerr.column);
    if (!json_is_object(root)) {
        rc = fail(err, KASSA_EINVAL, "JSON: the body is %s, not an object", json_type_name(root));
        goto out;
    }
    if (json_object_size(root) > FORM_MAX_FIELDS) {
        rc = fail(err, KASSA_ETOOBIG, "JSON: more than %d members", FORM_MAX_FIELDS);
        goto out;
    }
    out->fields = calloc(json_object_size(root) ? json_object_size(root) : 1, sizeof *out->fields);
    if (!out->fields) {
        rc = fail(err, KASSA_ENOMEM, "JSON: out of memory");
        goto out;
    }
    /* jansson keeps an object's members in the order they were read. */
    json_object_foreach(root, key, val)
    {
        char *k;
        char *v;

        if (!json_is_string(val)) {
            rc = fail(err, KASSA_EINVAL, "JSON: the value of \"%s\" is %s, not a string",
                      shown_key(key, shown), json_type_name(val));
            goto out;
        }
        k = strdup(key);
        v = strdup(json_string_value(val));
        if (!k || !v) {
            free(k);
            free(v);
            rc = fail(err, KASSA_ENOMEM, "JSON: out of memory");
            goto out;
        }
        out->fields[out->n].key = k;
        out->fields[out->n].value = v;
        out->n++;
    }
out:
    json_decref(root);
    if (rc != KASSA_OK)
        kassa_form_free(out);
    return rc;
}

/* The media type of content_type names JSON (1), a form (0), or neither
 * (-1: NULL, empty, another type). */
static int content_type_kind(const char *content_type)
{
    const char *p = content_type;
    size_t n;

    if (!p)
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    n = strcspn(p, ";");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == strlen("application/json") && strncasecmp(p, "application/json", n) == 0)
        return 1;
    if (n > strlen("+json") && strncasecmp(p + n - strlen("+json"), "+json", 5) == 0)
        return 1;
    if (n == strlen("application/x-www-form-urlencoded") &&
        strncasecmp(p, "application/x-www-form-urlencoded", n) == 0)
        return 0;
    return -1;
}

/* The body's first byte other than JSON whitespace is '{'. */
static int looks_like_json(const char *body, size_t len)
{
    for (size_t i = 0; body && i < len; i++) {
        char c = body[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return c == '{';
    }
    return 0;
}

kassa_err kassa_tegro_callback_parse(const char *content_type, const char *body, size_t len,
                                     kassa_form *out, kassa_error *err)
{
    int kind = content_type_kind(content_type);

    if (kind < 0)
        kind = looks_like_json(body, len);
    return kind ? kassa_form_parse_json(body, len, out, err) : form_parse(body, len, out, err);
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

kassa_err kassa_tegro_callback_verify_ct(const char *shop_id, const char *secret,
                                         const char *content_type, const char *body, size_t len)
{
    kassa_form f;
    kassa_err rc = kassa_tegro_callback_parse(content_type, body, len, &f, NULL);

    if (rc != KASSA_OK)
        return rc;
    rc = kassa_tegro_callback_verify_form(&f, shop_id, secret);
    kassa_form_free(&f);
    return rc;
}

kassa_err kassa_tegro_callback_verify(const char *shop_id, const char *secret, const char *body,
                                      size_t len)
{
    return kassa_tegro_callback_verify_ct(shop_id, secret, NULL, body, len);
}
