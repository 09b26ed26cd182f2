/* random.h: random bytes for identifiers and tokens. */
#ifndef KASSA_RANDOM_H
#define KASSA_RANDOM_H

#include <stddef.h>

/* n bytes from the kernel's CSPRNG (getrandom), drawn 512 at a time into a
 * per-thread pool that hands each byte out once, so an order's uuids and
 * token, or a request id, cost a system call only every few requests.
 * Aborts if the system RNG fails: a gateway must not run without one. */
void random_bytes(void *buf, size_t n);

#endif
