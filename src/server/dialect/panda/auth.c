/* auth.c: the panda dialect's request authentication (panda.h
 * panda_auth): dialect/signed.h's scheme over the shop's panda
 * credentials, then the shop's request rate. */
#include <stdio.h>

#include "base/clock.h"
#include "core/core.h"
#include "dialect/reply.h"
#include "dialect/signed.h"
#include "panda.h"

/* X-API-Key names the shop by its current key, or the one before it while
 * a rotation's overlap lasts; a switched-off shop signs nothing. */
static kassa_err shop_key(void *arg, const char *key, struct signed_key *out)
{
    struct shop *shop = arg;
    kassa_err err = query_shop_by_api_key(PANDA_NAME, key, shop);
    if (err == KASSA_ENOTFOUND)
        return KASSA_OK;
    if (err != KASSA_OK)
        return err;
    const struct shop_dialect *row = shop_dialect_find(shop, PANDA_NAME);
    out->owner = shop->id;
    out->secret = shop->active && row != NULL
                      ? shop_secret_for_key(shop, PANDA_NAME, key, clock_now())
                      : NULL;
    out->strict_only = row != NULL && row->strict_signing;
    return KASSA_OK;
}

bool panda_auth(struct http_req *req, const char *signed_part, size_t signed_len, struct shop *shop)
{
    return panda_auth_ex(req, signed_part, signed_len, shop, NULL);
}

/* Also refused (429, Retry-After): a shop over its request rate. */
bool panda_auth_ex(struct http_req *req, const char *signed_part, size_t signed_len,
                   struct shop *shop, struct request_nonce *change)
{
    const struct signed_scheme scheme = {
        .scope = PANDA_NAME, .holder = "shop", .lookup = shop_key, .arg = shop};
    struct signed_key key;
    if (!signed_auth(req, &scheme, signed_part, signed_len, &key, change))
        return false;
    reply_who(req, "shop:%lld", (long long)shop->id);
    int retry;
    if (!shop_rate_take(shop, &retry)) {
        char s[16];
        snprintf(s, sizeof s, "%d", retry);
        http_add_header(req, "Retry-After", s);
        reply_error(req, 429,
                    "request rate limit of this shop (%d a second) exceeded; try again "
                    "in %d s",
                    shop->rate_limit, retry);
        return false;
    }
    return true;
}
