/* device.c: devices, a trader's phones relaying bank notifications
 * (spec/p2p.md "Confirmation"; see core.h): pairing codes, pairing,
 * authentication, heartbeats, rotation, revocation, requisite binding. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/random.h"
#include "core.h"

static void sha256_hex(const char *s, size_t len, char hash[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, len, md);
    hex_encode(md, sizeof md, hash, false);
}

void device_code_hash(const char *code, char hash[65])
{
    char norm[64];
    size_t n = 0;
    for (const char *p = code; *p != '\0' && n < sizeof norm - 1; p++)
        if (*p != '-' && *p != ' ')
            norm[n++] = (char)toupper((unsigned char)*p);
    sha256_hex(norm, n, hash);
}

void device_token_hash(const char *token, char hash[65])
{
    sha256_hex(token, strlen(token), hash);
}

/* 32 symbols that cannot be misread for one another (no I, O, 0, 1). */
static const char code_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void device_code_prepare(struct device_code_cmd *cmd)
{
    unsigned char r[DEVICE_CODE_SIZE - 1];
    random_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++)
        cmd->code[i] = code_alphabet[r[i] % 32];
    cmd->code[sizeof r] = '\0';
    device_code_hash(cmd->code, cmd->code_hash);
}

kassa_err device_code_apply(struct store_conn *c, struct store_task *task)
{
    struct device_code_cmd *cmd = container_of(task, struct device_code_cmd, task);
    struct trader t;
    kassa_err err = store_trader_get(c, cmd->trader_id, &t);
    if (err != KASSA_OK)
        return err;
    if (!t.active)
        return KASSA_ESTATE;
    int64_t now = clock_now();
    cmd->expires_at = now + DEVICE_PAIRING_TTL;
    return store_pairing_insert(c, cmd->trader_id, cmd->code_hash, now, cmd->expires_at);
}

static void token_new(char token[DEVICE_TOKEN_SIZE], char hash[65])
{
    memcpy(token, DEVICE_TOKEN_PREFIX, sizeof DEVICE_TOKEN_PREFIX - 1);
    random_hex(token + sizeof DEVICE_TOKEN_PREFIX - 1, 24, false);
    device_token_hash(token, hash);
}

void device_pair_prepare(struct device_pair_cmd *cmd, const char *code)
{
    device_code_hash(code, cmd->code_hash);
    token_new(cmd->token, cmd->device.token_hash);
    random_hex(cmd->device.secret, 32, false);
}

kassa_err device_pair_apply(struct store_conn *c, struct store_task *task)
{
    struct device_pair_cmd *cmd = container_of(task, struct device_pair_cmd, task);
    struct device_pairing p;
    int64_t now = clock_now();
    cmd->refusal = PAIR_OK;
    kassa_err err = store_pairing_find(c, cmd->code_hash, &p);
    if (err == KASSA_ENOTFOUND)
        cmd->refusal = PAIR_UNKNOWN;
    else if (err != KASSA_OK)
        return err;
    else if (p.used_at != 0)
        cmd->refusal = PAIR_USED;
    else if (now > p.expires_at)
        cmd->refusal = PAIR_EXPIRED;
    if (cmd->refusal != PAIR_OK)
        return KASSA_EAUTH_KEY;
    struct device *d = &cmd->device;
    d->id = 0;
    d->trader_id = p.trader_id;
    core_copy(d->name, sizeof d->name, cmd->name);
    d->created_at = now;
    d->last_seen = now;
    d->revoked_at = 0;
    if ((err = store_device_insert(c, d)) != KASSA_OK)
        return err;
    if ((err = store_device_seen(c, d->id, now)) != KASSA_OK)
        return err;
    err = store_pairing_use(c, p.id, now, d->id);
    if (err == KASSA_ESTATE) { /* another node paired with it meanwhile */
        cmd->refusal = PAIR_USED;
        return KASSA_EAUTH_KEY;
    }
    return err;
}

kassa_err device_authenticate(const char *token, struct device *out)
{
    char hash[65];
    device_token_hash(token, hash);
    kassa_err err = query_device_by_token(hash, out);
    if (err != KASSA_OK)
        return err;
    /* Found by its hash's index; compared whole in constant time all the
     * same. */
    if (CRYPTO_memcmp(out->token_hash, hash, 64) != 0 || out->revoked_at != 0)
        return KASSA_ENOTFOUND;
    return KASSA_OK;
}

void device_touch_prepare(struct device_touch_cmd *cmd)
{
    if (!cmd->rotate)
        return;
    char hash[65];
    token_new(cmd->token, hash);
    random_hex(cmd->secret, 32, false);
}

/* The device in use (KASSA_ENOTFOUND once revoked), its request's nonce
 * recorded and its last_seen now. */
static kassa_err device_touch(struct store_conn *c, int64_t id, const struct request_nonce *nonce,
                              struct device *d)
{
    kassa_err err = store_device_get(c, id, d);
    if (err == KASSA_OK && d->revoked_at != 0)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = nonce_record(c, 0, nonce);
    if (err == KASSA_OK) {
        int64_t now = clock_now();
        err = store_device_seen(c, id, now);
        if (d->last_seen < now)
            d->last_seen = now;
    }
    return err;
}

kassa_err device_touch_apply(struct store_conn *c, struct store_task *task)
{
    struct device_touch_cmd *cmd = container_of(task, struct device_touch_cmd, task);
    kassa_err err = device_touch(c, cmd->device_id, &cmd->nonce, &cmd->device);
    if (err != KASSA_OK || !cmd->rotate)
        return err;
    char hash[65];
    device_token_hash(cmd->token, hash);
    if ((err = store_device_rotate(c, cmd->device_id, hash, cmd->secret)) != KASSA_OK)
        return err;
    return store_device_get(c, cmd->device_id, &cmd->device);
}

kassa_err device_revoke_apply(struct store_conn *c, struct store_task *task)
{
    struct device_revoke_cmd *cmd = container_of(task, struct device_revoke_cmd, task);
    kassa_err err = store_device_get(c, cmd->device_id, &cmd->device);
    if (err != KASSA_OK)
        return err;
    if (cmd->trader_id != 0 && cmd->device.trader_id != cmd->trader_id)
        return KASSA_ENOTFOUND;
    if (cmd->device.revoked_at != 0)
        return KASSA_ESTATE;
    if ((err = store_device_revoke(c, cmd->device_id, clock_now())) != KASSA_OK)
        return err;
    return store_device_get(c, cmd->device_id, &cmd->device);
}

kassa_err requisite_bind_apply(struct store_conn *c, struct store_task *task)
{
    struct requisite_bind_cmd *cmd = container_of(task, struct requisite_bind_cmd, task);
    int64_t bound;
    cmd->what = "requisite";
    kassa_err err = store_requisite_device(c, cmd->requisite_id, &cmd->requisite_trader, &bound);
    if (err != KASSA_OK)
        return err;
    if (cmd->trader_id != 0 && cmd->requisite_trader != cmd->trader_id)
        return KASSA_ENOTFOUND;
    if (cmd->device_id != 0) {
        struct device d;
        cmd->what = "device";
        err = store_device_get(c, cmd->device_id, &d);
        if (err == KASSA_OK && d.revoked_at != 0)
            err = KASSA_ENOTFOUND;
        if (err != KASSA_OK)
            return err;
        /* A phone reads the messages of its own trader's cards only. */
        if (cmd->requisite_trader == 0 || d.trader_id != cmd->requisite_trader)
            return KASSA_ECONFLICT;
    }
    return store_requisite_bind(c, cmd->requisite_id, cmd->device_id);
}
