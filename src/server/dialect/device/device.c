/* device.c: the device API, /device/v1/... (spec/p2p.md "Confirmation";
 * docs/p2p.md "The device protocol"): a trader's phone pairs with a
 * one-time code, then signs every request with its bearer token and an
 * HMAC of its secret.
 *
 *   POST /device/v1/pair       {"code", "name"} -> 201 {"device_id", "token", "secret"}
 *   POST /device/v1/heartbeat  (signed) -> {"device_id", "now"}
 *   POST /device/v1/rotate     (signed) -> {"device_id", "token", "secret"}
 *   POST /device/v1/messages   (signed) {"messages": [...]} -> {"results": [...]}
 *
 * A signed request: Authorization: Bearer <token>, X-Timestamp: <Unix
 * seconds>, X-Signature: hex HMAC-SHA256(secret, X-Timestamp + body),
 * inside the timestamp window, never twice. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "kassa/sign.h"

#define SCOPE "device"

/* A client address locked by the failed-auth guard: answered 429. */
static bool locked(struct http_req *req, char *addr, size_t size)
{
    int retry = 0;
    if (!guard_active())
        return false;
    http_client_addr(req, addr, size);
    if (!guard_locked(SCOPE, addr, NULL, &retry))
        return false;
    char s[16];
    snprintf(s, sizeof s, "%d", retry);
    http_add_header(req, "Retry-After", s);
    reply_error(req, 429, "too many failed device authentications; try again in %d s", retry);
    return true;
}

static void failed(struct http_req *req, const char *why)
{
    char addr[64];
    http_client_addr(req, addr, sizeof addr);
    guard_fail(SCOPE, addr, NULL);
    log_warn("device authentication failed", "client=%s why=%s", addr, why);
}

static bool all_digits(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (s[n] < '0' || s[n] > '9' || n >= 18)
            return false;
    return n > 0;
}

/* Authenticate a signed request: the device and the nonce its change
 * records. False after answering (401, 429, 500). */
static bool device_auth(struct http_req *req, struct device *d, struct request_nonce *nonce)
{
    char addr[64];
    if (locked(req, addr, sizeof addr))
        return false;
    const char *h = http_header(req, "Authorization");
    const char *ts = http_header(req, "X-Timestamp");
    const char *sig = http_header(req, "X-Signature");
    const char *why = NULL;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        why = "missing or malformed Authorization header: expected Bearer <device token>";
    } else {
        kassa_err err = device_authenticate(h + 7, d);
        if (err != KASSA_OK && err != KASSA_ENOTFOUND) {
            reply_error(req, 500, "Internal server error");
            return false;
        }
        if (err == KASSA_ENOTFOUND)
            why = "invalid device token";
    }
    long long window =
        dialect_settings()->timestamp_window > 0 ? dialect_settings()->timestamp_window : 300;
    if (why == NULL && (ts == NULL || !all_digits(ts)))
        why = "missing or malformed X-Timestamp header";
    if (why == NULL && (sig == NULL || kassa_panda_verify(d->secret, ts, req->body, req->body_len,
                                                          sig) != KASSA_OK))
        why = "invalid signature";
    char msg[96];
    if (why == NULL) {
        long long t = strtoll(ts, NULL, 10), now = clock_now();
        if (t < now - window || t > now + window) {
            snprintf(msg, sizeof msg, "timestamp outside the allowed window of %lld seconds",
                     window);
            why = msg;
        }
    }
    if (why != NULL) {
        failed(req, why);
        reply_error(req, 401, "%s", why);
        return false;
    }
    reply_who(req, "device:%lld", (long long)d->id);
    /* The signature is the nonce: an HMAC under the device's own secret,
     * so no two requests of any devices share one by chance. */
    nonce->has = true;
    snprintf(nonce->nonce, sizeof nonce->nonce, "dev:%.64s", sig);
    for (char *p = nonce->nonce; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    memset(nonce->body_hash, 0, sizeof nonce->body_hash);
    return true;
}

/* A signed change refused by the writer: a replay, or a device revoked
 * meanwhile. True when answered. */
static bool refused(struct http_req *req, kassa_err err)
{
    if (err == KASSA_EAUTH_REPLAY) {
        failed(req, "replayed");
        reply_error(req, 401, "request replayed: sign each request with a new X-Timestamp");
        return true;
    }
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 401, "invalid device token");
        return true;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return true;
    }
    return false;
}

static void credentials(struct http_req *req, int status, int64_t id, const char *token,
                        const char *secret)
{
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kint(&w, "device_id", id);
    jw_kstr(&w, "token", token);
    jw_kstr(&w, "secret", secret);
    jw_obj_end(&w);
    reply_jw(req, status, &w);
}

/* ---- pairing ------------------------------------------------------------- */

