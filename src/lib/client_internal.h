/* client_internal.h: helpers shared by libkassa's client and callback code.
 * Not installed; prefix client_ / cbuf_. */
#ifndef KASSA_CLIENT_INTERNAL_H
#define KASSA_CLIENT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "kassa/client.h"

/* A growable byte buffer with a ceiling. After any failure `failed` is set
 * and further appends do nothing, so callers check once at the end. p is
 * NUL-terminated whenever len > 0 and owned by the buffer (cbuf_free). */
typedef struct cbuf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int failed; /* 0, or the kassa_err of the first failure */
} cbuf;

void cbuf_init(cbuf *b, size_t max);
void cbuf_free(cbuf *b);
void cbuf_add(cbuf *b, const void *data, size_t len);
void cbuf_adds(cbuf *b, const char *s);
/* Append s as a JSON string literal as Python's json.dumps writes it
 * (ensure_ascii: non-ASCII as \uXXXX). Invalid UTF-8 fails with EINVAL. */
void cbuf_add_json_string(cbuf *b, const char *s);
/* Append s URL-encoded as Python's urllib.parse.quote_plus. */
void cbuf_add_urlencoded(cbuf *b, const char *s);
/* Detach the buffer's bytes (malloc'd, NUL-terminated; "" when empty);
 * NULL after a failure or when out of memory. The buffer is reset. */
char *cbuf_take(cbuf *b);

/* Fill err (may be NULL) and return code. message is printf-formatted. */
kassa_err client_fail(kassa_error *err, kassa_err code, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* host without trailing slashes + path, malloc'd; NULL when out of memory. */
char *client_join_url(const char *host, const char *path);

/* malloc'd copy of s (NULL stays NULL; *oom set on failure). */
char *client_strdup(const char *s, int *oom);

/* Classify an answer expected to be JSON: on a non-2xx status, EAPI with
 * the body's {"error": msg} when present, else EHTTP with the body's start.
 * KASSA_OK for 2xx. */
kassa_err client_check_status(const kassa_response *resp, kassa_error *err);

/* Unix time now, in seconds and in microseconds. */
long long client_now_s(void);
long long client_now_us(void);

/* The raw text of the value of each element of the JSON array `doc` (which
 * a JSON parser already accepted): calls fn(ctx, start, len) per element in
 * order; stops at the first non-OK return. KASSA_EPROTO when doc is not an
 * array. */
kassa_err client_json_array_each(const char *doc, size_t len,
                                 kassa_err (*fn)(void *ctx, const char *v, size_t vlen), void *ctx);

/* The end (one past) of the JSON value starting at p (after whitespace),
 * or NULL when it runs past end. */
const char *client_json_value_end(const char *p, const char *end);

#endif
