/* admin_shops.c: /admin/v1/shops (admin_shops.h): create, show, change
 * (PATCH), balances and tariff. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "base/log.h"
#include "admin_lists.h"
#include "admin_shops.h"
#include "kassa/money.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "admin_auth.h"

/* "fee_fixed": {"RUB": "10.00", ...} into fixed[]; absent -> 0 entries. */
static bool parse_fee_fixed(json_t *root, struct fee_fixed *fixed, int *n, char *msg, size_t msglen)
{
    json_t *v = json_object_get(root, "fee_fixed");
    *n = 0;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_object(v)) {
        snprintf(msg, msglen, "fee_fixed: expected an object of currency: amount");
        return false;
    }
    const char *cur;
    json_t *amt;
    json_object_foreach(v, cur, amt)
    {
        const kassa_currency *c = kassa_currency_find(cur);
        if (c == NULL) {
            snprintf(msg, msglen, "fee_fixed: unknown currency '%.32s'", cur);
            return false;
        }
        if (*n >= FEE_FIXED_MAX) {
            snprintf(msg, msglen, "fee_fixed: at most %d currencies", FEE_FIXED_MAX);
            return false;
        }
        if (!json_is_string(amt) ||
            kassa_money_parse(json_string_value(amt), json_string_length(amt), c->exponent,
                              KASSA_MONEY_ALLOW_ZERO, &fixed[*n].amount) != KASSA_OK) {
            snprintf(msg, msglen, "fee_fixed.%s: expected a decimal string >= 0 (e.g. \"10.00\")",
                     cur);
            return false;
        }
        core_copy(fixed[*n].currency, sizeof fixed[*n].currency, cur);
        (*n)++;
    }
    return true;
}

struct fees_ctx {
    struct jw *w;
};

struct balance_ctx {
    struct jw *w;
};

static bool fee_one(void *arg, const char *currency, int64_t fixed)
{
    struct fees_ctx *f = arg;
    const kassa_currency *c = kassa_currency_find(currency);
    jw_kmoney(f->w, currency, fixed, currency, c ? c->exponent : 2, false);
    return true;
}

/* "fee_fixed": {...} of a shop, read from the store (money NULL) or from
 * the rows of its money a list read. */
static void render_fee_fixed(struct jw *w, int64_t shop_id, const struct shop_money_rows *money)
{
    struct fees_ctx f = {.w = w};
    jw_key(w, "fee_fixed");
    jw_obj(w);
    for (size_t i = 0; money != NULL && i < money->n; i++)
        if (strcmp(money->rows[i].kind, "fee_fixed") == 0)
            fee_one(&f, money->rows[i].currency, money->rows[i].amount);
    if (money == NULL && query_shop_fees(shop_id, fee_one, &f) != KASSA_OK)
        w->failed = true;
    jw_obj_end(w);
}

static bool balance_one(void *arg, const char *currency, int64_t available, int64_t held);

/* "balances": {...} from a shop's money rows (by currency, then kind). */
static void render_balances(struct jw *w, const struct shop_money_rows *money)
{
    struct balance_ctx b = {.w = w};
    jw_key(w, "balances");
    jw_obj(w);
    for (size_t i = 0; i < money->n;) {
        const char *currency = money->rows[i].currency;
        int64_t available = 0, held = 0;
        bool any = false;
        for (; i < money->n && strcmp(money->rows[i].currency, currency) == 0; i++) {
            if (strcmp(money->rows[i].kind, "shop_available") == 0)
                available = money->rows[i].amount, any = true;
            else if (strcmp(money->rows[i].kind, "shop_held") == 0)
                held = money->rows[i].amount, any = true;
        }
        if (any)
            balance_one(&b, currency, available, held);
    }
    jw_obj_end(w);
}

/* ---- the merchant dialects' settings ------------------------------------ */

/* The merchant dialects' settings in a shop's JSON come from the registry:
 * each dialect names its members (struct dialect_field) in their order, and
 * the registry's order of dialects gives theirs. */

