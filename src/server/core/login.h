/* login.h: console sign-in (login.c): logins unique across operators,
 * traders and merchant users, their scrypt passwords and TOTP second
 * factor, failed sign-ins counted per login and per client address,
 * console sessions (only a SHA-256 of each token is kept; an idle timeout
 * and an absolute end), and merchant users. Every rule of it lives here;
 * the console dialect parses and renders, the admin and trader APIs take a
 * session as they take their own credentials. All of it is on the
 * database, so several kassad nodes on one PostgreSQL share it. */
#ifndef KASSA_LOGIN_H
#define KASSA_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define SESSION_IDLE_S 1800       /* a session unused this long has ended */
#define SESSION_MAX_S (12 * 3600) /* and every session after this long */
#define SIGNIN_WINDOW_S 900       /* failed sign-ins are counted in windows of this */
#define SIGNIN_LOGIN_MAX 5        /* failures of one login per window */
#define SIGNIN_ADDR_MAX 30        /* failures from one client address per window */
#define PASSWORD_MIN 12           /* characters of a console password */
#define LOGIN_MAX 64              /* characters of a login */
#define SESSION_TOKEN_HEX 64      /* a session token: 32 random bytes as hex */

/* Whether `login` is 1 to LOGIN_MAX of letters, digits and . _ @ -; false
 * with "login: ..." in msg. */
bool login_valid(const char *login, char *msg, size_t msglen);
/* The one password rule (at least PASSWORD_MIN characters) and its scrypt
 * hash into hash (OP_HASH_SIZE); KASSA_EINVAL with "password: ..." in msg. */
kassa_err login_password_prepare(const char *password, char *hash, size_t size, char *msg,
                                 size_t msglen);

/* In a writer's transaction: give principal (kind, id) `login` with its
 * password hash (a new row, or its row renamed and given the hash), or
 * take its login away (login ""). KASSA_EEXIST when another principal has
 * the login. Its sessions end (a new password signs out everywhere). */
kassa_err login_set(struct store_conn *c, enum login_kind kind, int64_t id, const char *login,
                    const char *hash);

/* Who a login or a session belongs to, as read now: their name, an
 * operator's role, a merchant user's merchant, and whether they may sign
 * in (not disabled, a trader not suspended). */
struct principal {
    enum login_kind kind;
    int64_t id;
    enum op_role role;   /* operators */
    int64_t merchant_id; /* merchant users */
    char name[OP_NAME_SIZE];
    bool disabled;
};
/* A reader's look-up; KASSA_ENOTFOUND. */
kassa_err principal_get(enum login_kind kind, int64_t id, struct principal *out);

/* ---- signing in ---------------------------------------------------------- */

enum signin_outcome {
    SIGNIN_OK,
    SIGNIN_WRONG,         /* unknown login, wrong password, or may not sign in */
    SIGNIN_TOTP_REQUIRED, /* the password holds; a one-time code is needed */
    SIGNIN_TOTP_WRONG,    /* the code is wrong or was used already */
};

/* Whether `login` or client `addr` failed too often in the current
 * window: true with *retry_s (>= 1) the seconds until it ends. A store
 * error counts as not locked (*err set). */
bool signin_locked(const char *login, const char *addr, int *retry_s, kassa_err *err);

/* One sign-in: prepared on an HTTP thread (signin_prepare: the password's
 * scrypt check, done as long for an unknown login, and the code's), then
 * run on the writer (signin_apply: a failure is counted; a success takes
 * the code's step, so a code signs in once, and makes the session). */
struct signin_cmd {
    struct store_task task;
    char login[LOGIN_SIZE];
    char addr[64];
    enum signin_outcome outcome;
    struct login l;                    /* the login's row (outcome OK) */
    struct principal p;                /* and whom it names */
    int64_t totp_step;                 /* the code's step; 0: no code */
    char token[SESSION_TOKEN_HEX + 1]; /* the new session's token (the cookie) */
    struct console_session s;
};
/* Fill cmd for login, password and code (NULL: none given). A store
 * error: KASSA_EIO or the like (nothing counted). */
kassa_err signin_prepare(struct signin_cmd *cmd, const char *password, const char *code);
kassa_err signin_apply(struct store_conn *c, struct store_task *task);

/* ---- sessions ------------------------------------------------------------ */

/* The session of cookie token `token` with whom it names: KASSA_OK,
 * KASSA_ENOTFOUND (no such session, ended, idle too long, or its principal
 * disabled), or a store error. Notes its use (written at most once a
 * minute by session_touch_flush). */
kassa_err session_find(const char *token, struct console_session *s, struct principal *p);
/* Whether the login of (kind, id) has TOTP on, and its language ("en"
 * when none). */
kassa_err session_login_of(enum login_kind kind, int64_t id, struct login *out);
/* The sweeper's: write the sessions' last use noted since the last call
 * and forget ended sessions and old failed sign-ins. */
void session_touch_flush(core_run_fn run);

/* Sign out: the session of token hash `hash` is deleted. */
struct session_end_cmd {
    struct store_task task;
    char hash[65];
};
kassa_err session_end_apply(struct store_conn *c, struct store_task *task);

/* TOTP of a signed-in principal: setup (a new pending secret, out in
 * secret; KASSA_ESTATE when TOTP is on already), enable (the pending
 * secret becomes the factor when `code` is its code; KASSA_ESTATE without
 * a pending one, KASSA_EINVAL for a wrong code), disable (when `code` is
 * the factor's code; KASSA_ESTATE when it is off, KASSA_EINVAL). */
enum totp_action { TOTP_SETUP, TOTP_ENABLE, TOTP_DISABLE };
struct totp_cmd {
    struct store_task task;
    enum totp_action action;
    enum login_kind kind;
    int64_t principal_id;
    char code[16];
    char secret[TOTP_SECRET_SIZE];
    char login[LOGIN_SIZE]; /* out */
};
kassa_err totp_apply(struct store_conn *c, struct store_task *task);

/* ---- merchant users ------------------------------------------------------ */

enum merchant_user_setting {
    MERCHANT_USER_SET_NAME = 1 << 0,
    MERCHANT_USER_SET_DISABLED = 1 << 1,
    MERCHANT_USER_SET_PASSWORD = 1 << 2,
};
/* Create (u.merchant_id, u.name, u.login and password_hash in; id out;
 * KASSA_ENOTFOUND for no such merchant, KASSA_EEXIST for a taken login) or
 * update (u.id, u.merchant_id and the members `set` names; the user as
 * stored out; KASSA_ENOTFOUND also for another merchant's user). Switching
 * a user off or a new password ends their sessions. */
struct merchant_user_cmd {
    struct store_task task;
    struct merchant_user u;
    char password_hash[OP_HASH_SIZE];
    unsigned set;
};
kassa_err merchant_user_create_apply(struct store_conn *c, struct store_task *task);
kassa_err merchant_user_update_apply(struct store_conn *c, struct store_task *task);
/* A reader's look-ups: one user, a merchant's users (KASSA_ENOTFOUND when
 * the merchant does not exist). */
kassa_err merchant_user_get(int64_t id, struct merchant_user *out);
kassa_err merchant_users_list(int64_t merchant_id,
                              bool (*fn)(void *arg, const struct merchant_user *u), void *arg);

#endif
