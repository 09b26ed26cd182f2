/* util.c: random identifiers and small string helpers for the core. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/log.h"
#include "core.h"

/* SHA-256 with the digest fetched once and a digest context per thread
 * (freed when the thread ends): SHA256() fetches and allocates per call. */
static EVP_MD *sha256_md;
static pthread_key_t sha256_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void sha256_init(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha256_md == NULL || pthread_key_create(&sha256_key, sha256_ctx_free) != 0) {
        log_error("cannot set up SHA-256");
        log_flush();
        abort();
    }
}

void core_sha256(const void *data, size_t len, unsigned char out[32])
{
    pthread_once(&sha256_once, sha256_init);
    EVP_MD_CTX *ctx = pthread_getspecific(sha256_key);
    if (ctx == NULL) {
        if ((ctx = EVP_MD_CTX_new()) == NULL || pthread_setspecific(sha256_key, ctx) != 0) {
            log_error("out of memory for SHA-256");
            log_flush();
            abort();
        }
    }
    unsigned int n = 0;
    if (!EVP_DigestInit_ex2(ctx, sha256_md, NULL) || !EVP_DigestUpdate(ctx, data, len) ||
        !EVP_DigestFinal_ex(ctx, out, &n) || n != 32) {
        log_error("SHA-256 failed");
        log_flush();
        abort();
    }
}

/* 16 bytes as 8-4-4-4-12 lower-case hex. */
static void uuid_format(const unsigned char b[16], char out[UUID_SIZE])
{
    static const size_t group[] = {4, 2, 2, 2, 6}; /* bytes per group */
    char *o = out;
    for (size_t i = 0; i < sizeof group / sizeof group[0]; i++) {
        if (i > 0)
            *o++ = '-';
        hex_encode(b, group[i], o, false);
        b += group[i];
        o += 2 * group[i];
    }
}

void core_uuid7(int64_t unix_ms, const unsigned char random[10], char out[UUID_SIZE])
{
    unsigned char b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)((uint64_t)unix_ms >> (40 - 8 * i));
    memcpy(b + 6, random, 10);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

static struct core_settings settings = {.idempotency_ttl = 86400,
                                        .auth_fail_limit = 20,
                                        .auth_fail_window = 60,
                                        .bank_message_grace = 600};

void core_configure(const struct core_settings *s)
{
    if (s->idempotency_ttl > 0)
        settings.idempotency_ttl = s->idempotency_ttl;
    if (s->auth_fail_limit > 0)
        settings.auth_fail_limit = s->auth_fail_limit;
    if (s->auth_fail_window > 0)
        settings.auth_fail_window = s->auth_fail_window;
    settings.reversal_keeps_fee = s->reversal_keeps_fee;
    if (s->bank_message_grace > 0)
        settings.bank_message_grace = s->bank_message_grace;
    if (s->n_dialects > 0) {
        int n = s->n_dialects < SHOP_DIALECTS_MAX ? s->n_dialects : SHOP_DIALECTS_MAX;
        for (int i = 0; i < n; i++)
            settings.dialects[i] = s->dialects[i];
        settings.n_dialects = n;
        core_metrics_register();
    }
}

const struct core_settings *core_settings(void)
{
    return &settings;
}

const struct core_dialect *core_dialect(const char *name)
{
    for (int i = 0; name != NULL && i < settings.n_dialects; i++)
        if (strcmp(settings.dialects[i].name, name) == 0)
            return &settings.dialects[i];
    return NULL;
}

const struct core_dialect *core_dialect_by_id(int id)
{
    for (int i = 0; i < settings.n_dialects; i++)
        if (settings.dialects[i].id == id)
            return &settings.dialects[i];
    return NULL;
}

bool core_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (hex_value(s[i]) < 0) {
            return false;
        }
    }
    return true;
}

bool core_copy(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size) {
        dst[0] = '\0';
        return false;
    }
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return true;
}

void core_i64(int64_t v, char out[24])
{
    char b[24];
    char *p = b + sizeof b;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(b + sizeof b - p);
    memcpy(out, p, n);
    out[n] = '\0';
}

void core_concat(char *dst, size_t size, const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    size_t at = 0;
    for (int i = 0; i < 3 && size > 0; i++) {
        size_t n = strlen(parts[i]);
        if (n > size - 1 - at)
            n = size - 1 - at;
        memcpy(dst + at, parts[i], n);
        at += n;
    }
    if (size > 0)
        dst[at] = '\0';
}

bool core_http_url_ok(const char *u)
{
    const char *host;
    if (strncmp(u, "http://", 7) == 0)
        host = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        host = u + 8;
    else
        return false;
    if (*host == '\0' || *host == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}
