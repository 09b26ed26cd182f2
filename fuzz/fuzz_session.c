/* fuzz_session.c: what a console request brings that kassad parses before
 * any session is looked up: the Cookie header (dialect/session.c
 * cookie_find) and a TOTP secret's base32 (base/totp.c).
 * Properties: a found cookie value is a part of the header, shorter than
 * its buffer, without ';'; base32 decodes what it encodes, byte for byte,
 * and a decoded text re-encodes to the same bytes it decoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/totp.h"
#include "dialect/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    char value[80];
    if (cookie_find(text, "kassa_session", value, sizeof value)) {
        size_t n = strlen(value);
        if (n >= sizeof value || strchr(value, ';') != NULL || strstr(text, value) == NULL)
            abort();
    }

    /* The bytes as a secret: encoded, then decoded back. */
    size_t len = size > 64 ? 64 : size;
    char enc[128];
    uint8_t dec[64];
    if (!base32_encode(data, len, enc, sizeof enc))
        abort();
    if (base32_decode(enc, dec, sizeof dec) != (int)len || memcmp(dec, data, len) != 0)
        abort();

    /* The text as base32: what decodes re-encodes to a text that decodes
     * to the same bytes. */
    uint8_t raw[256];
    int got = base32_decode(text, raw, sizeof raw);
    if (got >= 0) {
        char again[512];
        uint8_t back[256];
        if (!base32_encode(raw, (size_t)got, again, sizeof again) ||
            base32_decode(again, back, sizeof back) != got || memcmp(back, raw, (size_t)got) != 0)
            abort();
    }
    free(text);
    return 0;
}
