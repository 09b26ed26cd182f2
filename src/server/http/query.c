/* query.c: the query arguments of a request (http.h http_query,
 * http_query_each), decoded into the request's arena. */
#include <string.h>

#include "base/hex.h"
#include "http.h"

/* Decode a form-encoded component (%XX, '+' as space) into the arena. */
static char *form_decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out[o++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

const char *http_query(struct http_req *req, const char *name)
{
    if (req == NULL || name == NULL || req->query == NULL)
        return NULL;
    const char *p = req->query;
    while (*p != '\0') {
        size_t len = strcspn(p, "&");
        size_t klen = strcspn(p, "=&");
        char *key = form_decode(&req->arena, p, klen);
        if (key == NULL)
            return NULL;
        if (klen > 0 && strcmp(key, name) == 0) {
            if (klen >= len)
                return "";
            return form_decode(&req->arena, p + klen + 1, len - klen - 1);
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return NULL;
}

bool http_query_each(struct http_req *req, bool (*fn)(void *arg, const char *name), void *arg)
{
    if (req == NULL || req->query == NULL)
        return true;
    for (const char *p = req->query; *p != '\0';) {
        size_t len = strcspn(p, "&");
        size_t klen = strcspn(p, "=&");
        if (klen > 0) {
            char *key = form_decode(&req->arena, p, klen);
            if (key == NULL || !fn(arg, key))
                return false;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return true;
}