/* An optional integer member in [min, max]; absent -> *out untouched. */
static bool opt_int(json_t *root, const char *key, long long min, long long max, int *out,
                    char *msg, size_t msglen)
{
    json_t *v = json_object_get(root, key);
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(msg, msglen, "%s: expected an integer between %lld and %lld", key, min, max);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

/* The text of a callback format member as its dialect's validator reads it:
 * a JSON integer for a dialect showing it as one, else a JSON string; ""
 * (which no validator takes) for any other value. */
static void format_text(const struct dialect_merchant *m, json_t *v, char *dst, size_t size)
{
    dst[0] = '\0';
    if (m->callback_format_int && json_is_integer(v))
        snprintf(dst, size, "%lld", (long long)json_integer_value(v));
    else if (!m->callback_format_int && json_is_string(v) && json_string_length(v) < size)
        core_copy(dst, size, json_string_value(v));
}

/* What parse_dialect_fields found: one setting of one dialect (`num`: the
 * TTL, or 1/0 for a boolean; `format`: a callback format's text). */
typedef bool (*dialect_field_fn)(void *arg, const struct dialect *d, enum dialect_setting what,
                                 int num, const char *format);

/* Read every merchant dialect's setting member of root (absent or null:
 * left alone), checked in the order of a shop's JSON: a TTL in [60, 30
 * days], a callback format as its dialect's validator says, strict signing
 * as true or false. Each one found goes to fn (the dialect, the setting,
 * the number or the format text). false with msg set on the first
 * refusal. */
static bool parse_dialect_fields(json_t *root, dialect_field_fn fn, void *arg, char *msg,
                                 size_t msglen)
{
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        const struct dialect_merchant *m = d->merchant;
        for (size_t j = 0; m != NULL && j < m->n_fields; j++) {
            const struct dialect_field *f = &m->fields[j];
            json_t *v = json_object_get(root, f->name);
            if (v == NULL || json_is_null(v))
                continue;
            int num = 0;
            char format[CALLBACK_FORMAT_SIZE] = "";
            if (f->setting == DIALECT_ORDER_TTL) {
                if (!opt_int(root, f->name, 60, 30 * 86400, &num, msg, msglen))
                    return false;
            } else if (f->setting == DIALECT_STRICT_SIGNING) {
                if (!json_is_boolean(v)) {
                    snprintf(msg, msglen, "%s: expected true or false", f->name);
                    return false;
                }
                num = json_is_true(v) ? 1 : 0;
            } else {
                format_text(m, v, format, sizeof format);
                if (!m->callback_format_ok(format, msg, msglen))
                    return false;
            }
            if (!fn(arg, d, f->setting, num, format)) {
                snprintf(msg, msglen, "%s: too many dialects", d->name);
                return false;
            }
        }
    }
    return true;
}

/* Whether `key` is a member some merchant dialect's settings have. */
static bool dialect_field_known(const char *key)
{
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect_merchant *m = dialect_registry[i]->merchant;
        for (size_t j = 0; m != NULL && j < m->n_fields; j++)
            if (strcmp(m->fields[j].name, key) == 0)
                return true;
    }
    return false;
}

/* "name, url, ..., <each dialect's members>": what a shop update takes. */
static void update_fields_text(char *dst, size_t size)
{
    int n = snprintf(dst, size, "name, url, callback_url, fee_percent, fee_fixed, allowed_hosts");
    size_t at = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect_merchant *m = dialect_registry[i]->merchant;
        for (size_t j = 0; m != NULL && j < m->n_fields && at < size; j++) {
            n = snprintf(dst + at, size - at, ", %s", m->fields[j].name);
            at += n > 0 ? (size_t)n : 0;
        }
    }
}

/* ---- shops -------------------------------------------------------------- */

/* "allowed_hosts": an array of host names, joined into dst lower case with
 * commas (the core checks the names); *found when the member is there. */
