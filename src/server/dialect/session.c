/* session.c: a console session cookie's principal (session.h). */
#include "dialect/session.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

bool cookie_find(const char *h, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    while (h != NULL && *h != '\0') {
        while (*h == ' ' || *h == ';')
            h++;
        size_t len = strcspn(h, ";");
        if (len > n && strncmp(h, name, n) == 0 && h[n] == '=') {
            size_t vlen = len - n - 1;
            while (vlen > 0 && h[n + vlen] == ' ')
                vlen--;
            if (vlen >= size)
                return false;
            memcpy(out, h + n + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        h += len;
    }
    return false;
}

static bool cookie_value(struct http_req *req, const char *name, char *out, size_t size)
{
    return cookie_find(http_header(req, "Cookie"), name, out, size);
}

bool console_has_cookie(struct http_req *req)
{
    char token[SESSION_TOKEN_HEX + 2];
    return cookie_value(req, CONSOLE_COOKIE, token, sizeof token);
}

int console_principal_of(struct http_req *req, int kind, struct console_principal *out, char *msg,
                         size_t msglen)
{
    char token[SESSION_TOKEN_HEX + 2];
    struct console_session s;
    struct principal p;
    memset(out, 0, sizeof *out);
    snprintf(msg, msglen, "not signed in");
    if (!cookie_value(req, CONSOLE_COOKIE, token, sizeof token))
        return 401;
    kassa_err err = session_find(token, &s, &p);
    explicit_bzero(token, sizeof token);
    if (err == KASSA_ENOTFOUND || (err == KASSA_OK && kind != CONSOLE_ANY && (int)s.kind != kind))
        return 401;
    if (err != KASSA_OK) {
        snprintf(msg, msglen, "cannot check the session now; try again shortly");
        return 503;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        const char *h = http_header(req, "X-CSRF-Token");
        size_t n = strlen(s.csrf);
        if (h == NULL || n == 0 || strlen(h) != n || CRYPTO_memcmp(h, s.csrf, n) != 0) {
            snprintf(msg, msglen, "missing or wrong CSRF token");
            return 403;
        }
    }
    out->kind = (int)s.kind;
    out->user_id = s.principal_id;
    if (s.kind == LOGIN_OPERATOR)
        out->operator_id = s.principal_id;
    else if (s.kind == LOGIN_TRADER)
        out->trader_id = s.principal_id;
    else
        out->merchant_id = p.merchant_id;
    out->role = (int)p.role;
    core_copy(out->name, sizeof out->name, p.name);
    core_copy(out->csrf, sizeof out->csrf, s.csrf);
    core_copy(out->token_hash, sizeof out->token_hash, s.token_hash);
    msg[0] = '\0';
    return 0;
}
