/* kassa/sign.h: the signatures of both dialects.
 *
 * panda: hex HMAC-SHA256(key = secret, message = timestamp + body).
 * tegro REST: hex HMAC-SHA256(key = api_key, message = raw body).
 * tegro form / notification: hex MD5(sorted query string + secret), where
 * the query string is built URL-encoded or as a raw k=v& join.
 * Every verify function compares in constant time and accepts upper-case hex. */
#ifndef KASSA_SIGN_H
#define KASSA_SIGN_H

#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KASSA_SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */
#define KASSA_MD5_HEX_SIZE 33    /* 32 hex digits + NUL */

/* Lowercase hex HMAC-SHA256 of msg1 || msg2 (msg2 may be NULL/0) into out. */
KASSA_EXTERN void kassa_hmac_sha256_hex(const void *key, size_t key_len, const void *msg1,
                                        size_t len1, const void *msg2, size_t len2,
                                        char out[KASSA_SHA256_HEX_SIZE]);

/* panda request or callback signature: HMAC(secret, timestamp + body). */
KASSA_EXTERN void kassa_panda_sign(const char *secret, const char *timestamp, const void *body,
                                   size_t body_len, char out[KASSA_SHA256_HEX_SIZE]);

/* KASSA_OK when `signature` (hex, either case) is the panda signature;
 * KASSA_EAUTH_SIGNATURE otherwise (also when NULL or of the wrong length). */
KASSA_EXTERN kassa_err kassa_panda_verify(const char *secret, const char *timestamp,
                                          const void *body, size_t body_len, const char *signature);

/* panda strict signature (X-Signature-Mode: strict): HMAC(secret, timestamp
 * "\n" method "\n" target "\n" body), target being the request's path and
 * query exactly as sent ("/v1/orders/<uuid>/cancel"). A signature then
 * holds for one request only, not for every body-less request of the same
 * second as the plain one does. */
KASSA_EXTERN void kassa_panda_sign_strict(const char *secret, const char *timestamp,
                                          const char *method, const char *target, const void *body,
                                          size_t body_len, char out[KASSA_SHA256_HEX_SIZE]);

/* KASSA_OK when `signature` is the strict panda signature of the request;
 * KASSA_EAUTH_SIGNATURE otherwise. */
KASSA_EXTERN kassa_err kassa_panda_verify_strict(const char *secret, const char *timestamp,
                                                 const char *method, const char *target,
                                                 const void *body, size_t body_len,
                                                 const char *signature);

/* tegro REST: HMAC(api_key, body). */
KASSA_EXTERN void kassa_tegro_rest_sign(const char *api_key, const void *body, size_t body_len,
                                        char out[KASSA_SHA256_HEX_SIZE]);
KASSA_EXTERN kassa_err kassa_tegro_rest_verify(const char *api_key, const void *body,
                                               size_t body_len, const char *signature);

typedef struct kassa_kv {
    const char *key;
    const char *value;
} kassa_kv;

typedef enum kassa_form_style {
    KASSA_FORM_URLENCODED, /* Python urlencode: space '+', safe A-Za-z0-9 _.-~ */
    KASSA_FORM_PHP,        /* PHP http_build_query: as above but '~' -> %7E */
    KASSA_FORM_RAW         /* plain "k=v&k=v" join, nothing escaped */
} kassa_form_style;

/* tegro MD5 sign over `fields` (any order; sorted here by key, bytewise),
 * joined in `style`, with `secret` appended. Fields with a NULL value are
 * skipped. Returns KASSA_ENOMEM on allocation failure, else KASSA_OK. */
KASSA_EXTERN kassa_err kassa_tegro_form_sign(const kassa_kv *fields, size_t n, const char *secret,
                                             kassa_form_style style, char out[KASSA_MD5_HEX_SIZE]);

/* KASSA_OK when `sign` matches the sign of any style; KASSA_EAUTH_SIGNATURE
 * otherwise. Constant time per comparison. */
KASSA_EXTERN kassa_err kassa_tegro_form_verify(const kassa_kv *fields, size_t n, const char *secret,
                                               const char *sign);

/* 1 when the n bytes at a and b are equal, in time independent of content. */
KASSA_EXTERN int kassa_ct_equal(const void *a, const void *b, size_t n);

/* 1 when hex strings a and b are equal ignoring case, constant time for equal
 * lengths; 0 when lengths differ or either is NULL. */
KASSA_EXTERN int kassa_hex_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