static bool json_form_hosts(json_t *root, char *dst, size_t size, bool *found, char *msg,
                            size_t msglen)
{
    json_t *v = json_object_get(root, "allowed_hosts");
    *found = v != NULL;
    dst[0] = '\0';
    if (v == NULL)
        return true;
    if (!json_is_array(v)) {
        snprintf(msg, msglen, "allowed_hosts: expected an array of host names");
        return false;
    }
    size_t at = 0, i;
    json_t *h;
    json_array_foreach(v, i, h)
    {
        const char *name = json_string_value(h);
        size_t len = name != NULL ? strlen(name) : 0;
        if (name == NULL || len == 0 || at + len + 2 > size) {
            snprintf(msg, msglen,
                     name == NULL || len == 0 ? "allowed_hosts: expected an array of host names"
                                              : "allowed_hosts: too long");
            return false;
        }
        if (at > 0)
            dst[at++] = ',';
        for (size_t k = 0; k < len; k++)
            dst[at++] = (char)tolower((unsigned char)name[k]);
        dst[at] = '\0';
    }
    return true;
}

static void render_form_hosts(struct jw *w, const char *list)
{
    jw_key(w, "allowed_hosts");
    jw_arr(w);
    char host[256];
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, ",");
        snprintf(host, sizeof host, "%.*s", (int)(len < sizeof host ? len : sizeof host - 1), p);
        jw_str(w, host);
        p += len;
        if (*p == ',')
            p++;
    }
    jw_arr_end(w);
}

void render_admin_shop(struct jw *w, const struct shop *s, bool credentials,
                       const struct shop_money_rows *money)
{
    jw_obj(w);
    jw_kint(w, "id", s->id);
    jw_kint(w, "merchant_id", s->merchant_id);
    jw_kstr(w, "shop_id", s->public_key);
    jw_kstr(w, "name", s->name);
    jw_kstr(w, "url", s->url);
    jw_kstr(w, "callback_url", s->callback_url);
    jw_kstr(w, "fee_percent", s->fee_percent);
    render_fee_fixed(w, s->id, money);
    render_form_hosts(w, s->form_hosts);
    jw_kint(w, "rate_limit", s->rate_limit);
    jw_kint(w, "rate_burst", s->rate_burst);
    jw_kint(w, "amount_adjust_max", s->amount_adjust_max);
    jw_kint(w, "dispute_ttl", s->dispute_ttl);
    jw_kbool(w, "dispute_callbacks", s->dispute_callbacks);
    jw_kbool(w, "dispute_auto_success", s->dispute_auto_success);
    jw_kbool(w, "test_mode", s->test_mode);
    jw_kstr(w, "logo_url", s->logo_url);
    jw_kstr(w, "brand_color", s->brand_color);
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        const struct dialect_merchant *m = d->merchant;
        const struct shop_dialect *row = shop_dialect_find(s, d->name);
        for (size_t j = 0; m != NULL && j < m->n_fields; j++) {
            const char *name = m->fields[j].name;
            if (row == NULL)
                jw_knull(w, name);
            else if (m->fields[j].setting == DIALECT_ORDER_TTL)
                jw_kint(w, name, row->order_ttl);
            else if (m->fields[j].setting == DIALECT_STRICT_SIGNING)
                jw_kbool(w, name, row->strict_signing);
            else if (m->callback_format_int)
                jw_kint(w, name, strtoll(row->callback_format, NULL, 10));
            else
                jw_kstr(w, name, row->callback_format);
        }
    }
    jw_kbool(w, "active", s->active != 0);
    if (money != NULL)
        render_balances(w, money);
    for (size_t i = 0; credentials && dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        const struct shop_dialect *row = shop_dialect_find(s, d->name);
        if (d->merchant == NULL || row == NULL)
            continue;
        jw_key(w, d->name);
        jw_obj(w);
        jw_kstr(w, "api_key", row->api_key);
        jw_kstr(w, "secret", row->secret);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void shop_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct shop_create_cmd *cmd = container_of(task, struct shop_create_cmd, task);
    struct shop *s = &cmd->shop;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 400, "merchant_id: no such merchant");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("shop created", "id=%lld merchant_id=%lld dialects=%d", (long long)s->id,
             (long long)s->merchant_id, s->n_dialects);
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_admin_shop(&w, s, true, NULL);
    reply_jw(req, 201, &w);
}

/* "test_mode" (true: every order of the shop is a test order, core/order.c)
 * into *out; *found when the member is there. */
