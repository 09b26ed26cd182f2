/* fuzz_callback.c: what a merchant's program runs on a received callback:
 * kassa_tegro_callback_parse (form or JSON), the tegro and panda
 * verifications. Properties: a decoded body's fields are NUL-free strings;
 * a body signed with the secret verifies and the same body with another
 * secret does not; a panda body signed here verifies, changed it does
 * not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kassa/callback.h"
#include "kassa/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *ct = (data[0] & 1)   ? "application/json"
                     : (data[0] & 2) ? NULL
                                     : "application/x-www-form-urlencoded";
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    kassa_form f;
    kassa_error err;
    if (kassa_tegro_callback_parse(ct, body, len, &f, &err) == KASSA_OK) {
        /* Sign every field but `sign` with a secret: it must verify. */
        kassa_kv kv[260];
        size_t n = 0;
        for (size_t i = 0; i < f.n && n < 260; i++)
            if (strcmp(f.fields[i].key, "sign") != 0)
                kv[n++] = f.fields[i];
        char sign[KASSA_MD5_HEX_SIZE];
        if (kassa_tegro_form_sign(kv, n, "s3cret", KASSA_FORM_URLENCODED, sign) == KASSA_OK) {
            if (kassa_tegro_form_verify(kv, n, "s3cret", sign) != KASSA_OK)
                abort();
            if (kassa_tegro_form_verify(kv, n, "other", sign) == KASSA_OK)
                abort();
        }
        kassa_tegro_callback_verify_form(&f, kassa_form_get(&f, "shop_id"), "s3cret");
        kassa_form_free(&f);
    }
    kassa_tegro_callback_verify("SHOP", "s3cret", body, len);

    char sig[KASSA_SHA256_HEX_SIZE];
    kassa_panda_sign("secret", "1700000000", body, len, sig);
    if (kassa_panda_callback_verify("key", "secret", "key", "1700000000", sig, body, len, 0, 0) !=
        KASSA_OK)
        abort();
    if (len > 0) {
        char *copy = malloc(len);
        if (copy == NULL)
            return 0;
        memcpy(copy, body, len);
        copy[len / 2] ^= 1;
        if (kassa_panda_callback_verify("key", "secret", "key", "1700000000", sig, copy, len, 0,
                                        0) == KASSA_OK)
            abort();
        free(copy);
    }
    return 0;
}
