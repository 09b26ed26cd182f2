/* store.c: pick the backend from the --db URL. */
#include <stdio.h>
#include <string.h>

#include "store.h"

kassa_err store_open(const char *url, struct store **out, char *err, size_t errlen)
{
    if (url == NULL)
        url = "";
    if (strncmp(url, "sqlite:", 7) == 0)
        return store_sqlite_ops.open(url + 7, out, err, errlen);
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        snprintf(err, errlen, "--db %s: the PostgreSQL backend is not built yet", url);
        return KASSA_EINVAL;
    }
    snprintf(err, errlen, "--db '%s': expected sqlite:PATH or postgresql://...", url);
    return KASSA_EINVAL;
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}