static bool json_test_mode(json_t *root, bool *out, bool *found, char *msg, size_t msglen)
{
    json_t *v = json_object_get(root, "test_mode");
    *found = v != NULL;
    if (v != NULL && !json_is_boolean(v)) {
        snprintf(msg, msglen, "test_mode: expected true or false");
        return false;
    }
    *out = v != NULL && json_is_true(v);
    return true;
}

/* The payer page's branding: "logo_url" and "brand_color" (strings; null
 * or "" none; the core checks them) into v, their SHOP_SET_* flags into
 * *set when given. */
static bool json_branding(json_t *root, struct shop *v, unsigned *set, char *msg, size_t msglen)
{
    if (!json_opt_string(root, "logo_url", v->logo_url, sizeof v->logo_url, msg, msglen) ||
        !json_opt_string(root, "brand_color", v->brand_color, sizeof v->brand_color, msg, msglen))
        return false;
    if (json_object_get(root, "logo_url") != NULL)
        *set |= SHOP_SET_LOGO_URL;
    if (json_object_get(root, "brand_color") != NULL)
        *set |= SHOP_SET_BRAND_COLOR;
    return true;
}

/* parse_dialect_fields' fn for a new shop: into its row of the dialect. */
static bool create_field(void *arg, const struct dialect *d, enum dialect_setting what, int num,
                         const char *format)
{
    struct shop_dialect *row = shop_dialect_add(arg, d->name);
    if (row == NULL)
        return false;
    if (what == DIALECT_ORDER_TTL)
        row->order_ttl = num;
    else if (what == DIALECT_STRICT_SIGNING)
        row->strict_signing = num != 0;
    else
        core_copy(row->callback_format, sizeof row->callback_format, format);
    return true;
}

static bool parse_p2p_settings(json_t *root, struct shop *v, unsigned *set, char *msg,
                               size_t msglen);

static enum http_action admin_create_shop(struct http_req *req)
{
    char msg[512];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct shop_create_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct shop *s = &cmd->shop;
    bool found;
    unsigned set = 0; /* the P2P settings given (their defaults otherwise) */
    json_t *mid = json_object_get(root, "merchant_id");
    if (!json_opt_string(root, "name", s->name, sizeof s->name, msg, sizeof msg) ||
        !json_opt_string(root, "url", s->url, sizeof s->url, msg, sizeof msg) ||
        !json_opt_string(root, "callback_url", s->callback_url, sizeof s->callback_url, msg,
                         sizeof msg) ||
        !json_decimal_text(req, root, "fee_percent", s->fee_percent, sizeof s->fee_percent, &found,
                           msg, sizeof msg) ||
        !json_form_hosts(root, s->form_hosts, sizeof s->form_hosts, &found, msg, sizeof msg) ||
        !json_test_mode(root, &s->test_mode, &found, msg, sizeof msg) ||
        !json_branding(root, s, &set, msg, sizeof msg) ||
        !parse_p2p_settings(root, s, &set, msg, sizeof msg) ||
        !parse_dialect_fields(root, create_field, s, msg, sizeof msg))
        goto refuse;
    if (mid != NULL && !json_is_null(mid)) {
        if (json_is_integer(mid) && json_integer_value(mid) > 0) {
            s->merchant_id = json_integer_value(mid);
        } else if (json_is_string(mid)) {
            char *end;
            long long v = strtoll(json_string_value(mid), &end, 10);
            if (*end != '\0' || v <= 0 || end == json_string_value(mid)) {
                snprintf(msg, sizeof msg, "merchant_id: expected a positive integer");
                goto refuse;
            }
            s->merchant_id = v;
        } else {
            snprintf(msg, sizeof msg, "merchant_id: expected a positive integer");
            goto refuse;
        }
    }
    if (!parse_fee_fixed(root, cmd->fixed, &cmd->n_fixed, msg, sizeof msg))
        goto refuse;
    if (shop_create_prepare(cmd, msg, sizeof msg) != KASSA_OK)
        goto refuse;
    json_decref(root);
    cmd->task.run = shop_create_apply;
    admin_audit_created(&cmd->shop.id);
    return admin_submit(req, &cmd->task, shop_rendered);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* The shop `id` as its JSON (without credentials), read now. */
static void reply_shop(struct http_req *req, int64_t id, int status)
{
    struct shop s;
    kassa_err err = query_shop(id, &s);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_admin_shop(&w, &s, false, NULL);
    reply_jw(req, status, &w);
}

static void shop_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct shop_update_cmd *cmd = container_of(task, struct shop_update_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id);
    log_info("shop updated", "id=%lld settings=0x%x dialects=%d fixed_fees=%d",
             (long long)cmd->shop_id, cmd->set, cmd->n_dialects, cmd->n_fixed);
    reply_shop(req, cmd->shop_id, 200);
}

