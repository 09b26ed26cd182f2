/* base.h: small things every layer may use that no module owns. */
#ifndef KASSA_BASE_H
#define KASSA_BASE_H

#include <stddef.h>

/* The `type` that holds *ptr as its member `member` (a path such as h.base
 * too): how an embedded struct finds the struct around it (libuv's
 * src/uv-common.h), where a cast would hold only while the member stays
 * first. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
