/* auth.c: the panda dialect's request authentication (panda.h
 * panda_auth). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/seen.h"
#include "core/core.h"
#include "dialect/reply.h"
#include "kassa/sign.h"
#include "panda.h"

static bool all_digits(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9' || n >= max)
            return false;
    return n > 0;
}

/* Plain signatures of body-less requests (HMAC over the timestamp alone,
 * valid for every such request of the shop in that second): which target
 * each shop's timestamp was first used for, for the timestamp window on
 * both sides. */
static struct seen panda_sigs;
static pthread_once_t panda_sigs_once = PTHREAD_ONCE_INIT;

static void panda_sigs_init(void)
{
    int w = dialect_settings()->timestamp_window > 0 ? dialect_settings()->timestamp_window : 300;
    seen_init(&panda_sigs, 2 * w + 1);
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

/* Authenticate: X-API-Key names the shop (its current key, or the one
 * before it while a rotation's overlap lasts), X-Signature is HMAC(that
 * pair's secret, X-Timestamp + signed) (strict mode: over timestamp,
 * method, target and body) inside the window. Else 401 and false. */
bool panda_auth(struct http_req *req, const char *signed_part, size_t signed_len, struct shop *shop)
{
    return panda_auth_ex(req, signed_part, signed_len, shop, NULL);
}

/* panda_auth_ex's checks: 0, or the status it answered (401, 500). */
static int auth_check(struct http_req *req, const char *signed_part, size_t signed_len,
                      struct shop *shop, struct request_nonce *change)
{
    const char *key = http_header(req, "X-API-Key");
    const char *ts = http_header(req, "X-Timestamp");
    const char *sig = http_header(req, "X-Signature");
    if (key == NULL || *key == '\0') {
        reply_error(req, 401, "missing X-API-Key header");
        return 401;
    }
    kassa_err err = query_shop_by_api_key(PANDA_NAME, key, shop);
    const char *secret =
        err == KASSA_OK ? shop_secret_for_key(shop, PANDA_NAME, key, clock_now()) : NULL;
    if (err == KASSA_ENOTFOUND || (err == KASSA_OK && (!shop->active || secret == NULL))) {
        reply_error(req, 401, "invalid API key");
        return 401;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return 500;
    }
    if (ts == NULL || !all_digits(ts, 18)) {
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
    const struct shop_dialect *row = shop_dialect_find(shop, PANDA_NAME);
    if (row != NULL && row->strict_signing && !strict) {
        reply_error(req, 401,
                    "this shop takes strict signatures only: send X-Signature-Mode: strict "
                    "with X-Signature = HMAC over timestamp, method, target and body");
        return 401;
    }
    if (sig == NULL || row == NULL ||
        (strict ? kassa_panda_verify_strict(secret, ts, req->method, req->raw_target, req->body,
                                            req->body_len, sig)
                : kassa_panda_verify(secret, ts, signed_part, signed_len, sig)) != KASSA_OK) {
        reply_error(req, 401, "invalid signature");
        return 401;
    }
    if (!strict && signed_len == 0) {
        pthread_once(&panda_sigs_once, panda_sigs_init);
        /* The timestamp decides a plain signature of a body-less request
         * (HMAC over it alone), so the shop and the timestamp are its key. */
        uint64_t mine = target_hash(req);
        uint64_t first = seen_put(&panda_sigs, (uint64_t)shop->id, strtoull(ts, NULL, 10), mine,
                                  clock_mono_ms());
        if (change != NULL && first != mine) {
            reply_error(req, 401,
                        "signature already used for another request: sign this one "
                        "with its own X-Timestamp (or use X-Signature-Mode: strict)");
            return 401;
        }
        if (change != NULL) {
            change->has = true;
            snprintf(change->nonce, sizeof change->nonce, "sig:%.64s", sig);
            for (char *p = change->nonce; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            memset(change->body_hash, 0, sizeof change->body_hash);
        }
    }
    long long t = strtoll(ts, NULL, 10);
    long long now = clock_now();
    long long window =
        dialect_settings()->timestamp_window > 0 ? dialect_settings()->timestamp_window : 300;
    if (t < now - window || t > now + window) {
        reply_error(req, 401, "timestamp outside the allowed window of %lld seconds", window);
        return 401;
    }
    return 0;
}

/* Also refused (429, Retry-After): an address or API key with too many
 * failed authentications (core/guard.c), a shop over its request rate. */
bool panda_auth_ex(struct http_req *req, const char *signed_part, size_t signed_len,
                   struct shop *shop, struct request_nonce *change)
{
    const char *key = http_header(req, "X-API-Key");
    char addr[64] = "", s[16];
    int retry = 1;
    if (guard_active()) {
        http_client_addr(req, addr, sizeof addr);
        if (guard_locked(PANDA_NAME, addr, key, &retry)) {
            snprintf(s, sizeof s, "%d", retry);
            http_add_header(req, "Retry-After", s);
            reply_error(req, 429, "too many failed authentications; try again in %d s", retry);
            return false;
        }
    }
    int status = auth_check(req, signed_part, signed_len, shop, change);
    if (status == 401) {
        if (addr[0] == '\0')
            http_client_addr(req, addr, sizeof addr);
        guard_fail(PANDA_NAME, addr, key);
        log_warn("panda authentication failed", "client=%s", addr);
    }
    if (status == 0)
        reply_who(req, "shop:%lld", (long long)shop->id);
    if (status == 0 && !shop_rate_take(shop, &retry)) {
        snprintf(s, sizeof s, "%d", retry);
        http_add_header(req, "Retry-After", s);
        reply_error(req, 429,
                    "request rate limit of this shop (%d a second) exceeded; try again "
                    "in %d s",
                    shop->rate_limit, retry);
        return false;
    }
    return status == 0;
}
