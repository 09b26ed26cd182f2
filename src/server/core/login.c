/* login.c: console sign-in, sessions, TOTP and merchant users (login.h). */
#include "login.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/totp.h"
#include "store/store.h"

/* Run `expr` (on `c`) on a reader; KASSA_EIO without one. */
#define ON_READER(c, expr)                                                                         \
    do {                                                                                           \
        struct store_conn *c = core_store() ? store_reader(core_store()) : NULL;                   \
        if (c == NULL)                                                                             \
            return KASSA_EIO;                                                                      \
        kassa_err err_ = (expr);                                                                   \
        store_release(c);                                                                          \
        return err_;                                                                               \
    } while (0)

/* ---- rules --------------------------------------------------------------- */

bool login_valid(const char *login, char *msg, size_t msglen)
{
    size_t n = strlen(login);
    bool ok = n >= 1 && n <= LOGIN_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = login[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             strchr("._@-", ch) != NULL;
    }
    if (!ok)
        snprintf(msg, msglen, "login: 1 to %d letters, digits or . _ @ -", LOGIN_MAX);
    return ok;
}

kassa_err login_password_prepare(const char *password, char *hash, size_t size, char *msg,
                                 size_t msglen)
{
    if (strlen(password) < PASSWORD_MIN) {
        snprintf(msg, msglen, "password: at least %d characters", PASSWORD_MIN);
        return KASSA_EINVAL;
    }
    if (operator_password_hash(password, hash, size) != KASSA_OK) {
        snprintf(msg, msglen, "password: cannot be hashed");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

kassa_err login_set(struct store_conn *c, enum login_kind kind, int64_t id, const char *login,
                    const char *hash)
{
    kassa_err err;
    if (login[0] != '\0') {
        struct login other;
        err = store_login_get(c, login, &other);
        if (err == KASSA_OK && (other.kind != kind || other.principal_id != id))
            return KASSA_EEXIST;
        if (err != KASSA_OK && err != KASSA_ENOTFOUND)
            return err;
        struct login l = {.kind = kind, .principal_id = id};
        core_copy(l.login, sizeof l.login, login);
        core_copy(l.password_hash, sizeof l.password_hash, hash);
        err = store_login_put(c, &l);
    } else {
        err = store_login_remove(c, kind, id);
    }
    return err == KASSA_OK ? store_sessions_end(c, kind, id) : err;
}

/* ---- principals ---------------------------------------------------------- */

static kassa_err principal_read(struct store_conn *c, enum login_kind kind, int64_t id,
                                struct principal *p)
{
    *p = (struct principal){.kind = kind, .id = id};
    kassa_err err = KASSA_ENOTFOUND;
    if (kind == LOGIN_OPERATOR) {
        struct operator op;
        if ((err = store_operator_get(c, id, &op)) == KASSA_OK) {
            p->role = op.role;
            p->disabled = op.disabled != 0;
            core_copy(p->name, sizeof p->name, op.name);
        }
    } else if (kind == LOGIN_TRADER) {
        struct trader t;
        if ((err = store_trader_get(c, id, &t)) == KASSA_OK) {
            p->disabled = !t.active;
            core_copy(p->name, sizeof p->name, t.name);
        }
    } else if (kind == LOGIN_MERCHANT) {
        struct merchant_user u;
        if ((err = store_merchant_user_get(c, id, &u)) == KASSA_OK) {
            p->merchant_id = u.merchant_id;
            p->disabled = u.disabled != 0;
            core_copy(p->name, sizeof p->name, u.name);
        }
    }
    return err;
}

kassa_err principal_get(enum login_kind kind, int64_t id, struct principal *out)
{
    ON_READER(c, principal_read(c, kind, id, out));
}

/* ---- signing in ---------------------------------------------------------- */

static int64_t window_start(int64_t now)
{
    return now / SIGNIN_WINDOW_S * SIGNIN_WINDOW_S;
}

static void key_login(char *out, size_t size, const char *login)
{
    snprintf(out, size, "login:%s", login);
}

static void key_addr(char *out, size_t size, const char *addr)
{
    snprintf(out, size, "addr:%s", addr);
}

static kassa_err failures_of(const char *login, const char *addr, int64_t ws, int64_t *by_login,
                             int64_t *by_addr)
{
    struct store_conn *c = core_store() ? store_reader(core_store()) : NULL;
    if (c == NULL)
        return KASSA_EIO;
    char k[LOGIN_SIZE + 16];
    key_login(k, sizeof k, login);
    kassa_err err = store_signin_failures(c, k, ws, by_login);
    key_addr(k, sizeof k, addr);
    if (err == KASSA_OK)
        err = store_signin_failures(c, k, ws, by_addr);
    store_release(c);
    return err;
}

bool signin_locked(const char *login, const char *addr, int *retry_s, kassa_err *err)
{
    int64_t now = clock_now(), ws = window_start(now), by_login = 0, by_addr = 0;
    *err = failures_of(login, addr, ws, &by_login, &by_addr);
    if (*err != KASSA_OK)
        return false;
    if (by_login < SIGNIN_LOGIN_MAX && by_addr < SIGNIN_ADDR_MAX)
        return false;
    int64_t left = ws + SIGNIN_WINDOW_S - now;
    *retry_s = left > 0 ? (int)left : 1;
    return true;
}

/* A hash of the stored form no password has (a random salt and key): an
 * unknown login's password is checked against it, so the answer takes as
 * long as for a known one. */
static char dummy_hash[OP_HASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    char pw[33];
    random_hex(pw, 16, false);
    operator_password_hash(pw, dummy_hash, sizeof dummy_hash);
}

static kassa_err login_read(const char *login, struct login *out)
{
    ON_READER(c, store_login_get(c, login, out));
}

kassa_err signin_prepare(struct signin_cmd *cmd, const char *password, const char *code)
{
    pthread_once(&dummy_once, dummy_init);
    cmd->task.run = signin_apply;
    cmd->outcome = SIGNIN_WRONG;
    kassa_err err = login_read(cmd->login, &cmd->l);
    if (err != KASSA_OK && err != KASSA_ENOTFOUND)
        return err;
    bool known = err == KASSA_OK;
    bool ok = operator_password_check(password, known ? cmd->l.password_hash : dummy_hash);
    if (!known || !ok)
        return KASSA_OK;
    err = principal_get(cmd->l.kind, cmd->l.principal_id, &cmd->p);
    if (err == KASSA_ENOTFOUND || (err == KASSA_OK && cmd->p.disabled))
        return KASSA_OK;
    if (err != KASSA_OK)
        return err;
    if (cmd->l.totp_secret[0] != '\0') {
        if (code == NULL || code[0] == '\0') {
            cmd->outcome = SIGNIN_TOTP_REQUIRED;
            return KASSA_OK;
        }
        if (!totp_check(cmd->l.totp_secret, code, clock_now(), cmd->l.totp_last_step,
                        &cmd->totp_step)) {
            cmd->outcome = SIGNIN_TOTP_WRONG;
            return KASSA_OK;
        }
    }
    cmd->outcome = SIGNIN_OK;
    random_hex(cmd->token, SESSION_TOKEN_HEX / 2, false);
    operator_token_hash(cmd->token, cmd->s.token_hash);
    random_hex(cmd->s.csrf, 24, false);
    cmd->s.kind = cmd->l.kind;
    cmd->s.principal_id = cmd->l.principal_id;
    return KASSA_OK;
}

static kassa_err count_failure(struct store_conn *c, const struct signin_cmd *cmd)
{
    char k[LOGIN_SIZE + 16];
    int64_t ws = window_start(clock_now());
    key_login(k, sizeof k, cmd->login);
    kassa_err err = store_signin_failure_add(c, k, ws);
    key_addr(k, sizeof k, cmd->addr);
    return err == KASSA_OK ? store_signin_failure_add(c, k, ws) : err;
}

kassa_err signin_apply(struct store_conn *c, struct store_task *task)
{
    struct signin_cmd *cmd = container_of(task, struct signin_cmd, task);
    if (cmd->outcome == SIGNIN_TOTP_REQUIRED)
        return KASSA_OK; /* the password held: nothing to count, nothing to make */
    if (cmd->outcome == SIGNIN_OK && cmd->totp_step > 0) {
        /* The code's step, taken in the writer: of two sign-ins with one
         * code (on any node), the second finds it used. */
        struct login cur;
        kassa_err err = store_login_of(c, cmd->l.kind, cmd->l.principal_id, &cur);
        if (err != KASSA_OK)
            return err;
        if (cmd->totp_step <= cur.totp_last_step)
            cmd->outcome = SIGNIN_TOTP_WRONG;
        else {
            cur.totp_last_step = cmd->totp_step;
            if ((err = store_login_totp(c, &cur)) != KASSA_OK)
                return err;
        }
    }
    if (cmd->outcome != SIGNIN_OK)
        return count_failure(c, cmd);
    int64_t now = clock_now();
    cmd->s.created_at = now;
    cmd->s.last_seen = now;
    cmd->s.expires_at = now + SESSION_MAX_S;
    return store_session_insert(c, &cmd->s);
}

/* ---- sessions ------------------------------------------------------------ */

/* Sessions used since the last flush, with when (as operator tokens are:
 * a read writes nothing on its own path). A session already written
 * within TOUCH_EVERY seconds is not noted again. */
#define TOUCH_SLOTS 256
#define TOUCH_EVERY 60

static pthread_mutex_t touch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char hash[65];
    int64_t used_at, written_at;
    bool dirty;
} touches[TOUCH_SLOTS];

static size_t touch_slot(const char *hash)
{
    size_t h = 0;
    for (int i = 0; i < 8 && hash[i]; i++)
        h = h * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return h % TOUCH_SLOTS;
}

/* Note a use at now; the last use this node knows of (0: none). */
static int64_t session_used(const char *hash, int64_t now, int64_t stored)
{
    pthread_mutex_lock(&touch_mu);
    size_t slot = touch_slot(hash);
    if (strcmp(touches[slot].hash, hash) != 0) {
        core_copy(touches[slot].hash, sizeof touches[slot].hash, hash);
        touches[slot].used_at = stored;
        touches[slot].written_at = stored;
        touches[slot].dirty = false;
    }
    int64_t last = touches[slot].used_at > stored ? touches[slot].used_at : stored;
    touches[slot].used_at = now;
    if (now - touches[slot].written_at >= TOUCH_EVERY)
        touches[slot].dirty = true;
    pthread_mutex_unlock(&touch_mu);
    return last;
}

kassa_err session_find(const char *token, struct console_session *s, struct principal *p)
{
    char hash[65];
    size_t n = strlen(token);
    if (n != SESSION_TOKEN_HEX)
        return KASSA_ENOTFOUND;
    operator_token_hash(token, hash);
    struct store_conn *c = core_store() ? store_reader(core_store()) : NULL;
    if (c == NULL)
        return KASSA_EIO;
    kassa_err err = store_session_get(c, hash, s);
    if (err == KASSA_OK && CRYPTO_memcmp(s->token_hash, hash, 64) != 0)
        err = KASSA_ENOTFOUND;
    int64_t now = clock_now();
    if (err == KASSA_OK && now >= s->expires_at)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = principal_read(c, s->kind, s->principal_id, p);
    store_release(c);
    if (err == KASSA_OK && p->disabled)
        err = KASSA_ENOTFOUND;
    if (err != KASSA_OK)
        return err;
    int64_t last = session_used(hash, now, s->last_seen);
    if (now - last >= SESSION_IDLE_S)
        return KASSA_ENOTFOUND;
    return KASSA_OK;
}

kassa_err session_login_of(enum login_kind kind, int64_t id, struct login *out)
{
    ON_READER(c, store_login_of(c, kind, id, out));
}

struct touch_cmd {
    struct store_task task;
    int n;
    char hash[TOUCH_SLOTS][65];
    int64_t at[TOUCH_SLOTS];
    bool prune;
    int64_t now; /* read before the uses were collected: none after it is missed */
};

static kassa_err touch_apply(struct store_conn *c, struct store_task *task)
{
    struct touch_cmd *cmd = container_of(task, struct touch_cmd, task);
    kassa_err err = KASSA_OK;
    for (int i = 0; i < cmd->n && err == KASSA_OK; i++)
        err = store_session_touch(c, cmd->hash[i], cmd->at[i]);
    if (err == KASSA_OK && cmd->prune) {
        /* last_seen is written at most every TOUCH_EVERY seconds (and by
         * each node for its own uses): a session is forgotten only once
         * idle by that much more; session_find ends it on time. */
        int64_t now = cmd->now;
        err = store_sessions_prune(c, now, now - SESSION_IDLE_S - TOUCH_EVERY - 5);
        if (err == KASSA_OK)
            err = store_signin_failures_prune(c, window_start(now) - SIGNIN_WINDOW_S);
    }
    return err;
}

void session_touch_flush(core_run_fn run)
{
    static int64_t last_prune;
    struct touch_cmd *cmd = calloc(1, sizeof *cmd);
    if (cmd == NULL)
        return;
    int64_t now = clock_now();
    cmd->now = now;
    pthread_mutex_lock(&touch_mu);
    for (size_t i = 0; i < TOUCH_SLOTS; i++)
        if (touches[i].dirty) {
            core_copy(cmd->hash[cmd->n], 65, touches[i].hash);
            cmd->at[cmd->n++] = touches[i].used_at;
            touches[i].dirty = false;
            touches[i].written_at = touches[i].used_at;
        }
    pthread_mutex_unlock(&touch_mu);
    cmd->prune = now - last_prune >= 60;
    cmd->task.run = touch_apply;
    if (cmd->n > 0 || cmd->prune) {
        if (run(&cmd->task) != KASSA_OK)
            log_warn("console sessions' last use not written", "sessions=%d", cmd->n);
        else if (cmd->prune)
            last_prune = now;
    }
    free(cmd);
}

kassa_err session_end_apply(struct store_conn *c, struct store_task *task)
{
    struct session_end_cmd *cmd = container_of(task, struct session_end_cmd, task);
    return store_session_delete(c, cmd->hash);
}

/* ---- TOTP ---------------------------------------------------------------- */

kassa_err totp_apply(struct store_conn *c, struct store_task *task)
{
    struct totp_cmd *cmd = container_of(task, struct totp_cmd, task);
    struct login l;
    kassa_err err = store_login_of(c, cmd->kind, cmd->principal_id, &l);
    if (err != KASSA_OK)
        return err;
    core_copy(cmd->login, sizeof cmd->login, l.login);
    int64_t step = 0;
    switch (cmd->action) {
    case TOTP_SETUP:
        if (l.totp_secret[0] != '\0')
            return KASSA_ESTATE;
        core_copy(l.totp_pending, sizeof l.totp_pending, cmd->secret);
        break;
    case TOTP_ENABLE:
        if (l.totp_secret[0] != '\0' || l.totp_pending[0] == '\0')
            return KASSA_ESTATE;
        if (!totp_check(l.totp_pending, cmd->code, clock_now(), l.totp_last_step, &step))
            return KASSA_EINVAL;
        core_copy(l.totp_secret, sizeof l.totp_secret, l.totp_pending);
        l.totp_pending[0] = '\0';
        l.totp_last_step = step;
        break;
    case TOTP_DISABLE:
        if (l.totp_secret[0] == '\0')
            return KASSA_ESTATE;
        if (!totp_check(l.totp_secret, cmd->code, clock_now(), l.totp_last_step, &step))
            return KASSA_EINVAL;
        l.totp_secret[0] = '\0';
        l.totp_pending[0] = '\0';
        l.totp_last_step = step;
        break;
    }
    return store_login_totp(c, &l);
}

/* ---- merchant users ------------------------------------------------------ */

kassa_err merchant_user_create_apply(struct store_conn *c, struct store_task *task)
{
    struct merchant_user_cmd *cmd = container_of(task, struct merchant_user_cmd, task);
    kassa_err err = store_merchant_exists(c, cmd->u.merchant_id);
    if (err != KASSA_OK)
        return err;
    struct login other;
    err = store_login_get(c, cmd->u.login, &other);
    if (err == KASSA_OK)
        return KASSA_EEXIST;
    if (err != KASSA_ENOTFOUND)
        return err;
    cmd->u.created_at = clock_now();
    if ((err = store_merchant_user_insert(c, &cmd->u)) != KASSA_OK)
        return err;
    return login_set(c, LOGIN_MERCHANT, cmd->u.id, cmd->u.login, cmd->password_hash);
}

kassa_err merchant_user_update_apply(struct store_conn *c, struct store_task *task)
{
    struct merchant_user_cmd *cmd = container_of(task, struct merchant_user_cmd, task);
    struct merchant_user cur;
    kassa_err err = store_merchant_user_get(c, cmd->u.id, &cur);
    if (err == KASSA_OK && cur.merchant_id != cmd->u.merchant_id)
        err = KASSA_ENOTFOUND;
    if (err != KASSA_OK)
        return err;
    if (cmd->set & MERCHANT_USER_SET_NAME)
        core_copy(cur.name, sizeof cur.name, cmd->u.name);
    if (cmd->set & MERCHANT_USER_SET_DISABLED)
        cur.disabled = cmd->u.disabled ? 1 : 0;
    if ((err = store_merchant_user_update(c, &cur)) != KASSA_OK)
        return err;
    if (cmd->set & MERCHANT_USER_SET_PASSWORD) {
        const char *login = cmd->u.login[0] != '\0' ? cmd->u.login : cur.login;
        if ((err = login_set(c, LOGIN_MERCHANT, cur.id, login, cmd->password_hash)) != KASSA_OK)
            return err;
        core_copy(cur.login, sizeof cur.login, login);
    }
    if (cur.disabled && (err = store_sessions_end(c, LOGIN_MERCHANT, cur.id)) != KASSA_OK)
        return err;
    cmd->u = cur;
    return KASSA_OK;
}

kassa_err merchant_user_get(int64_t id, struct merchant_user *out)
{
    ON_READER(c, store_merchant_user_get(c, id, out));
}

static kassa_err users_of(struct store_conn *c, int64_t merchant_id,
                          bool (*fn)(void *arg, const struct merchant_user *u), void *arg)
{
    kassa_err err = store_merchant_exists(c, merchant_id);
    return err == KASSA_OK ? store_merchant_users_list(c, merchant_id, fn, arg) : err;
}

kassa_err merchant_users_list(int64_t merchant_id,
                              bool (*fn)(void *arg, const struct merchant_user *u), void *arg)
{
    ON_READER(c, users_of(c, merchant_id, fn, arg));
}
