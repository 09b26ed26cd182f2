/* error.c: names and messages of kassa_err, both from KASSA_ERRNO_MAP. */
#include "kassa/error.h"

#include <stddef.h>

static const char *const err_messages[] = {
#define KASSA_XX_(name, msg) [KASSA_##name] = msg,
    KASSA_ERRNO_MAP(KASSA_XX_)
#undef KASSA_XX_
};

static const char *const err_names[] = {
#define KASSA_XX_(name, msg) [KASSA_##name] = #name,
    KASSA_ERRNO_MAP(KASSA_XX_)
#undef KASSA_XX_
};

/* Static string; "unknown error" for a value outside the enum (negative
 * values included: the enum's underlying type may be signed). */
const char *kassa_strerror(kassa_err err)
{
    long i = (long)err;

    if (i < 0 || i >= (long)KASSA_ERR_MAX_)
        return "unknown error";
    return err_messages[i];
}

/* Static string without the KASSA_ prefix; "UNKNOWN" outside the enum. */
const char *kassa_err_name(kassa_err err)
{
    long i = (long)err;

    if (i < 0 || i >= (long)KASSA_ERR_MAX_)
        return "UNKNOWN";
    return err_names[i];
}
