/* fuzz_json.c: kassa_json_raw_member, the member scanner the merchant
 * library uses on received JSON. Property: a found value lies inside the
 * document and is not empty; a document that is not an object is never
 * said to have members. */
#include <stdint.h>
#include <stdlib.h>

#include "kassa/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {"status", "amount", "uuid", "data", "", "a\"b", "sign"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *val = NULL;
        size_t vlen = 0;
        kassa_err e = kassa_json_raw_member(doc, size, keys[i], &val, &vlen);
        if (e == KASSA_OK) {
            if (val == NULL || vlen == 0 || val < doc || val + vlen > doc + size)
                abort();
        } else if (e != KASSA_ENOTFOUND && e != KASSA_EINVAL) {
            abort();
        }
    }
    return 0;
}
