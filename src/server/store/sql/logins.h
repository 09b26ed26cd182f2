/* sql/logins.h: the statements of console sign-in (logins, merchant users,
 * console sessions, failed sign-ins), one text for both backends ($N
 * placeholders); store/logins.c runs them over query_rows. */
#ifndef KASSA_SQL_LOGINS_H
#define KASSA_SQL_LOGINS_H

#define SQL_LOGIN_COLUMNS                                                                          \
    "login, kind, principal_id, password_hash, totp_secret, totp_pending, totp_last_step, lang "

#define SQL_LOGIN_BY_NAME "SELECT " SQL_LOGIN_COLUMNS "FROM logins WHERE login = $1"
/* $1 kind, $2 principal id. */
#define SQL_LOGIN_BY_PRINCIPAL                                                                     \
    "SELECT " SQL_LOGIN_COLUMNS "FROM logins WHERE kind = $1 AND principal_id = $2"
/* $1 login, $2 kind, $3 principal id, $4 password hash. */
#define SQL_LOGIN_INSERT                                                                           \
    "INSERT INTO logins(login, kind, principal_id, password_hash) VALUES ($1, $2, $3, $4)"
/* $1 kind, $2 principal id, $3 login, $4 password hash. */
#define SQL_LOGIN_UPDATE                                                                           \
    "UPDATE logins SET login = $3, password_hash = $4 WHERE kind = $1 AND principal_id = $2"
#define SQL_LOGIN_DELETE "DELETE FROM logins WHERE kind = $1 AND principal_id = $2"
/* $1 kind, $2 principal id, $3 secret, $4 pending secret, $5 last step. */
#define SQL_LOGIN_TOTP                                                                             \
    "UPDATE logins SET totp_secret = $3, totp_pending = $4, totp_last_step = $5 WHERE kind = $1 "  \
    "AND principal_id = $2"

#define SQL_SESSION_COLUMNS                                                                        \
    "token_hash, csrf, kind, principal_id, created_at, last_seen, expires_at "
#define SQL_SESSION_INSERT                                                                         \
    "INSERT INTO console_sessions(token_hash, csrf, kind, principal_id, created_at, last_seen, "   \
    "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
#define SQL_SESSION_BY_HASH                                                                        \
    "SELECT " SQL_SESSION_COLUMNS "FROM console_sessions WHERE token_hash = $1"
#define SQL_SESSION_DELETE "DELETE FROM console_sessions WHERE token_hash = $1"
/* Every session of a principal ($1 kind, $2 id): a new password ends them. */
#define SQL_SESSIONS_END "DELETE FROM console_sessions WHERE kind = $1 AND principal_id = $2"
/* $1 hash, $2 when: last_seen never goes back. */
#define SQL_SESSION_TOUCH                                                                          \
    "UPDATE console_sessions SET last_seen = $2 WHERE token_hash = $1 AND last_seen < $2"
/* Sessions past their end ($1 now) or idle since before $2. */
#define SQL_SESSIONS_PRUNE "DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen <= $2"

#define SQL_MERCHANT_EXISTS "SELECT id FROM merchants WHERE id = $1"
#define SQL_MERCHANT_USER_COLUMNS                                                                  \
    "u.id, u.merchant_id, u.name, COALESCE(l.login, ''), u.disabled, u.created_at "
#define SQL_MERCHANT_USER_FROM                                                                     \
    "FROM merchant_users u LEFT JOIN logins l ON l.kind = 'merchant' AND l.principal_id = u.id "
/* $1 merchant, $2 name, $3 created_at. */
#define SQL_MERCHANT_USER_INSERT                                                                   \
    "INSERT INTO merchant_users(merchant_id, name, disabled, created_at) VALUES ($1, $2, 0, $3) "  \
    "RETURNING id"
#define SQL_MERCHANT_USER_BY_ID                                                                    \
    "SELECT " SQL_MERCHANT_USER_COLUMNS SQL_MERCHANT_USER_FROM "WHERE u.id = $1"
#define SQL_MERCHANT_USERS_LIST                                                                    \
    "SELECT " SQL_MERCHANT_USER_COLUMNS SQL_MERCHANT_USER_FROM                                     \
    "WHERE u.merchant_id = $1 ORDER BY u.id LIMIT 1000"
/* $1 id, $2 name, $3 disabled. */
#define SQL_MERCHANT_USER_UPDATE "UPDATE merchant_users SET name = $2, disabled = $3 WHERE id = $1"

/* Failed sign-ins in fixed windows ($1 key, $2 window start). */
#define SQL_SIGNIN_FAILURES_ADD                                                                    \
    "INSERT INTO signin_failures(key, window_start, count) VALUES ($1, $2, 1) ON CONFLICT (key, "  \
    "window_start) DO UPDATE SET count = signin_failures.count + 1"
#define SQL_SIGNIN_FAILURES_COUNT                                                                  \
    "SELECT count FROM signin_failures WHERE key = $1 AND window_start = $2"
#define SQL_SIGNIN_FAILURES_PRUNE "DELETE FROM signin_failures WHERE window_start < $1"

#endif
