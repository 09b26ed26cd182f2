/* operator.c: named operators, their roles and API tokens, and the audit
 * log every admin write leaves in its own transaction (see core.h). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/random.h"
#include "core.h"
#include "login.h"
#include "query.h"

/* ---- roles --------------------------------------------------------------- */

bool role_may(enum op_role role, enum op_perm perm)
{
    switch (role) {
    case ROLE_OWNER:
        return true;
    case ROLE_ADMIN:
        return perm != PERM_OPERATORS;
    case ROLE_SUPPORT:
        return perm == PERM_READ || perm == PERM_ORDERS;
    case ROLE_FINANCE:
        return perm == PERM_READ || perm == PERM_FINANCE;
    case ROLE_VIEWER:
        return perm == PERM_READ;
    default:
        return false;
    }
}

/* ---- tokens -------------------------------------------------------------- */

void operator_token_hash(const char *token, char hash[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), md);
    hex_encode(md, sizeof md, hash, false);
}

void operator_token_new(char token[OP_TOKEN_SIZE], char hash[65])
{
    memcpy(token, OP_TOKEN_PREFIX, sizeof OP_TOKEN_PREFIX - 1);
    random_hex(token + sizeof OP_TOKEN_PREFIX - 1, 24, false);
    operator_token_hash(token, hash);
}

/* Tokens used since the last flush, with when (the sweeper writes them:
 * a read-only request writes nothing on its own path). A token already
 * written within TOUCH_EVERY seconds is not noted again. */
#define TOUCH_SLOTS 256
#define TOUCH_EVERY 60

static pthread_mutex_t touch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int64_t id, used_at, written_at;
    bool dirty;
} touches[TOUCH_SLOTS];

static void token_used(int64_t id, int64_t now)
{
    pthread_mutex_lock(&touch_mu);
    size_t slot = (size_t)id % TOUCH_SLOTS;
    if (touches[slot].id != id) {
        touches[slot].id = id;
        touches[slot].written_at = 0;
    }
    if (now - touches[slot].written_at >= TOUCH_EVERY) {
        touches[slot].used_at = now;
        touches[slot].dirty = true;
    }
    pthread_mutex_unlock(&touch_mu);
}

struct touch_cmd {
    struct store_task task;
    int n;
    int64_t id[TOUCH_SLOTS], at[TOUCH_SLOTS];
};