/* parse_dialect_fields' fn for a shop update: a change of the dialect's row. */
static bool update_field(void *arg, const struct dialect *d, enum dialect_setting what, int num,
                         const char *format)
{
    struct shop_dialect_change *ch = shop_update_dialect(arg, d->name);
    if (ch == NULL)
        return false;
    if (what == DIALECT_ORDER_TTL) {
        ch->set |= SHOP_SET_ORDER_TTL;
        ch->order_ttl = num;
    } else if (what == DIALECT_STRICT_SIGNING) {
        ch->set |= SHOP_SET_STRICT_SIGNING;
        ch->strict_signing = num != 0;
    } else {
        ch->set |= SHOP_SET_CALLBACK_FORMAT;
        core_copy(ch->callback_format, sizeof ch->callback_format, format);
    }
    return true;
}

/* POST /admin/v1/shops/{id}/disable, .../enable: a switched-off shop's
 * merchant calls are refused in each dialect's way (its credentials stop
 * working); its pending orders run their course (payers may still pay,
 * the operator may still complete them, callbacks go out). Answers the
 * shop. */
static enum http_action admin_switch_shop(struct http_req *req, int64_t shop_id, bool on)
{
    char msg[256];
    struct shop_update_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->shop_id = shop_id;
    cmd->set = SHOP_SET_ACTIVE;
    cmd->values.active = on ? 1 : 0;
    if (shop_update_prepare(cmd, msg, sizeof msg) != KASSA_OK) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = shop_update_apply;
    return admin_submit(req, &cmd->task, shop_updated);
}

/* The P2P settings of a shop create or update, into v with their flags in
 * *set: amount_adjust_max (whole units an amount may be raised to be
 * unique) and the dispute settings (core/dispute.c): dispute_ttl seconds,
 * dispute_callbacks and dispute_auto_success true or false. */
static bool parse_p2p_settings(json_t *root, struct shop *v, unsigned *set, char *msg,
                               size_t msglen)
{
    json_t *adj = json_object_get(root, "amount_adjust_max");
    if (adj != NULL) {
        if (!json_is_integer(adj) || json_integer_value(adj) < 0 ||
            json_integer_value(adj) > SHOP_AMOUNT_ADJUST_MAX) {
            snprintf(msg, msglen, "amount_adjust_max: expected whole units between 0 and %d",
                     SHOP_AMOUNT_ADJUST_MAX);
            return false;
        }
        v->amount_adjust_max = (int)json_integer_value(adj);
        *set |= SHOP_SET_AMOUNT_ADJUST;
    }
    json_t *ttl = json_object_get(root, "dispute_ttl");
    if (ttl != NULL) {
        if (!json_is_integer(ttl) || json_integer_value(ttl) < DISPUTE_TTL_MIN ||
            json_integer_value(ttl) > DISPUTE_TTL_MAX) {
            snprintf(msg, msglen, "dispute_ttl: expected seconds between %d and %d",
                     DISPUTE_TTL_MIN, DISPUTE_TTL_MAX);
            return false;
        }
        v->dispute_ttl = (int)json_integer_value(ttl);
        *set |= SHOP_SET_DISPUTE_TTL;
    }
    static const struct {
        const char *key;
        unsigned flag;
    } flags[] = {{"dispute_callbacks", SHOP_SET_DISPUTE_CALLBACKS},
                 {"dispute_auto_success", SHOP_SET_DISPUTE_AUTO_SUCCESS}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        json_t *b = json_object_get(root, flags[i].key);
        if (b == NULL)
            continue;
        if (!json_is_boolean(b)) {
            snprintf(msg, msglen, "%s: expected true or false", flags[i].key);
            return false;
        }
        if (flags[i].flag == SHOP_SET_DISPUTE_CALLBACKS)
            v->dispute_callbacks = json_is_true(b);
        else
            v->dispute_auto_success = json_is_true(b);
        *set |= flags[i].flag;
    }
    return true;
}

