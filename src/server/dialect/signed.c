/* signed.c: requests signed the way the panda API signs them (signed.h). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/seen.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "dialect/signed.h"
#include "kassa/sign.h"

bool signed_digits(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9' || n >= max)
            return false;
    return n > 0;
}

bool signed_in_window(long long t, long long now, long long window)
{
    return t >= now - window && t <= now + window;
}

static long long window_s(void)
{
    int w = dialect_settings()->timestamp_window;
    return w > 0 ? w : 300;
}

/* Plain signatures of body-less requests (HMAC over the timestamp alone,
 * valid for every such request of the holder in that second): which
 * target each holder's timestamp was first used for, for the timestamp
 * window on both sides. */
static struct seen plain_sigs;
static pthread_once_t plain_sigs_once = PTHREAD_ONCE_INIT;

static void plain_sigs_init(void)
{
    seen_init(&plain_sigs, (int)(2 * window_s() + 1));
}

static uint64_t target_hash(const struct http_req *req)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = req->method; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ ' ') * 1099511628211ull;
    for (const char *p = req->raw_target; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* The checks: 0, or the status answered (401, 500). */
static int signed_check(struct http_req *req, const struct signed_scheme *s,
                        const char *signed_part, size_t signed_len, struct signed_key *k,
                        struct request_nonce *change)
{
    const char *key = http_header(req, "X-API-Key");
    const char *ts = http_header(req, "X-Timestamp");
    const char *sig = http_header(req, "X-Signature");
    if (key == NULL || *key == '\0') {
        reply_error(req, 401, "missing X-API-Key header");
        return 401;
    }
    *k = (struct signed_key){0};
    kassa_err err = s->lookup(s->arg, key, k);
    if (err == KASSA_OK && k->secret == NULL) {
        reply_error(req, 401, "invalid API key");
        return 401;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return 500;
    }
    if (ts == NULL || !signed_digits(ts, 18)) {
        reply_error(req, 401, "missing or malformed X-Timestamp header");
        return 401;
    }
    /* Strict mode (X-Signature-Mode: strict): the signature covers the
     * method, the target and the whole body too, so it holds for this one
     * request only. */
    const char *mode = http_header(req, "X-Signature-Mode");
    bool strict = mode != NULL && strcasecmp(mode, "strict") == 0;
    if (mode != NULL && !strict) {
        reply_error(req, 401, "X-Signature-Mode: expected strict");
        return 401;
    }
    if (k->strict_only && !strict) {
        reply_error(req, 401,
                    "this %s takes strict signatures only: send X-Signature-Mode: strict "
                    "with X-Signature = HMAC over timestamp, method, target and body",
                    s->holder);
        return 401;
    }
    if (sig == NULL ||
        (strict ? kassa_panda_verify_strict(k->secret, ts, req->method, req->raw_target, req->body,
                                            req->body_len, sig)
                : kassa_panda_verify(k->secret, ts, signed_part, signed_len, sig)) != KASSA_OK) {
        reply_error(req, 401, "invalid signature");
        return 401;
    }
    bool plain_bodyless = !strict && signed_len == 0;
    if (plain_bodyless) {
        pthread_once(&plain_sigs_once, plain_sigs_init);
        /* The timestamp decides a plain signature of a body-less request
         * (HMAC over it alone), so the holder and the timestamp are its key. */
        uint64_t mine = target_hash(req);
        uint64_t first = seen_put(&plain_sigs, (uint64_t)k->owner, strtoull(ts, NULL, 10), mine,
                                  clock_mono_ms());
        if (change != NULL && first != mine) {
            reply_error(req, 401, SIGNED_REPLAYED_MSG);
            return 401;
        }
    }
    if (change != NULL && (plain_bodyless || s->nonce_every_change)) {
        change->has = true;
        snprintf(change->nonce, sizeof change->nonce, "sig:%.64s", sig);
        for (char *p = change->nonce; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        memset(change->body_hash, 0, sizeof change->body_hash);
    }
    long long window = window_s();
    if (!signed_in_window(strtoll(ts, NULL, 10), clock_now(), window)) {
        reply_error(req, 401, "timestamp outside the allowed window of %lld seconds", window);
        return 401;
    }
    return 0;
}

bool signed_auth(struct http_req *req, const struct signed_scheme *s, const char *signed_part,
                 size_t signed_len, struct signed_key *key, struct request_nonce *change)
{
    const char *api_key = http_header(req, "X-API-Key");
    char addr[64] = "", retry_text[16];
    int retry = 1;
    if (guard_active()) {
        http_client_addr(req, addr, sizeof addr);
        if (guard_locked(s->scope, addr, api_key, &retry)) {
            snprintf(retry_text, sizeof retry_text, "%d", retry);
            http_add_header(req, "Retry-After", retry_text);
            reply_error(req, 429, "too many failed authentications; try again in %d s", retry);
            return false;
        }
    }
    int status = signed_check(req, s, signed_part, signed_len, key, change);
    if (status == 401) {
        if (addr[0] == '\0')
            http_client_addr(req, addr, sizeof addr);
        guard_fail(s->scope, addr, api_key);
        char what[64];
        snprintf(what, sizeof what, "%s authentication failed", s->scope);
        log_warn(what, "client=%s", addr);
    }
    return status == 0;
}
