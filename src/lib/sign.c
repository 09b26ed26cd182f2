/* sign.c: HMAC-SHA256 (panda, tegro REST) and MD5 form signs (tegro),
 * on OpenSSL libcrypto, with constant-time comparison. */
#include "kassa/sign.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char hex_lower[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex_lower[in[i] >> 4];
        out[2 * i + 1] = hex_lower[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

/* HMAC-SHA256 (RFC 2104) on OpenSSL's SHA-256 digest. Fetching an algorithm
 * is a locked lookup in OpenSSL 3 and a context an allocation, so the
 * digest is fetched once and every thread keeps its own digest context
 * (freed when the thread ends): a request's HMAC costs two hash runs. */
static EVP_MD *sha256_md;
static pthread_key_t md_ctx_key;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void md_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void hmac_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (pthread_key_create(&md_ctx_key, md_ctx_free) != 0) {
        EVP_MD_free(sha256_md);
        sha256_md = NULL;
    }
}

static EVP_MD_CTX *thread_md_ctx(void)
{
    EVP_MD_CTX *ctx = pthread_getspecific(md_ctx_key);
    if (ctx == NULL && (ctx = EVP_MD_CTX_new()) != NULL &&
        pthread_setspecific(md_ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* The SHA-256 of the pad (block-sized, the key XOR'ed in) and two parts. */
static int sha256_parts(EVP_MD_CTX *ctx, const unsigned char pad[64], const void *p1, size_t n1,
                        const void *p2, size_t n2, unsigned char out[32])
{
    unsigned int len = 0;
    return EVP_DigestInit_ex2(ctx, sha256_md, NULL) && EVP_DigestUpdate(ctx, pad, 64) &&
           (n1 == 0 || EVP_DigestUpdate(ctx, p1, n1)) &&
           (n2 == 0 || EVP_DigestUpdate(ctx, p2, n2)) && EVP_DigestFinal_ex(ctx, out, &len) &&
           len == 32;
}

/* A NULL key or message part counts as empty. On an OpenSSL failure
 * (allocation) `out` is left as "", which no verify accepts, because the
 * function has no error return in the public API. */
void kassa_hmac_sha256_hex(const void *key, size_t key_len, const void *msg1, size_t len1,
                           const void *msg2, size_t len2, char out[KASSA_SHA256_HEX_SIZE])
{
    unsigned char k[64] = {0}, ipad[64], opad[64], inner[32], mac[32];
    unsigned int klen = 0;

    out[0] = '\0';
    pthread_once(&hmac_once, hmac_fetch);
    EVP_MD_CTX *ctx = sha256_md != NULL ? thread_md_ctx() : NULL;
    if (ctx == NULL)
        return;
    if (key == NULL)
        key_len = 0;
    if (msg1 == NULL)
        len1 = 0;
    if (msg2 == NULL)
        len2 = 0;
    /* A key longer than the block is hashed first (RFC 2104). */
    if (key_len > sizeof k) {
        if (!EVP_DigestInit_ex2(ctx, sha256_md, NULL) || !EVP_DigestUpdate(ctx, key, key_len) ||
            !EVP_DigestFinal_ex(ctx, k, &klen))
            goto out;
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    for (size_t i = 0; i < sizeof k; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    if (!sha256_parts(ctx, ipad, msg1, len1, msg2, len2, inner) ||
        !sha256_parts(ctx, opad, inner, sizeof inner, NULL, 0, mac))
        goto out;
    to_hex(mac, sizeof mac, out);
out:
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(mac, sizeof mac);
}

void kassa_panda_sign(const char *secret, const char *timestamp, const void *body, size_t body_len,
                      char out[KASSA_SHA256_HEX_SIZE])
{
    const char *s = secret != NULL ? secret : "";
    const char *t = timestamp != NULL ? timestamp : "";

    kassa_hmac_sha256_hex(s, strlen(s), t, strlen(t), body, body != NULL ? body_len : 0, out);
}

kassa_err kassa_panda_verify(const char *secret, const char *timestamp, const void *body,
                             size_t body_len, const char *signature)
{
    char expect[KASSA_SHA256_HEX_SIZE];

    if (secret == NULL || signature == NULL)
        return KASSA_EAUTH_SIGNATURE;
    kassa_panda_sign(secret, timestamp, body, body_len, expect);
    return expect[0] != '\0' && kassa_hex_equal(expect, signature) ? KASSA_OK
                                                                   : KASSA_EAUTH_SIGNATURE;
}

void kassa_panda_sign_strict(const char *secret, const char *timestamp, const char *method,
                             const char *target, const void *body, size_t body_len,
                             char out[KASSA_SHA256_HEX_SIZE])
{
    const char *s = secret != NULL ? secret : "";
    const char *t = timestamp != NULL ? timestamp : "";
    const char *m = method != NULL ? method : "";
    const char *p = target != NULL ? target : "";
    size_t tl = strlen(t), ml = strlen(m), pl = strlen(p);
    size_t n = tl + ml + pl + 3;
    char small[512];
    char *head = n <= sizeof small ? small : malloc(n);
    if (head == NULL) {
        out[0] = '\0'; /* verifies nothing */
        return;
    }
    memcpy(head, t, tl);
    head[tl] = '\n';
    memcpy(head + tl + 1, m, ml);
    head[tl + 1 + ml] = '\n';
    memcpy(head + tl + 2 + ml, p, pl);
    head[n - 1] = '\n';
    kassa_hmac_sha256_hex(s, strlen(s), head, n, body, body != NULL ? body_len : 0, out);
    if (head != small)
        free(head);
}

kassa_err kassa_panda_verify_strict(const char *secret, const char *timestamp, const char *method,
                                    const char *target, const void *body, size_t body_len,
                                    const char *signature)
{
    char expect[KASSA_SHA256_HEX_SIZE];

    if (secret == NULL || signature == NULL)
        return KASSA_EAUTH_SIGNATURE;
    kassa_panda_sign_strict(secret, timestamp, method, target, body, body_len, expect);
    return expect[0] != '\0' && kassa_hex_equal(expect, signature) ? KASSA_OK
                                                                   : KASSA_EAUTH_SIGNATURE;
}

void kassa_tegro_rest_sign(const char *api_key, const void *body, size_t body_len,
                           char out[KASSA_SHA256_HEX_SIZE])
{
    const char *k = api_key != NULL ? api_key : "";

    kassa_hmac_sha256_hex(k, strlen(k), body, body != NULL ? body_len : 0, NULL, 0, out);
}

kassa_err kassa_tegro_rest_verify(const char *api_key, const void *body, size_t body_len,
                                  const char *signature)
{
    char expect[KASSA_SHA256_HEX_SIZE];

    if (api_key == NULL || signature == NULL)
        return KASSA_EAUTH_SIGNATURE;
    kassa_tegro_rest_sign(api_key, body, body_len, expect);
    return expect[0] != '\0' && kassa_hex_equal(expect, signature) ? KASSA_OK
                                                                   : KASSA_EAUTH_SIGNATURE;
}

/* ---- tegro form sign ---------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
    const kassa_kv *x = *(const kassa_kv *const *)a;
    const kassa_kv *y = *(const kassa_kv *const *)b;
    int c = strcmp(x->key, y->key);

    /* Ties (a repeated key) by value, so the order never depends on qsort. */
    return c != 0 ? c : strcmp(x->value, y->value);
}

/* 1 when byte c passes unescaped in `style`. */
static int form_safe(unsigned char c, kassa_form_style style)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    if (c == '_' || c == '.' || c == '-')
        return 1;
    return c == '~' && style == KASSA_FORM_URLENCODED;
}

/* Bytes `s` takes in `style` (at most 3 per input byte). */
static size_t form_len(const char *s, kassa_form_style style)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        n += (style == KASSA_FORM_RAW || form_safe(c, style) || c == ' ') ? 1 : 3;
    }
    return n;
}

static char *form_put(char *p, const char *s, kassa_form_style style)
{
    static const char hex_upper[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (style == KASSA_FORM_RAW || form_safe(c, style)) {
            *p++ = (char)c;
        } else if (c == ' ') {
            *p++ = '+';
        } else {
            *p++ = '%';
            *p++ = hex_upper[c >> 4];
            *p++ = hex_upper[c & 0x0f];
        }
    }
    return p;
}

kassa_err kassa_tegro_form_sign(const kassa_kv *fields, size_t n, const char *secret,
                                kassa_form_style style, char out[KASSA_MD5_HEX_SIZE])
{
    const kassa_kv **sorted = NULL;
    char *text = NULL, *p;
    size_t i, m = 0, total, secret_len;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    kassa_err err = KASSA_EINVAL;

    out[0] = '\0';
    if ((fields == NULL && n > 0) || secret == NULL ||
        (style != KASSA_FORM_URLENCODED && style != KASSA_FORM_PHP && style != KASSA_FORM_RAW))
        goto out;
    if (n > SIZE_MAX / sizeof *sorted) {
        err = KASSA_ENOMEM;
        goto out;
    }
    sorted = malloc((n > 0 ? n : 1) * sizeof *sorted);
    if (sorted == NULL) {
        err = KASSA_ENOMEM;
        goto out;
    }
    secret_len = strlen(secret);
    total = secret_len + 1;
    for (i = 0; i < n; i++) {
        if (fields[i].key == NULL)
            goto out; /* KASSA_EINVAL */
        if (fields[i].value == NULL)
            continue;
        sorted[m++] = &fields[i];
        /* "&" + key + "=" + value; lengths are bounded by memory in use. */
        total += 2 + form_len(fields[i].key, style) + form_len(fields[i].value, style);
    }
    qsort(sorted, m, sizeof *sorted, kv_cmp);

    text = malloc(total);
    if (text == NULL) {
        err = KASSA_ENOMEM;
        goto out;
    }
    p = text;
    for (i = 0; i < m; i++) {
        if (i > 0)
            *p++ = '&';
        p = form_put(p, sorted[i]->key, style);
        *p++ = '=';
        p = form_put(p, sorted[i]->value, style);
    }
    memcpy(p, secret, secret_len);
    p += secret_len;

    if (!EVP_Digest(text, (size_t)(p - text), md, &md_len, EVP_md5(), NULL) || md_len != 16) {
        err = KASSA_ENOMEM;
        goto out;
    }
    to_hex(md, md_len, out);
    err = KASSA_OK;
out:
    if (text != NULL) {
        OPENSSL_cleanse(text, total); /* it holds the secret */
        free(text);
    }
    free(sorted);
    return err;
}

kassa_err kassa_tegro_form_verify(const kassa_kv *fields, size_t n, const char *secret,
                                  const char *sign)
{
    static const kassa_form_style styles[] = {KASSA_FORM_URLENCODED, KASSA_FORM_PHP,
                                              KASSA_FORM_RAW};
    char expect[KASSA_MD5_HEX_SIZE];
    int match = 0;
    size_t i;
    kassa_err err;

    if (sign == NULL || secret == NULL)
        return KASSA_EAUTH_SIGNATURE;
    /* All three are computed and compared: no early exit on a match. */
    for (i = 0; i < sizeof styles / sizeof styles[0]; i++) {
        err = kassa_tegro_form_sign(fields, n, secret, styles[i], expect);
        if (err == KASSA_EINVAL)
            return KASSA_EAUTH_SIGNATURE;
        if (err != KASSA_OK)
            return err; /* KASSA_ENOMEM: not a verdict on the signature */
        match |= kassa_hex_equal(expect, sign);
    }
    return match ? KASSA_OK : KASSA_EAUTH_SIGNATURE;
}

/* ---- comparison --------------------------------------------------------- */

int kassa_ct_equal(const void *a, const void *b, size_t n)
{
    if (n == 0)
        return 1;
    if (a == NULL || b == NULL)
        return 0;
    return CRYPTO_memcmp(a, b, n) == 0;
}

/* 'A'..'F' to lower case, every other byte unchanged, without a branch on
 * the byte (a comparison result feeds a mask). Folding only A-F keeps other
 * bytes distinct: '\x10' must not pass for '0'. */
static unsigned hex_fold(unsigned char c)
{
    unsigned is_upper_hex = (unsigned)((unsigned)c - 'A' < 6u);

    return (unsigned)c | (is_upper_hex << 5);
}

int kassa_hex_equal(const char *a, const char *b)
{
    size_t n, i;
    unsigned diff = 0;

    if (a == NULL || b == NULL)
        return 0;
    n = strlen(a);
    if (strlen(b) != n)
        return 0; /* lengths are public: the expected one is fixed */
    for (i = 0; i < n; i++)
        diff |= hex_fold((unsigned char)a[i]) ^ hex_fold((unsigned char)b[i]);
    return diff == 0;
}
