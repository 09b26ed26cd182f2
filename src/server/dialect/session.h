/* session.h: who a console session cookie names, for every API the
 * console calls with it (the admin API for operators, the trader API for
 * traders, the merchant API for merchant users), as signed.h is for
 * signatures. The sessions themselves are core/login.h's; the sign-in
 * that makes them is dialect/console/session.c.
 *
 * The cookie is `kassa_session=<token>`; every request made with it but a
 * GET or HEAD must carry `X-CSRF-Token: <the session's csrf token>`. */
#ifndef KASSA_DIALECT_SESSION_H
#define KASSA_DIALECT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/login.h"
#include "http/http.h"

#define CONSOLE_COOKIE "kassa_session"

enum {
    CONSOLE_ANY = LOGIN_NONE,
    CONSOLE_OPERATOR = LOGIN_OPERATOR,
    CONSOLE_TRADER = LOGIN_TRADER,
    CONSOLE_MERCHANT = LOGIN_MERCHANT
};

/* The signed-in principal: user_id is the operator's, trader's or
 * merchant user's id (operator_id, trader_id, merchant_id set by kind);
 * role for operators. */
struct console_principal {
    int kind; /* CONSOLE_OPERATOR|CONSOLE_TRADER|CONSOLE_MERCHANT */
    int64_t user_id, operator_id, trader_id, merchant_id;
    int role; /* enum op_role */
    char name[OP_NAME_SIZE];
    char csrf[65];
    char token_hash[65];
};

/* The principal of req's session cookie when it is of `kind` (CONSOLE_ANY:
 * any): 0; 401 (no cookie, an unknown, ended or idle session, a disabled
 * principal, another kind), 403 (a request but GET or HEAD without the
 * session's X-CSRF-Token), 503 (the store cannot say now); msg says which
 * ("not signed in", "missing or wrong CSRF token"). Answers nothing. */
int console_principal_of(struct http_req *req, int kind, struct console_principal *out, char *msg,
                         size_t msglen);

/* Whether req carries a session cookie (of any worth). */
bool console_has_cookie(struct http_req *req);

/* The value of cookie `name` in a Cookie header `h` (NULL: none) into out
 * (size bytes); false when absent or too long (fuzz/fuzz_session.c). */
bool cookie_find(const char *h, const char *name, char *out, size_t size);

#endif