/* PATCH /admin/v1/shops/{id}: any of the create fields but merchant_id, and
 * the per-shop settings kassa has (every merchant dialect's among them).
 * Every member is checked before anything is written; an unknown one is
 * refused (a typo must not pass silently). */
static enum http_action admin_patch_shop(struct http_req *req, int64_t shop_id)
{
    static const char *const fields[] = {"name",
                                         "url",
                                         "callback_url",
                                         "fee_percent",
                                         "fee_fixed",
                                         "allowed_hosts",
                                         "rate_limit",
                                         "rate_burst",
                                         "amount_adjust_max",
                                         "dispute_ttl",
                                         "dispute_callbacks",
                                         "dispute_auto_success",
                                         "test_mode",
                                         "logo_url",
                                         "brand_color"};
    char msg[512], takes[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct shop_update_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    update_fields_text(takes, sizeof takes);
    cmd->shop_id = shop_id;
    struct shop *v = &cmd->values;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        size_t i = 0;
        while (i < sizeof fields / sizeof fields[0] && strcmp(fields[i], key) != 0)
            i++;
        bool setting = dialect_field_known(key);
        if (strcmp(key, "merchant_id") == 0) {
            snprintf(msg, sizeof msg, "merchant_id: a shop cannot move to another merchant");
            goto refuse;
        }
        if (i == sizeof fields / sizeof fields[0] && !setting) {
            snprintf(msg, sizeof msg, "unknown field '%.64s': a shop update takes %s", key, takes);
            goto refuse;
        }
        if (json_is_null(val) && (setting || strcmp(key, "fee_percent") == 0)) {
            snprintf(msg, sizeof msg, "%s: must not be null", key);
            goto refuse;
        }
    }
    bool found = false;
    if (!json_opt_string(root, "name", v->name, sizeof v->name, msg, sizeof msg) ||
        !json_opt_string(root, "url", v->url, sizeof v->url, msg, sizeof msg) ||
        !json_opt_string(root, "callback_url", v->callback_url, sizeof v->callback_url, msg,
                         sizeof msg) ||
        !parse_dialect_fields(root, update_field, cmd, msg, sizeof msg))
        goto refuse;
    static const struct {
        const char *key;
        unsigned flag;
    } flags[] = {
        {"name", SHOP_SET_NAME}, {"url", SHOP_SET_URL}, {"callback_url", SHOP_SET_CALLBACK_URL}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (json_object_get(root, flags[i].key) != NULL)
            cmd->set |= flags[i].flag;
    if (!json_decimal_text(req, root, "fee_percent", v->fee_percent, sizeof v->fee_percent, &found,
                           msg, sizeof msg))
        goto refuse;
    if (found)
        cmd->set |= SHOP_SET_FEE_PERCENT;
    if (!json_form_hosts(root, v->form_hosts, sizeof v->form_hosts, &found, msg, sizeof msg))
        goto refuse;
    if (found)
        cmd->set |= SHOP_SET_FORM_HOSTS;
    if (!json_test_mode(root, &v->test_mode, &found, msg, sizeof msg))
        goto refuse;
    if (found)
        cmd->set |= SHOP_SET_TEST_MODE;
    if (!json_branding(root, v, &cmd->set, msg, sizeof msg))
        goto refuse;
    json_t *rl = json_object_get(root, "rate_limit"), *rb = json_object_get(root, "rate_burst");
    if ((rl != NULL && !json_is_integer(rl)) || (rb != NULL && !json_is_integer(rb))) {
        snprintf(msg, sizeof msg, "rate_limit and rate_burst: expected integers between 0 and %d",
                 SHOP_RATE_MAX);
        goto refuse;
    }
    if (rl != NULL || rb != NULL) {
        /* The one given changes; the other keeps its value. */
        struct shop cur;
        if (query_shop(shop_id, &cur) == KASSA_OK) {
            v->rate_limit = cur.rate_limit;
            v->rate_burst = cur.rate_burst;
        }
        if (rl != NULL)
            v->rate_limit =
                (int)(json_integer_value(rl) < 0 || json_integer_value(rl) > SHOP_RATE_MAX
                          ? -1
                          : json_integer_value(rl));
        if (rb != NULL)
            v->rate_burst =
                (int)(json_integer_value(rb) < 0 || json_integer_value(rb) > SHOP_RATE_MAX
                          ? -1
                          : json_integer_value(rb));
        cmd->set |= SHOP_SET_RATE;
    }
    if (!parse_p2p_settings(root, &cmd->values, &cmd->set, msg, sizeof msg) ||
        !parse_fee_fixed(root, cmd->fixed, &cmd->n_fixed, msg, sizeof msg))
        goto refuse;
    if (cmd->set == 0 && cmd->n_fixed == 0 && cmd->n_dialects == 0) {
        snprintf(msg, sizeof msg, "nothing to change: give any of %s", takes);
        goto refuse;
    }
    if (shop_update_prepare(cmd, msg, sizeof msg) != KASSA_OK)
        goto refuse;
    json_decref(root);
    cmd->task.run = shop_update_apply;
    return admin_submit(req, &cmd->task, shop_updated);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

static bool balance_one(void *arg, const char *currency, int64_t available, int64_t held)
{
    struct balance_ctx *b = arg;
    const kassa_currency *cur = kassa_currency_find(currency);
    int exp = cur ? cur->exponent : 2;
    jw_key(b->w, currency);
    jw_obj(b->w);
    jw_kmoney(b->w, "available", available, currency, exp, false);
    jw_kmoney(b->w, "held", held, currency, exp, false);
    jw_obj_end(b->w);
    return true;
}

static enum http_action admin_shop_balances(struct http_req *req, const char *rest)
{
    char *end;
    long long id = strtoll(rest, &end, 10);
    if (id <= 0 || strcmp(end, "/balances") != 0) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    struct balance_ctx b = {.w = &w};
    struct shop shop;
    kassa_err err = query_shop(id, &shop);
    if (err == KASSA_OK)
        err = query_balances(id, balance_one, &b);
    if (err != KASSA_OK) {
        jw_free(&w);
        if (err == KASSA_ENOTFOUND)
            reply_error(req, 404, "Shop not found");
        else
            reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static void tariff_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct shop_tariff_cmd *cmd = container_of(task, struct shop_tariff_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id);
    struct shop s;
    err = query_shop(cmd->shop_id, &s);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("tariff changed", "shop_id=%lld fee_percent=%s", (long long)s.id, s.fee_percent);
    struct jw w;
    jw_init(&w, 16384);
    jw_obj(&w);
    jw_kint(&w, "id", s.id);
    jw_kstr(&w, "fee_percent", s.fee_percent);
    render_fee_fixed(&w, s.id, NULL);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

/* PUT /admin/v1/shops/{id}/tariff {"fee_percent"?, "fee_fixed"?} */
static enum http_action admin_put_tariff(struct http_req *req, int64_t shop_id)
{
    char msg[512];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct shop_tariff_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    bool found = false;
    int64_t probe;
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->shop_id = shop_id;
    if (!json_decimal_text(req, root, "fee_percent", cmd->percent, sizeof cmd->percent, &found, msg,
                           sizeof msg) ||
        !parse_fee_fixed(root, cmd->fixed, &cmd->n_fixed, msg, sizeof msg))
        goto refuse;
    if (found && kassa_money_percent(100, cmd->percent, &probe) != KASSA_OK) {
        snprintf(msg, sizeof msg,
                 "fee_percent: expected a decimal percent between 0 and 100 with at most 4 "
                 "decimal places");
        goto refuse;
    }
    if (!found && cmd->n_fixed == 0) {
        snprintf(msg, sizeof msg, "nothing to change: give fee_percent and/or fee_fixed");
        goto refuse;
    }
    json_decref(root);
    cmd->task.run = shop_tariff_apply;
    return admin_submit(req, &cmd->task, tariff_rendered);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* ---- credentials -------------------------------------------------------- */

static void rotated(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct shop_rotate_cmd *cmd = container_of(task, struct shop_rotate_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return;
    }
    if (err == KASSA_ECONFLICT) {
        reply_error(req, 409, "shop %lld has no %s credentials to rotate", (long long)cmd->shop_id,
                    cmd->dialect);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id);
    log_info("credentials rotated", "shop_id=%lld dialect=%s overlap_s=%lld",
             (long long)cmd->shop_id, cmd->dialect, (long long)cmd->overlap);
    char t[32];
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kint(&w, "shop_id", cmd->shop_id);
    jw_kstr(&w, "dialect", cmd->dialect);
    jw_kstr(&w, "api_key", cmd->row.api_key);
    jw_kstr(&w, "secret", cmd->row.secret);
    clock_format(cmd->row.old_valid_until, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(&w, "old_valid_until", t);
    jw_obj_end(&w);
    explicit_bzero(cmd->row.secret, sizeof cmd->row.secret);
    reply_jw(req, 200, &w);
}

/* POST /admin/v1/shops/{id}/rotate {"dialect", "overlap_seconds"?}: a new
 * pair for the dialect, shown once; the current one keeps working for
 * overlap_seconds (default 86400; 0: stops now). */
static enum http_action admin_rotate(struct http_req *req, int64_t shop_id)
{
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct shop_rotate_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->shop_id = shop_id;
    cmd->overlap = 86400;
    const char *key;
    json_t *val, *overlap = json_object_get(root, "overlap_seconds");
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "dialect") != 0 && strcmp(key, "overlap_seconds") != 0) {
            snprintf(msg, sizeof msg,
                     "unknown field '%.64s': a rotation takes dialect and "
                     "overlap_seconds",
                     key);
            goto refuse;
        }
    }
    if (!json_opt_string(root, "dialect", cmd->dialect, sizeof cmd->dialect, msg, sizeof msg))
        goto refuse;
    if (cmd->dialect[0] == '\0') {
        snprintf(msg, sizeof msg, "dialect: required (e.g. panda or tegro)");
        goto refuse;
    }
    if (overlap != NULL && !json_is_integer(overlap)) {
        snprintf(msg, sizeof msg, "overlap_seconds: expected an integer between 0 and %d",
                 ROTATE_OVERLAP_MAX);
        goto refuse;
    }
    if (overlap != NULL)
        cmd->overlap = json_integer_value(overlap);
    if (shop_rotate_prepare(cmd, msg, sizeof msg) != KASSA_OK)
        goto refuse;
    json_decref(root);
    cmd->task.run = shop_rotate_apply;
    return admin_submit(req, &cmd->task, rotated);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* ---- routing ------------------------------------------------------------ */

enum http_action admin_shops(struct http_req *req, const char *rest)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    bool put = strcmp(req->method, "PUT") == 0;
    bool patch = strcmp(req->method, "PATCH") == 0;
    if (*rest == '\0') {
        if (post)
            return admin_create_shop(req);
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    const char *arg = rest + 1; /* after "/" */
    char *end;
    long long id = strtoll(arg, &end, 10);
    bool has_id = id > 0 && end != arg && *arg != '+' && *arg != '-';
    if (has_id && (*end == '\0' || strcmp(end, "/") == 0)) {
        if (patch)
            return admin_patch_shop(req, id);
        if (get) {
            reply_shop(req, id, 200);
            return HTTP_DONE;
        }
    }
    if (get)
        return admin_shop_balances(req, arg);
    if (put && has_id && strcmp(end, "/tariff") == 0)
        return admin_put_tariff(req, id);
    if (post && has_id && strcmp(end, "/rotate") == 0)
        return admin_rotate(req, id);
    if (post && has_id && (strcmp(end, "/disable") == 0 || strcmp(end, "/enable") == 0))
        return admin_switch_shop(req, id, strcmp(end, "/enable") == 0);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
