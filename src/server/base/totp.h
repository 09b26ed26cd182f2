/* totp.h: time-based one-time passwords (RFC 6238: HMAC-SHA-1 over the
 * 30-second step, dynamic truncation of RFC 4226) and the base32 (RFC 4648,
 * no padding) their secrets are shown in, for the console's second
 * factor. */
#ifndef KASSA_TOTP_H
#define KASSA_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_STEP 30      /* seconds */
#define TOTP_DIGITS 6     /* of a code */
#define TOTP_KEY_BYTES 20 /* of a new secret (160 bits, as RFC 4226 advises) */

/* `len` bytes as base32 (A-Z2-7, no padding) into out (size bytes with its
 * NUL); false when it does not fit. */
bool base32_encode(const uint8_t *data, size_t len, char *out, size_t size);
/* Base32 text (case-insensitive; spaces and trailing '=' ignored) into at
 * most `max` bytes; the count, or -1 for a character that is not base32 or
 * too much text. */
int base32_decode(const char *text, uint8_t *out, size_t max);

/* The code of time step `step` with key (len bytes), `digits` (6 to 8)
 * digits long. */
uint32_t totp_code(const uint8_t *key, size_t len, uint64_t step, int digits);

/* Whether `code` (6 decimal digits) is the code of secret (base32) at a
 * step within one of now's (Unix seconds) and after `after_step` (a step
 * once used is not taken again): the matching step into *step. Compares
 * in constant time. */
bool totp_check(const char *secret, const char *code, int64_t now, int64_t after_step,
                int64_t *step);

/* A new secret of TOTP_KEY_BYTES random bytes, as base32 (33 bytes). */
void totp_secret_new(char out[33]);

#endif
