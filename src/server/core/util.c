/* util.c: random identifiers and small string helpers for the core. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "core.h"

void core_random(void *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1) {
        log_error("RAND_bytes failed; refusing to continue without randomness");
        abort();
    }
}

/* 16 bytes as 8-4-4-4-12 lower-case hex. */
static void uuid_format(const unsigned char b[16], char out[UUID_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
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

void core_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void core_hex_token(char *out, size_t nbytes, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *digits = upper ? up : lo;
    unsigned char b[64];
    if (nbytes > sizeof b)
        nbytes = sizeof b;
    core_random(b, nbytes);
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool core_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex(s[i])) {
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
