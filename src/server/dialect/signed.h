/* signed.h: requests signed the way the panda API signs them (spec/panda.md
 * "Authentication"), for every dialect that takes such signatures (panda's
 * shops, the trader API's traders):
 *
 *   X-API-Key    names a key holder (the dialect's look-up finds it)
 *   X-Timestamp  Unix seconds, within the timestamp window of the clock
 *   X-Signature  hex HMAC-SHA256(secret, X-Timestamp + signed part), or with
 *                X-Signature-Mode: strict over timestamp, method, target
 *                and body (the request's own, valid for it alone)
 *
 * A plain signature of a body-less request (HMAC over the timestamp alone)
 * is valid for every such request of its holder in that second: the first
 * target each (holder, timestamp) was used for is remembered for the
 * window, and one used for another target is refused for a change.
 * Failed authentications count in core/guard.c under the scheme's scope
 * (a panda key and a trader key are kinds of keys apart), and an address
 * or key with too many answers 429 with Retry-After. */
#ifndef KASSA_SIGNED_H
#define KASSA_SIGNED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "kassa/error.h"

struct request_nonce;

/* Who an X-API-Key names, as a dialect's look-up finds it. Holders share
 * one number space across dialects, the key of the memory of plain
 * signatures and of the request nonces a change records (core.h
 * nonce_record): a shop's id, or a trader's id negated
 * (signed_trader_owner). */
struct signed_key {
    int64_t owner;
    const char *secret; /* NULL: the key names no one who may sign (401 invalid API key) */
    bool strict_only;   /* the holder takes strict signatures only */
};

/* Fill *out for `key`: KASSA_OK (out->secret NULL when the key is unknown
 * or its holder may not sign), or a store error (answered 500). */
typedef kassa_err (*signed_lookup_fn)(void *arg, const char *key, struct signed_key *out);

struct signed_scheme {
    const char *scope;  /* the guard's scope and the log's: "panda", "trader" */
    const char *holder; /* what a key names, in messages: "shop", "trader" */
    signed_lookup_fn lookup;
    void *arg;
    /* Every change (a request given a `change` nonce) records its
     * signature, so no signed change is taken twice; false: only a plain
     * signature of a body-less change (panda: a create is idempotent by
     * its key, a repeated body is the merchant's retry). */
    bool nonce_every_change;
};

/* The owner number of trader `id` (see struct signed_key). */
static inline int64_t signed_trader_owner(int64_t id)
{
    return -id;
}

/* Authenticate req by scheme s over `signed_part` (the raw body, "" for a
 * request without one, or what the dialect signs instead). True when it
 * holds (*key filled); else it answered (401 with what is wrong, 429 with
 * Retry-After while the address or key is locked, 500) and returns false.
 * With `change` (a request that changes something), a plain signature
 * another request of the holder used already is refused, and *change gets
 * the signature as a nonce for the core to record with the change
 * (KASSA_EAUTH_REPLAY then: SIGNED_REPLAYED_MSG), so no node takes it
 * twice. */
bool signed_auth(struct http_req *req, const struct signed_scheme *s, const char *signed_part,
                 size_t signed_len, struct signed_key *key, struct request_nonce *change);

/* The 401 message of a signature used before. */
#define SIGNED_REPLAYED_MSG                                                                        \
    "signature already used for another request: sign this one with its own X-Timestamp (or "      \
    "use X-Signature-Mode: strict)"

/* Whether `s` is 1 to `max` decimal digits (an X-Timestamp). */
bool signed_digits(const char *s, size_t max);

/* Whether Unix time `t` is within `window` seconds of `now`. */
bool signed_in_window(long long t, long long now, long long window);

#endif
