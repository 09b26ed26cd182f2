/* embedded.h: files built into kassad (scripts/embed.py --files), such as
 * the OpenAPI documents the docs dialect serves. */
#ifndef KASSA_EMBEDDED_H
#define KASSA_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* the file's base name: "panda.json" */
    const char *etag; /* a quoted hash of its bytes, as an ETag header */
    size_t len;
    const char *data; /* len bytes (and a NUL) */
};

#endif
