/* fuzz_form.c: kassad's form decoding (dialect/form.c), what the tegro
 * hosted form and notifications are read with, and its bracketed keys.
 * Properties: every decoded key and value is a NUL-terminated string in the
 * arena; form_get finds the first field of each key; a key's parts are
 * within their bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "dialect/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    static struct form f;
    char msg[256];
    if (form_parse(&a, (const char *)data, size, &f, msg, sizeof msg)) {
        if (f.n > FORM_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < f.n; i++) {
            if (f.f[i].key == NULL || f.f[i].value == NULL)
                abort();
            const char *first = form_get(&f, f.f[i].key);
            if (first == NULL)
                abort();
            char parts[8][64];
            int np = form_key_parts(f.f[i].key, parts, 8);
            for (int k = 0; k < np; k++)
                if (strnlen(parts[k], 64) >= 64)
                    abort();
        }
    } else if (msg[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    arena_free(&a);
    return 0;
}