static kassa_err touch_apply(struct store_conn *c, struct store_task *task)
{
    struct touch_cmd *cmd = container_of(task, struct touch_cmd, task);
    for (int i = 0; i < cmd->n; i++) {
        kassa_err err = store_token_set(c, cmd->id[i], false, cmd->at[i]);
        if (err != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

void operator_touch_flush(core_run_fn run)
{
    struct touch_cmd *cmd = calloc(1, sizeof *cmd);
    if (cmd == NULL)
        return;
    pthread_mutex_lock(&touch_mu);
    for (size_t i = 0; i < TOUCH_SLOTS; i++)
        if (touches[i].dirty) {
            cmd->id[cmd->n] = touches[i].id;
            cmd->at[cmd->n++] = touches[i].used_at;
            touches[i].dirty = false;
            touches[i].written_at = touches[i].used_at;
        }
    pthread_mutex_unlock(&touch_mu);
    cmd->task.run = touch_apply;
    if (cmd->n > 0 && run(&cmd->task) != KASSA_OK)
        log_warn("token last-use times not written", "tokens=%d", cmd->n);
    free(cmd);
}

kassa_err operator_authenticate(const char *token, struct op_actor *out)
{
    char hash[65];
    struct op_token t;
    struct operator op;
    if (strncmp(token, OP_TOKEN_PREFIX, sizeof OP_TOKEN_PREFIX - 1) != 0 ||
        strlen(token) != OP_TOKEN_SIZE - 1)
        return KASSA_ENOTFOUND;
    operator_token_hash(token, hash);
    kassa_err err = query_token_by_hash(hash, &t, &op);
    if (err != KASSA_OK)
        return err;
    /* The index found it by hash; compare the whole hash in constant time
     * all the same. */
    if (CRYPTO_memcmp(t.hash, hash, 64) != 0 || t.revoked_at != 0 || op.disabled)
        return KASSA_ENOTFOUND;
    out->operator_id = op.id;
    out->token_id = t.id;
    out->role = op.role;
    snprintf(out->name, sizeof out->name, "%s", op.name);
    token_used(t.id, clock_now());
    return KASSA_OK;
}

/* ---- passwords ----------------------------------------------------------- */

/* scrypt (memory-hard): N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s here),
 * kept as "scrypt$15$8$1$<salt hex>$<key hex>". */
#define SCRYPT_LOG_N 15
#define SCRYPT_R 8
#define SCRYPT_P 1

static bool scrypt_key(const char *password, const unsigned char *salt, size_t salt_len, int log_n,
                       int r, int p, unsigned char *key, size_t key_len)
{
    return EVP_PBE_scrypt(password, strlen(password), salt, salt_len, (uint64_t)1 << log_n,
                          (uint64_t)r, (uint64_t)p, (uint64_t)64 << 20, key, key_len) == 1;
}

kassa_err operator_password_hash(const char *password, char *out, size_t size)
{
    unsigned char salt[16], key[32];
    char salt_hex[33], key_hex[65];
    random_bytes(salt, sizeof salt);
    if (!scrypt_key(password, salt, sizeof salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, key, sizeof key))
        return KASSA_ENOMEM;
    hex_encode(salt, sizeof salt, salt_hex, false);
    hex_encode(key, sizeof key, key_hex, false);
    int n = snprintf(out, size, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, salt_hex,
                     key_hex);
    return n > 0 && (size_t)n < size ? KASSA_OK : KASSA_EINVAL;
}

bool operator_password_check(const char *password, const char *stored)
{
    int log_n, r, p;
    char salt_hex[33], key_hex[65];
    if (sscanf(stored, "scrypt$%d$%d$%d$%32[0-9a-f]$%64[0-9a-f]", &log_n, &r, &p, salt_hex,
               key_hex) != 5 ||
        strlen(salt_hex) != 32 || strlen(key_hex) != 64 || log_n < 10 || log_n > 20 || r < 1 ||
        r > 32 || p < 1 || p > 4)
        return false;
    unsigned char salt[16], want[32], got[32];
    for (int i = 0; i < 16; i++)
        sscanf(salt_hex + 2 * i, "%2hhx", &salt[i]);
    for (int i = 0; i < 32; i++)
        sscanf(key_hex + 2 * i, "%2hhx", &want[i]);
    if (!scrypt_key(password, salt, sizeof salt, log_n, r, p, got, sizeof got))
        return false;
    return CRYPTO_memcmp(got, want, sizeof got) == 0;
}

/* ---- commands ------------------------------------------------------------ */

kassa_err operator_create_prepare(struct operator_cmd *cmd, const char *password, char *msg,
                                  size_t msglen)
{
    struct operator* op = & cmd->op;
    if (op->name[0] == '\0') {
        snprintf(msg, msglen, "name: required");
        return KASSA_EINVAL;
    }
    if (op->role == ROLE_NONE) {
        snprintf(msg, msglen, "role: expected owner, admin, support, finance or viewer");
        return KASSA_EINVAL;
    }
    if ((op->login[0] == '\0') != (password == NULL)) {
        snprintf(msg, msglen, "login and password: give both or neither");
        return KASSA_EINVAL;
    }
    if (op->login[0] != '\0' && !login_valid(op->login, msg, msglen))
        return KASSA_EINVAL;
    if (password != NULL)
        return login_password_prepare(password, op->password_hash, sizeof op->password_hash, msg,
                                      msglen);
    return KASSA_OK;
}

kassa_err operator_create_apply(struct store_conn *c, struct store_task *task)
{
    struct operator_cmd *cmd = container_of(task, struct operator_cmd, task);
    struct login other;
    if (cmd->op.login[0] != '\0') {
        /* Unique across operators, traders and merchant users. */
        kassa_err err = store_login_get(c, cmd->op.login, &other);
        if (err == KASSA_OK)
            return KASSA_EEXIST;
        if (err != KASSA_ENOTFOUND)
            return err;
    }
    cmd->op.created_at = clock_now();
    kassa_err err = store_operator_insert(c, &cmd->op);
    if (err == KASSA_OK && cmd->op.login[0] != '\0')
        err = login_set(c, LOGIN_OPERATOR, cmd->op.id, cmd->op.login, cmd->op.password_hash);
    return err;
}

kassa_err operator_update_apply(struct store_conn *c, struct store_task *task)
{
    struct operator_cmd *cmd = container_of(task, struct operator_cmd, task);
    struct operator cur;
    kassa_err err = store_operator_get(c, cmd->op.id, &cur);
    if (err != KASSA_OK)
        return err;
    if (cmd->set & OPERATOR_SET_NAME)
        snprintf(cur.name, sizeof cur.name, "%s", cmd->op.name);
    if (cmd->set & OPERATOR_SET_ROLE)
        cur.role = cmd->op.role;
    if (cmd->set & OPERATOR_SET_DISABLED)
        cur.disabled = cmd->op.disabled;
    if (cmd->set & OPERATOR_SET_PASSWORD) {
        /* The logins' row first: KASSA_EEXIST when another has it. */
        err = login_set(c, LOGIN_OPERATOR, cur.id, cmd->op.login, cmd->op.password_hash);
        if (err != KASSA_OK)
            return err;
        snprintf(cur.login, sizeof cur.login, "%s", cmd->op.login);
        snprintf(cur.password_hash, sizeof cur.password_hash, "%s", cmd->op.password_hash);
    }
    /* An operator does not change their own role or switch themselves
     * off: an owner could lock every owner out that way. */
    if ((cmd->set & (OPERATOR_SET_ROLE | OPERATOR_SET_DISABLED)) && cmd->self)
        return KASSA_ESTATE;
    if ((err = store_operator_update(c, &cur)) != KASSA_OK)
        return err;
    if (cur.disabled && (err = store_sessions_end(c, LOGIN_OPERATOR, cur.id)) != KASSA_OK)
        return err;
    cmd->op = cur;
    return KASSA_OK;
}

kassa_err token_create_apply(struct store_conn *c, struct store_task *task)
{
    struct token_cmd *cmd = container_of(task, struct token_cmd, task);
    struct operator op;
    kassa_err err = store_operator_get(c, cmd->t.operator_id, &op);
    if (err != KASSA_OK)
        return err;
    if (op.disabled)
        return KASSA_ESTATE;
    cmd->t.created_at = clock_now();
    return store_token_insert(c, &cmd->t);
}

kassa_err token_revoke_apply(struct store_conn *c, struct store_task *task)
{
    struct token_cmd *cmd = container_of(task, struct token_cmd, task);
    kassa_err err = store_token_get(c, cmd->t.id, &cmd->t);
    if (err != KASSA_OK)
        return err;
    if (cmd->only_operator != 0 && cmd->t.operator_id != cmd->only_operator)
        return KASSA_ENOTFOUND; /* another's token: as if there were none */
    if (cmd->t.revoked_at == 0) {
        int64_t now = clock_now();
        if ((err = store_token_set(c, cmd->t.id, true, now)) != KASSA_OK)
            return err;
        cmd->t.revoked_at = now;
    }
    return KASSA_OK;
}

/* ---- the audit log ------------------------------------------------------- */

/* A record's JSON, or "" when there is none (yet, or any more). */
static kassa_err snapshot(struct store_conn *c, const struct audit_entry *e, char *out)
{
    kassa_err err = store_record_json(c, e->target_kind, e->target_id, out, AUDIT_VALUE_SIZE);
    if (err == KASSA_ENOTFOUND || err == KASSA_ENOMEM) {
        out[0] = '\0';
        return KASSA_OK;
    }
    return err;
}

kassa_err audited_run(struct store_conn *c, struct store_task *task)
{
    struct audited_task *a = container_of(task, struct audited_task, task);
    struct audit_entry *e = a->entry;
    kassa_err err;
    if (e->target_id[0] != '\0' && (err = snapshot(c, e, e->before)) != KASSA_OK)
        return err;
    if (e->target_id[0] == '\0')
        e->before[0] = '\0';
    if ((err = a->inner->run(c, a->inner)) != KASSA_OK)
        return err;
    if (a->created_id != NULL && *a->created_id > 0)
        snprintf(e->target_id, sizeof e->target_id, "%lld", (long long)*a->created_id);
    if (e->target_id[0] != '\0' && (err = snapshot(c, e, e->after)) != KASSA_OK)
        return err;
    e->at = clock_now();
    err = store_audit_insert(c, e);
    if (a->created_id != NULL)
        e->target_id[0] = '\0'; /* a run again (a retry) creates anew */
    return err;
}