static void paired(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct device_pair_cmd *cmd = container_of(task, struct device_pair_cmd, task);
    static const char *const why[] = {
        [PAIR_UNKNOWN] = "invalid pairing code",
        [PAIR_USED] = "pairing code already used",
        [PAIR_EXPIRED] = "pairing code expired",
    };
    if (err == KASSA_EAUTH_KEY && cmd->refusal != PAIR_OK) {
        failed(req, why[cmd->refusal]);
        reply_error(req, 401, "%s", why[cmd->refusal]);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    reply_who(req, "device:%lld", (long long)cmd->device.id);
    log_info("device paired", "device_id=%lld trader_id=%lld", (long long)cmd->device.id,
             (long long)cmd->device.trader_id);
    credentials(req, 201, cmd->device.id, cmd->token, cmd->device.secret);
    explicit_bzero(cmd->token, sizeof cmd->token);
    explicit_bzero(cmd->device.secret, sizeof cmd->device.secret);
}

static enum http_action device_pair(struct http_req *req)
{
    static const char *const names[] = {"code", "name", NULL};
    char addr[64], msg[256], code[64];
    if (locked(req, addr, sizeof addr))
        return HTTP_DONE;
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct device_pair_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    bool ok = cmd != NULL &&
              json_only_members(root, names, "a pairing takes code and name", msg, sizeof msg) &&
              json_opt_string(root, "code", code, sizeof code, msg, sizeof msg) &&
              json_opt_string(root, "name", cmd->name, sizeof cmd->name, msg, sizeof msg);
    json_decref(root);
    if (ok && code[0] == '\0') {
        snprintf(msg, sizeof msg, "code: required (the pairing code the trader was given)");
        ok = false;
    }
    if (ok && cmd->name[0] == '\0') {
        snprintf(msg, sizeof msg, "name: required (what the phone is called)");
        ok = false;
    }
    if (!ok) {
        reply_error(req, cmd == NULL ? 500 : 400, "%s",
                    cmd == NULL ? "Internal server error" : msg);
        return HTTP_DONE;
    }
    device_pair_prepare(cmd, code);
    cmd->task.run = device_pair_apply;
    return submit_and_render(req, &cmd->task, paired);
}

/* ---- heartbeat and rotation ---------------------------------------------- */

static void touched(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct device_touch_cmd *cmd = container_of(task, struct device_touch_cmd, task);
    if (refused(req, err))
        return;
    if (cmd->rotate) {
        log_info("device credentials rotated", "device_id=%lld", (long long)cmd->device_id);
        credentials(req, 200, cmd->device_id, cmd->token, cmd->secret);
        explicit_bzero(cmd->token, sizeof cmd->token);
        explicit_bzero(cmd->secret, sizeof cmd->secret);
        return;
    }
    struct jw w;
    jw_init(&w, 256);
    jw_obj(&w);
    jw_kint(&w, "device_id", cmd->device_id);
    jw_kint(&w, "now", clock_now());
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

static enum http_action device_touch_route(struct http_req *req, bool rotate)
{
    struct device_touch_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!device_auth(req, &cmd->device, &cmd->nonce))
        return HTTP_DONE;
    cmd->device_id = cmd->device.id;
    cmd->rotate = rotate;
    device_touch_prepare(cmd);
    cmd->task.run = device_touch_apply;
    return submit_and_render(req, &cmd->task, touched);
}

/* ---- messages ------------------------------------------------------------ */

struct batch {
    struct device_messages_cmd cmd;
    struct bank_message *in;
    struct device_message_answer *out;
};

static void batch_free(struct batch *b)
{
    free(b->in);
    free(b->out);
}

static void messages_done(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct batch *b = container_of(task, struct batch, cmd.task);
    if (refused(req, err)) {
        batch_free(b);
        return;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "results");
    jw_arr(&w);
    int matched = 0;
    for (int i = 0; i < b->cmd.n; i++) {
        const struct device_message_answer *a = &b->out[i];
        jw_obj(&w);
        jw_kstr(&w, "event_id", b->in[i].event_id);
        jw_kint(&w, "id", a->id);
        jw_kstr(&w, "state", bank_message_state_name(a->state));
        if (a->order_uuid[0] != '\0')
            jw_kstr(&w, "order", a->order_uuid);
        else
            jw_knull(&w, "order");
        if (a->reason[0] != '\0')
            jw_kstr(&w, "reason", a->reason);
        else
            jw_knull(&w, "reason");
        jw_obj_end(&w);
        matched += a->state == BANK_MESSAGE_MATCHED;
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    log_info("bank messages", "device_id=%lld count=%d matched=%d", (long long)b->cmd.device_id,
             b->cmd.n, matched);
    batch_free(b);
    reply_jw(req, 200, &w);
}

/* One message of the batch into m (its state and reading by
 * bank_message_read); false with msg naming messages[i]'s field. */
static bool read_message(json_t *v, int i, struct bank_message *m, char *msg, size_t msglen)
{
    static const char *const names[] = {"event_id", "source", "sender",      "package",
                                        "title",    "text",   "received_at", NULL};
    char inner[200], source[16];
    memset(m, 0, sizeof *m);
    if (!json_is_object(v)) {
        snprintf(msg, msglen, "messages[%d]: expected an object", i);
        return false;
    }
    /* Members may be null (an SMS has no package or title): absent. */
    bool ok = true;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val)
    {
        size_t k = 0;
        while (names[k] != NULL && strcmp(names[k], key) != 0)
            k++;
        if (ok && names[k] == NULL) {
            snprintf(inner, sizeof inner,
                     "unknown field '%.64s': a message takes event_id, source, sender, package, "
                     "title, text and received_at",
                     key);
            ok = false;
        }
    }
    ok = ok &&
         json_opt_string(v, "event_id", m->event_id, sizeof m->event_id, inner, sizeof inner) &&
         json_opt_string(v, "source", source, sizeof source, inner, sizeof inner) &&
         json_opt_string(v, "sender", m->sender, sizeof m->sender, inner, sizeof inner) &&
         json_opt_string(v, "package", m->package, sizeof m->package, inner, sizeof inner) &&
         json_opt_string(v, "title", m->title, sizeof m->title, inner, sizeof inner) &&
         json_opt_string(v, "text", m->text, sizeof m->text, inner, sizeof inner);
    if (ok && m->event_id[0] == '\0') {
        snprintf(inner, sizeof inner, "event_id: required");
        ok = false;
    }
    if (ok && strcmp(source, "sms") != 0 && strcmp(source, "push") != 0) {
        snprintf(inner, sizeof inner, "source: expected sms or push");
        ok = false;
    }
    if (ok && m->text[0] == '\0') {
        snprintf(inner, sizeof inner, "text: required");
        ok = false;
    }
    json_t *at = json_object_get(v, "received_at");
    long long window =
        dialect_settings()->timestamp_window > 0 ? dialect_settings()->timestamp_window : 300;
    if (ok && (!json_is_integer(at) || json_integer_value(at) <= 0 ||
               json_integer_value(at) > clock_now() + window)) {
        snprintf(inner, sizeof inner,
                 "received_at: expected the Unix seconds the phone received it (not in the "
                 "future)");
        ok = false;
    }
    if (!ok) {
        snprintf(msg, msglen, "messages[%d]%s%s", i,
                 strncmp(inner, "unknown field", 13) == 0 ? ": " : ".", inner);
        return false;
    }
    core_copy(m->source, sizeof m->source, source);
    m->received_at = (int64_t)json_integer_value(at);
    bank_message_read(m);
    return true;
}

static enum http_action device_messages(struct http_req *req)
{
    struct batch *b = arena_calloc(&req->arena, sizeof *b);
    if (b == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct device d;
    if (!device_auth(req, &d, &b->cmd.nonce))
        return HTTP_DONE;
    char msg[320];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    static const char *const names[] = {"messages", NULL};
    json_t *arr = json_object_get(root, "messages");
    size_t n = json_array_size(arr);
    bool ok = json_only_members(root, names, "a batch takes messages", msg, sizeof msg);
    if (ok && (!json_is_array(arr) || n == 0 || n > DEVICE_MESSAGES_MAX)) {
        snprintf(msg, sizeof msg, "messages: expected an array of 1 to %d messages",
                 DEVICE_MESSAGES_MAX);
        ok = false;
    }
    if (ok) {
        b->in = calloc(n, sizeof *b->in);
        b->out = calloc(n, sizeof *b->out);
        if (b->in == NULL || b->out == NULL) {
            batch_free(b);
            json_decref(root);
            reply_error(req, 500, "Internal server error");
            return HTTP_DONE;
        }
    }
    for (size_t i = 0; ok && i < n; i++)
        ok = read_message(json_array_get(arr, i), (int)i, &b->in[i], msg, sizeof msg);
    json_decref(root);
    if (!ok) {
        batch_free(b);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    b->cmd.device_id = d.id;
    b->cmd.n = (int)n;
    b->cmd.in = b->in;
    b->cmd.out = b->out;
    b->cmd.task.run = device_messages_apply;
    return submit_and_render(req, &b->cmd.task, messages_done);
}

/* ---- routing ------------------------------------------------------------- */

static enum http_action device_handle(struct http_req *req)
{
    const char *p = path_after(req->path, "/device/v1");
    bool post = strcmp(req->method, "POST") == 0;
    if (p != NULL && post) {
        if (strcmp(p, "/pair") == 0)
            return device_pair(req);
        if (strcmp(p, "/heartbeat") == 0)
            return device_touch_route(req, false);
        if (strcmp(p, "/rotate") == 0)
            return device_touch_route(req, true);
        if (strcmp(p, "/messages") == 0)
            return device_messages(req);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static const struct dialect_route routes[] = {
    {.path = "/device/v1", .handle = device_handle},
};

const struct dialect dialect_device = {
    .name = "device",
    .id = 0, /* it makes no orders */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
