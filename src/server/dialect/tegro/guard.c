/* guard.c: the tegro REST API's side of core/guard.c: failed
 * authentications per client address and shop_id, and a shop's request
 * rate, refused with 429 in tegro's own envelope. */
#include <stdio.h>

#include "base/jsonw.h"
#include "core/core.h"
#include "dialect/reply.h"
#include "tegro.h"

static void refuse(struct http_req *req, int retry, const char *desc)
{
    char s[16];
    snprintf(s, sizeof s, "%d", retry);
    http_add_header(req, "Retry-After", s);
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kstr(&w, "type", "error");
    jw_kstr(&w, "desc", desc);
    jw_obj_end(&w);
    reply_jw(req, 429, &w);
}

bool tegro_locked_out(struct http_req *req, const char *shop_id)
{
    char addr[64], desc[128];
    int retry = 1;
    if (!guard_active())
        return false;
    http_client_addr(req, addr, sizeof addr);
    if (!guard_locked(TEGRO_NAME, addr, shop_id, &retry))
        return false;
    snprintf(desc, sizeof desc, "Too many failed authentications; try again in %d s", retry);
    refuse(req, retry, desc);
    return true;
}

void tegro_auth_failed(struct http_req *req, const char *shop_id)
{
    char addr[64];
    http_client_addr(req, addr, sizeof addr);
    guard_fail(TEGRO_NAME, addr, shop_id);
}

bool tegro_over_rate(struct http_req *req, const struct shop *shop)
{
    char desc[128];
    int retry = 1;
    if (shop_rate_take(shop, &retry))
        return false;
    snprintf(desc, sizeof desc,
             "Request rate limit of this shop (%d a second) exceeded; try again in %d s",
             shop->rate_limit, retry);
    refuse(req, retry, desc);
    return true;
}
