/* internal.h: what the tegro dialect's files share among themselves. */
#ifndef KASSA_TEGRO_INTERNAL_H
#define KASSA_TEGRO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"

/* s is a small non-negative decimal integer (a payment system id): *out. */
bool small_int(const char *s, int *out);
/* s is NULL or "". */
bool empty(const char *s);

/* The raw text of `key` in the JSON object text doc (*v, *n), or false. */
bool raw_member(const char *doc, size_t len, const char *key, const char **v, size_t *n);
/* A member's raw text as a scalar's value: a string's content (no escapes)
 * or a number's text, into dst; false when it does not fit. */
bool scalar_text(const char *v, size_t n, char *dst, size_t size);
/* Split the raw text of a JSON array into its top-level elements: calls
 * fn(arg, index, text, len) for each; false when not an array or fn fails. */
bool raw_array_each(const char *a, size_t n,
                    bool (*fn)(void *arg, size_t i, const char *t, size_t len), void *arg);

/* raw_array_each's fn for receipt items ({"name","count","price"}): adds
 * each to r with the currency's exponent; msg says why one is refused. */
struct receipt_ctx {
    struct receipt *r;
    int exponent;
    char *msg;
    size_t msglen;
};
bool receipt_json_item(void *arg, size_t i, const char *t, size_t len);

#endif
