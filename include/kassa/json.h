/* kassa/json.h: the raw text of a JSON member.
 *
 * JSON parsers hand numbers over as doubles; money and 64-bit nonces must be
 * read from the exact text instead. These helpers scan a document that a
 * real parser already accepted. */
#ifndef KASSA_JSON_H
#define KASSA_JSON_H

#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Find the member `key` (exact, unescaped match) of the top-level object in
 * the JSON text `doc` of `len` bytes and point *val / *val_len at its value's
 * raw text (for a string: including the quotes). Returns KASSA_OK,
 * KASSA_ENOTFOUND, or KASSA_EINVAL when `doc` is not an object. The first
 * match wins (parse with duplicate keys rejected first). */
KASSA_EXTERN kassa_err kassa_json_raw_member(const char *doc, size_t len, const char *key,
                                             const char **val, size_t *val_len);

#ifdef __cplusplus
}
#endif
#endif
