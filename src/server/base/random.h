/* random.h: random bytes for identifiers and tokens. */
#ifndef KASSA_RANDOM_H
#define KASSA_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

/* n bytes from the kernel's CSPRNG (getrandom), drawn 512 at a time into a
 * per-thread pool that hands each byte out once, so an order's uuids and
 * token, or a request id, cost a system call only every few requests.
 * Aborts if the system RNG fails: a gateway must not run without one. */
void random_bytes(void *buf, size_t n);

/* `nbytes` random bytes as hex into out (2 * nbytes + 1 bytes, NUL
 * included); upper-case when `upper`. For keys, secrets and request ids. */
void random_hex(char *out, size_t nbytes, bool upper);

#endif
