/* sql/operators.h: the statements of operators, their tokens and the audit
 * log, one text for both backends ($N placeholders), and their column
 * maps (store/operators.c runs them over query_rows). */
#ifndef KASSA_SQL_OPERATORS_H
#define KASSA_SQL_OPERATORS_H

#include "model/model.h"
#include "row.h"

#define SQL_OPERATOR_COLUMNS                                                                       \
    "id, name, role, COALESCE(login, ''), password_hash, disabled, created_at "

/* $1 name, $2 role, $3 login ("" none), $4 password hash, $5 created_at. */
#define SQL_OPERATOR_INSERT                                                                        \
    "INSERT INTO operators(name, role, login, password_hash, disabled, created_at) VALUES "        \
    "($1, $2, NULLIF($3, ''), $4, 0, $5) RETURNING id"
#define SQL_OPERATOR_BY_ID "SELECT " SQL_OPERATOR_COLUMNS "FROM operators WHERE id = $1"
#define SQL_OPERATOR_BY_LOGIN "SELECT " SQL_OPERATOR_COLUMNS "FROM operators WHERE login = $1"
/* $1 id, $2 name, $3 role, $4 login, $5 password hash, $6 disabled. */
#define SQL_OPERATOR_UPDATE                                                                        \
    "UPDATE operators SET name = $2, role = $3, login = NULLIF($4, ''), password_hash = $5, "      \
    "disabled = $6 WHERE id = $1"

#define SQL_TOKEN_COLUMNS                                                                          \
    "t.id, t.operator_id, t.name, t.token_hash, t.created_at, t.last_used_at, t.revoked_at "

/* $1 operator, $2 name, $3 hash, $4 created_at. */
#define SQL_TOKEN_INSERT                                                                           \
    "INSERT INTO operator_tokens(operator_id, name, token_hash, created_at) VALUES "               \
    "($1, $2, $3, $4) RETURNING id"
#define SQL_TOKEN_BY_ID "SELECT " SQL_TOKEN_COLUMNS "FROM operator_tokens t WHERE t.id = $1"
/* A token with its operator's columns after its own (one look-up per
 * admin request, on the unique index of token_hash). */
#define SQL_TOKEN_BY_HASH                                                                          \
    "SELECT " SQL_TOKEN_COLUMNS ", o.id, o.name, o.role, COALESCE(o.login, ''), "                  \
    "o.password_hash, o.disabled, o.created_at FROM operator_tokens t JOIN operators o ON "        \
    "o.id = t.operator_id WHERE t.token_hash = $1"
#define SQL_TOKEN_OPERATOR_AT 7 /* where the operator's columns start */
#define SQL_TOKEN_REVOKE                                                                           \
    "UPDATE operator_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0"
#define SQL_TOKEN_TOUCH "UPDATE operator_tokens SET last_used_at = $2 WHERE id = $1"

#define SQL_AUDIT_COLUMNS                                                                          \
    "id, at, actor_id, actor, token_id, action, target_kind, target_id, COALESCE(before, ''), "    \
    "COALESCE(after, ''), request_id, client "
#define SQL_AUDIT_INSERT                                                                           \
    "INSERT INTO audit_log(at, actor_id, actor, token_id, action, target_kind, target_id, "        \
    "before, after, request_id, client) VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), "      \
    "NULLIF($9, ''), $10, $11)"

/* Failed authentications of every node (core/guard.c). */
#define SQL_AUTH_FAILURES_ADD                                                                      \
    "INSERT INTO auth_failures(key, window_start, count) VALUES ($1, $2, $3) ON CONFLICT (key, "   \
    "window_start) DO UPDATE SET count = auth_failures.count + excluded.count"
#define SQL_AUTH_FAILURES_LOCKED                                                                   \
    "SELECT key FROM auth_failures WHERE window_start = $1 AND count >= $2 LIMIT 256"
#define SQL_AUTH_FAILURES_PRUNE "DELETE FROM auth_failures WHERE window_start < $1"

void sql_read_operator(const struct sql_row *r, int i, struct operator* op);
void sql_read_token(const struct sql_row *r, int i, struct op_token *t);
void sql_read_audit(const struct sql_row *r, struct audit_entry *e);

/* A page of the operators (by id), of an operator's tokens, of the audit
 * lines f wants. */
void sql_operators_list(int64_t after_id, bool asc, int limit, struct sql_query *q);
void sql_tokens_list(int64_t operator_id, int64_t after_id, bool asc, int limit,
                     struct sql_query *q);
void sql_audit_list(const struct audit_filter *f, struct sql_query *q);

#endif
