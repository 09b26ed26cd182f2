/* random.c: see random.h. */
#include "random.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hex.h"
#include "log.h"

#define RANDOM_POOL 512

static _Thread_local unsigned char random_pool[RANDOM_POOL];
static _Thread_local size_t random_left;

void random_bytes(void *buf, size_t n)
{
    unsigned char *out = buf;
    while (n > 0) {
        if (random_left == 0) {
            size_t got = 0;
            while (got < RANDOM_POOL) {
                ssize_t r = getrandom(random_pool + got, RANDOM_POOL - got, 0);
                if (r <= 0) {
                    log_error("getrandom failed; refusing to continue without randomness");
                    log_flush();
                    abort();
                }
                got += (size_t)r;
            }
            random_left = RANDOM_POOL;
        }
        size_t take = n < random_left ? n : random_left;
        unsigned char *from = random_pool + RANDOM_POOL - random_left;
        memcpy(out, from, take);
        memset(from, 0, take); /* handed out: not kept */
        random_left -= take;
        out += take;
        n -= take;
    }
}

void random_hex(char *out, size_t nbytes, bool upper)
{
    unsigned char b[64];
    out[0] = '\0';
    while (nbytes > 0) {
        size_t take = nbytes < sizeof b ? nbytes : sizeof b;
        random_bytes(b, take);
        hex_encode(b, take, out, upper);
        out += 2 * take;
        nbytes -= take;
    }
}
