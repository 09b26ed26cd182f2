/* TEMPORARY stand-in for dialect/session.h (wt-sess), removed once it
 * lands: X-Standin-Merchant: <merchant_id> signs in; a change needs
 * X-CSRF-Token: standin. */
#ifndef KASSA_SESSION_STANDIN_H
#define KASSA_SESSION_STANDIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

enum { CONSOLE_OPERATOR = 1, CONSOLE_TRADER, CONSOLE_MERCHANT };

struct console_principal {
    int kind;
    int64_t user_id, operator_id, trader_id, merchant_id;
    int role;
    char name[64];
};

static inline int console_principal_of(struct http_req *req, int kind,
                                       struct console_principal *out, char *msg, size_t msglen)
{
    const char *m = http_header(req, "X-Standin-Merchant");
    if (m == NULL || kind != CONSOLE_MERCHANT) {
        snprintf(msg, msglen, "not signed in");
        return 401;
    }
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->merchant_id = strtoll(m, NULL, 10);
    out->user_id = out->merchant_id * 10;
    snprintf(out->name, sizeof out->name, "standin");
    const char *csrf = http_header(req, "X-CSRF-Token");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
        (csrf == NULL || strcmp(csrf, "standin") != 0)) {
        snprintf(msg, msglen, "missing or wrong CSRF token");
        return 403;
    }
    return 0;
}

#endif
