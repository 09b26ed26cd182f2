/* kassa/callback.h: verify the callbacks a gateway sends to a merchant.
 *
 * panda: a JSON POST with X-API-Key, X-Timestamp and X-Signature =
 *        hex HMAC-SHA256(secret, timestamp + raw body).
 * tegro: an application/x-www-form-urlencoded POST whose `sign` field is
 *        MD5(sorted query string of the other fields + secret); or, for a
 *        shop whose notification_format is "json", the same fields and sign
 *        as one JSON object of strings (Content-Type: application/json),
 *        signed exactly as the form.
 *
 * Every comparison of a secret-derived value runs in constant time. */
#ifndef KASSA_CALLBACK_H
#define KASSA_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "error.h"
#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Verify a panda callback. api_key/secret are the shop's credentials;
 * hdr_* are the received header values (NULL when absent); body is the raw
 * body as received. window_seconds > 0 also requires the timestamp to be
 * decimal Unix seconds within that many seconds of now (Unix seconds);
 * window_seconds == 0 does not look at its value (as the seed's receiver).
 * Checks, in this order: key, timestamp, signature. Returns KASSA_OK,
 * KASSA_EAUTH_KEY (wrong or missing key), KASSA_EAUTH_TIMESTAMP,
 * KASSA_EAUTH_SIGNATURE (wrong or missing signature), KASSA_EINVAL (NULL
 * api_key or secret). */
KASSA_EXTERN kassa_err kassa_panda_callback_verify(
    const char *api_key, const char *secret, const char *hdr_api_key, const char *hdr_timestamp,
    const char *hdr_signature, const void *body, size_t body_len, long window_seconds, int64_t now);

/* A decoded x-www-form-urlencoded body: fields in the order received, keys
 * and values decoded ('+' is a space, %XX a byte). Owned by the form;
 * release with kassa_form_free. */
typedef struct kassa_form {
    kassa_kv *fields;
    size_t n;
} kassa_form;

/* Decode body (len bytes, no NUL needed) into *out. Empty pairs ("a=1&&b=2")
 * are skipped; a pair without '=' has the empty value. Errors: KASSA_EINVAL
 * (a bad %-escape, a NUL byte, a key given twice), KASSA_ETOOBIG (more than
 * 256 fields), KASSA_ENOMEM. On error *out is zeroed. */
KASSA_EXTERN kassa_err kassa_form_parse(const char *body, size_t len, kassa_form *out);

/* The value of key in f, or NULL. Points into f. */
KASSA_EXTERN const char *kassa_form_get(const kassa_form *f, const char *key);

KASSA_EXTERN void kassa_form_free(kassa_form *f);

/* Verify a decoded tegro notification: shop_id (when non-NULL) must equal
 * the form's shop_id, and sign must match MD5 over every other field in
 * any of the accepted styles (kassa_tegro_form_verify). Returns KASSA_OK,
 * KASSA_EAUTH_KEY (shop_id missing or different), KASSA_EAUTH_SIGNATURE
 * (sign missing or wrong), KASSA_EINVAL (NULL f or secret), KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_tegro_callback_verify_form(const kassa_form *f, const char *shop_id,
                                                        const char *secret);

/* Decode a JSON notification body (len bytes, no NUL needed) into *out, as
 * kassa_form_parse does a form: one object whose members are all strings,
 * kept in the order received. Strict: the body must be exactly one JSON
 * object (jansson, UTF-8, nothing after it); a key given twice, a value that
 * is not a string (a number, too: the sign covers the exact text, which a
 * JSON number does not keep) or a \u0000 refuse the body. Errors:
 * KASSA_EINVAL, KASSA_ETOOBIG (more than 256 members), KASSA_ENOMEM; *err
 * (may be NULL) then says why in its message, e.g. "JSON: the value of
 * \"amount\" is a number, not a string". On error *out is zeroed. */
KASSA_EXTERN kassa_err kassa_form_parse_json(const char *body, size_t len, kassa_form *out,
                                             kassa_error *err);

/* Decode a tegro notification body of either format into *out. The format
 * is chosen by content_type (the received Content-Type header, parameters
 * and case ignored) when it names one: application/json or any +json type is
 * JSON (kassa_form_parse_json), application/x-www-form-urlencoded is a form
 * (kassa_form_parse). Otherwise (content_type NULL, empty or another type)
 * by the body: JSON when its first byte other than space, tab, CR and LF is
 * '{' (a form encoder always escapes '{'), else a form. Errors: those of the
 * two parsers, with *err (may be NULL) saying why. */
KASSA_EXTERN kassa_err kassa_tegro_callback_parse(const char *content_type, const char *body,
                                                  size_t len, kassa_form *out, kassa_error *err);

/* Decode body as kassa_tegro_callback_parse does (content_type may be NULL)
 * and verify it as kassa_tegro_callback_verify_form does. Errors: those of
 * both. */
KASSA_EXTERN kassa_err kassa_tegro_callback_verify_ct(const char *shop_id, const char *secret,
                                                      const char *content_type, const char *body,
                                                      size_t len);

/* kassa_tegro_callback_verify_ct without a Content-Type: a body whose first
 * non-whitespace byte is '{' is verified as JSON, any other as a form (so
 * every form body verifies as before). Errors: those of both. */
KASSA_EXTERN kassa_err kassa_tegro_callback_verify(const char *shop_id, const char *secret,
                                                   const char *body, size_t len);

#ifdef __cplusplus
}
#endif
#endif
