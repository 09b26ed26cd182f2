/* shop.c: shops (with a row of credentials and settings for each merchant
 * dialect the deployment configured) and the requisites pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/random.h"
#include "core.h"
#include "kassa/money.h"

static const char *const requisite_types[] = {
    "SBP",
    "card",
    "accountNumber",
    "crossBorderTransfer",
    "crossBorderCard",
    "internalTransfer",
    "internalTransferMobile",
    "internalTransferAccountNumber",
    "NSPK",
    "phoneTopUp",
    "QR",
    "tips",
    "localExchange",
};

bool requisite_type_known(const char *type)
{
    for (size_t i = 0; i < sizeof requisite_types / sizeof requisite_types[0]; i++)
        if (strcmp(requisite_types[i], type) == 0)
            return true;
    return false;
}

/* "a.example,b.example": lower-case host names, at most 16 (the admin
 * dialect joins the list it was given). */
static bool form_hosts_ok(const char *list)
{
    int n = 0;
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > 253 || ++n > 16)
            return false;
        for (size_t i = 0; i < len; i++) {
            char ch = p[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
                return false;
        }
        p += len;
        if (*p == ',' && *++p == '\0')
            return false; /* a trailing comma */
    }
    return true;
}

static bool url_ok(const char *u)
{
    return u[0] == '\0' || core_http_url_ok(u);
}

/* `n` digits and nothing else. */
static bool digits(const char *s, size_t n)
{
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i == n && s[i] == '\0';
}

/* "#rrggbb" (either case). */
static bool color_ok(const char *c)
{
    if (c[0] != '#' || strlen(c) != 7)
        return false;
    for (int i = 1; i < 7; i++)
        if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f') ||
              (c[i] >= 'A' && c[i] <= 'F')))
            return false;
    return true;
}

/* Check the settings of s named in `set` (SHOP_SET_*); KASSA_EINVAL with a
 * message naming the field. */
static kassa_err settings_check(const struct shop *s, unsigned set, char *msg, size_t msglen)
{
    int64_t probe;
    if ((set & SHOP_SET_NAME) && s->name[0] == '\0') {
        snprintf(msg, msglen, "name: required");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_URL) && !url_ok(s->url)) {
        snprintf(msg, msglen, "url: must be an http or https URL");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_FORM_HOSTS) && !form_hosts_ok(s->form_hosts)) {
        snprintf(msg, msglen,
                 "allowed_hosts: expected host names (letters, digits, '.', '-'), "
                 "at most 16");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_LOGO_URL) && s->logo_url[0] != '\0' &&
        (strncmp(s->logo_url, "https://", 8) != 0 || !core_http_url_ok(s->logo_url))) {
        snprintf(msg, msglen, "logo_url: must be an https URL (or empty: no logo)");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_BRAND_COLOR) && s->brand_color[0] != '\0' && !color_ok(s->brand_color)) {
        snprintf(msg, msglen, "brand_color: expected a colour as #rrggbb (or empty: the default)");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_CALLBACK_URL) && !url_ok(s->callback_url)) {
        snprintf(msg, msglen, "callback_url: must be an http or https URL");
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_RATE) && (s->rate_limit < 0 || s->rate_limit > SHOP_RATE_MAX ||
                                  s->rate_burst < 0 || s->rate_burst > SHOP_RATE_MAX)) {
        snprintf(msg, msglen, "rate_limit and rate_burst: expected integers between 0 and %d",
                 SHOP_RATE_MAX);
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_AMOUNT_ADJUST) &&
        (s->amount_adjust_max < 0 || s->amount_adjust_max > SHOP_AMOUNT_ADJUST_MAX)) {
        snprintf(msg, msglen, "amount_adjust_max: expected whole units between 0 and %d",
                 SHOP_AMOUNT_ADJUST_MAX);
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_DISPUTE_TTL) &&
        (s->dispute_ttl < DISPUTE_TTL_MIN || s->dispute_ttl > DISPUTE_TTL_MAX)) {
        snprintf(msg, msglen, "dispute_ttl: expected seconds between %d and %d", DISPUTE_TTL_MIN,
                 DISPUTE_TTL_MAX);
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_FEE_PERCENT) &&
        kassa_money_percent(100, s->fee_percent, &probe) != KASSA_OK) {
        snprintf(msg, msglen,
                 "fee_percent: expected a decimal percent between 0 and 100 with at most 4 "
                 "decimal places");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

/* Check a dialect row's settings named in `set` (SHOP_SET_ORDER_TTL,
 * SHOP_SET_CALLBACK_FORMAT): the dialect is configured, the TTL positive,
 * the callback format one the dialect's validator takes. */
static kassa_err dialect_check(const char *dialect, unsigned set, int order_ttl,
                               const char *callback_format, char *msg, size_t msglen)
{
    const struct core_dialect *d = core_dialect(dialect);
    if (d == NULL) {
        snprintf(msg, msglen, "%s: no such dialect", dialect);
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_ORDER_TTL) && order_ttl <= 0) {
        snprintf(msg, msglen, "%s_order_ttl: expected a positive number of seconds", d->name);
        return KASSA_EINVAL;
    }
    if ((set & SHOP_SET_CALLBACK_FORMAT) && d->callback_format_ok != NULL &&
        !d->callback_format_ok(callback_format, msg, msglen))
        return KASSA_EINVAL;
    return KASSA_OK;
}

/* New credentials for a row of dialect d. */
static void make_credentials(struct shop_dialect *row, const struct core_dialect *d)
{
    int kb = d->api_key_bytes > 0 ? d->api_key_bytes : 16;
    int sb = d->secret_bytes > 0 ? d->secret_bytes : 32;
    random_hex(row->api_key, (size_t)(kb < KEY_SIZE / 2 ? kb : KEY_SIZE / 2), false);
    random_hex(row->secret, (size_t)(sb < KEY_SIZE / 2 ? sb : KEY_SIZE / 2), false);
}

/* A new row of dialect d: its defaults where `row` gives nothing, new
 * credentials. */
static void row_fill(struct shop_dialect *row, const struct core_dialect *d)
{
    if (row->order_ttl <= 0)
        row->order_ttl = d->order_ttl;
    if (row->callback_format[0] == '\0')
        core_copy(row->callback_format, sizeof row->callback_format, d->callback_format);
    make_credentials(row, d);
}

kassa_err shop_create_prepare(struct shop_create_cmd *cmd, char *msg, size_t msglen)
{
    struct shop *s = &cmd->shop;
    if (s->fee_percent[0] == '\0')
        core_copy(s->fee_percent, sizeof s->fee_percent, "0");
    /* The P2P settings a create may give (unset: their defaults). */
    if (s->dispute_ttl == 0)
        s->dispute_ttl = DISPUTE_TTL_DEFAULT;
    kassa_err err =
        settings_check(s,
                       SHOP_SET_NAME | SHOP_SET_URL | SHOP_SET_CALLBACK_URL | SHOP_SET_FEE_PERCENT |
                           SHOP_SET_FORM_HOSTS | SHOP_SET_AMOUNT_ADJUST | SHOP_SET_DISPUTE_TTL |
                           SHOP_SET_LOGO_URL | SHOP_SET_BRAND_COLOR,
                       msg, msglen);
    /* The rows given: only their TTLs and formats (the defaults' stand in
     * for what they leave out) */
    for (int i = 0; i < s->n_dialects && err == KASSA_OK; i++) {
        const struct shop_dialect *row = &s->dialects[i];
        unsigned set = row->callback_format[0] != '\0' ? SHOP_SET_CALLBACK_FORMAT : 0;
        err = dialect_check(row->dialect, set, row->order_ttl, row->callback_format, msg, msglen);
    }
    if (err != KASSA_OK)
        return err;
    const struct core_settings *cs = core_settings();
    for (int i = 0; i < cs->n_dialects; i++) {
        struct shop_dialect *row = shop_dialect_add(s, cs->dialects[i].name);
        if (row == NULL) {
            snprintf(msg, msglen, "%s: too many dialects", cs->dialects[i].name);
            return KASSA_EINVAL;
        }
        row_fill(row, &cs->dialects[i]);
    }
    if (err != KASSA_OK)
        return err;
    s->active = 1;
    random_hex(s->public_key, 16, true);
    s->created_at = clock_now();
    return KASSA_OK;
}

kassa_err shop_create_apply(struct store_conn *c, struct store_task *task)
{
    struct shop_create_cmd *cmd = container_of(task, struct shop_create_cmd, task);
    struct shop *s = &cmd->shop;
    kassa_err err;
    if (s->merchant_id == 0) {
        struct merchant m = {.created_at = s->created_at};
        core_copy(m.name, sizeof m.name, s->name);
        if ((err = STORE_CALL(c, merchant_insert, &m)) != KASSA_OK)
            return err;
        s->merchant_id = m.id;
    } else {
        struct merchant m;
        if ((err = STORE_CALL(c, merchant_get, s->merchant_id, &m)) != KASSA_OK)
            return err;
    }
    if ((err = STORE_CALL(c, shop_insert, s)) != KASSA_OK)
        return err;
    /* The P2P settings the insert leaves to their defaults, when given. */
    if ((s->amount_adjust_max != 0 || s->dispute_ttl != DISPUTE_TTL_DEFAULT ||
         s->dispute_callbacks || s->dispute_auto_success || s->logo_url[0] != '\0' ||
         s->brand_color[0] != '\0') &&
        (err = STORE_CALL(c, shop_update, s)) != KASSA_OK)
        return err;
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, s->id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

kassa_err shop_tariff_apply(struct store_conn *c, struct store_task *task)
{
    struct shop_tariff_cmd *cmd = container_of(task, struct shop_tariff_cmd, task);
    struct shop s;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, cmd->shop_id, &s);
    if (err != KASSA_OK)
        return err;
    if (cmd->percent[0] != '\0' &&
        (err = STORE_CALL(c, shop_set_fee_percent, cmd->shop_id, cmd->percent)) != KASSA_OK)
        return err;
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, cmd->shop_id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

struct shop_dialect_change *shop_update_dialect(struct shop_update_cmd *cmd, const char *dialect)
{
    for (int i = 0; i < cmd->n_dialects; i++)
        if (strcmp(cmd->dialects[i].dialect, dialect) == 0)
            return &cmd->dialects[i];
    if (cmd->n_dialects >= SHOP_DIALECTS_MAX || strlen(dialect) >= DIALECT_NAME_SIZE)
        return NULL;
    struct shop_dialect_change *ch = &cmd->dialects[cmd->n_dialects++];
    memset(ch, 0, sizeof *ch);
    core_copy(ch->dialect, sizeof ch->dialect, dialect);
    return ch;
}

kassa_err shop_update_prepare(struct shop_update_cmd *cmd, char *msg, size_t msglen)
{
    bool rows = false;
    for (int i = 0; i < cmd->n_dialects; i++)
        rows = rows || cmd->dialects[i].set != 0;
    if (cmd->set == 0 && cmd->n_fixed == 0 && !rows) {
        snprintf(msg, msglen, "nothing to change");
        return KASSA_EINVAL;
    }
    kassa_err err = settings_check(&cmd->values, cmd->set, msg, msglen);
    for (int i = 0; i < cmd->n_dialects && err == KASSA_OK; i++) {
        const struct shop_dialect_change *ch = &cmd->dialects[i];
        err = dialect_check(ch->dialect, ch->set, ch->order_ttl, ch->callback_format, msg, msglen);
    }
    return err;
}

kassa_err shop_update_apply(struct store_conn *c, struct store_task *task)
{
    struct shop_update_cmd *cmd = container_of(task, struct shop_update_cmd, task);
    struct shop *s = &cmd->shop;
    const struct shop *v = &cmd->values;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, cmd->shop_id, s);
    if (err != KASSA_OK)
        return err;
    unsigned set = cmd->set;
    if (set & SHOP_SET_NAME)
        core_copy(s->name, sizeof s->name, v->name);
    if (set & SHOP_SET_URL)
        core_copy(s->url, sizeof s->url, v->url);
    if (set & SHOP_SET_CALLBACK_URL)
        core_copy(s->callback_url, sizeof s->callback_url, v->callback_url);
    if (set & SHOP_SET_FORM_HOSTS)
        core_copy(s->form_hosts, sizeof s->form_hosts, v->form_hosts);
    if (set & SHOP_SET_ACTIVE)
        s->active = v->active ? 1 : 0;
    if (set & SHOP_SET_RATE) {
        s->rate_limit = v->rate_limit;
        s->rate_burst = v->rate_burst;
    }
    if (set & SHOP_SET_AMOUNT_ADJUST)
        s->amount_adjust_max = v->amount_adjust_max;
    if (set & SHOP_SET_DISPUTE_TTL)
        s->dispute_ttl = v->dispute_ttl;
    if (set & SHOP_SET_DISPUTE_CALLBACKS)
        s->dispute_callbacks = v->dispute_callbacks;
    if (set & SHOP_SET_LOGO_URL)
        core_copy(s->logo_url, sizeof s->logo_url, v->logo_url);
    if (set & SHOP_SET_BRAND_COLOR)
        core_copy(s->brand_color, sizeof s->brand_color, v->brand_color);
    if (set & SHOP_SET_DISPUTE_AUTO_SUCCESS)
        s->dispute_auto_success = v->dispute_auto_success;
    if (set & SHOP_SET_TEST_MODE)
        s->test_mode = v->test_mode;
    for (int i = 0; i < cmd->n_dialects; i++) {
        const struct shop_dialect_change *ch = &cmd->dialects[i];
        const struct core_dialect *d = core_dialect(ch->dialect);
        if (ch->set == 0 || d == NULL)
            continue;
        struct shop_dialect *row = shop_dialect_mut(s, d->name);
        if (row == NULL) {
            /* A dialect configured after the shop was made. */
            if ((row = shop_dialect_add(s, d->name)) == NULL)
                return KASSA_EINVAL;
            row_fill(row, d);
        }
        if (ch->set & SHOP_SET_ORDER_TTL)
            row->order_ttl = ch->order_ttl;
        if (ch->set & SHOP_SET_CALLBACK_FORMAT)
            core_copy(row->callback_format, sizeof row->callback_format, ch->callback_format);
        if (ch->set & SHOP_SET_STRICT_SIGNING)
            row->strict_signing = ch->strict_signing;
    }
    if ((err = STORE_CALL(c, shop_update, s)) != KASSA_OK)
        return err;
    if (set & SHOP_SET_FEE_PERCENT) {
        if ((err = STORE_CALL(c, shop_set_fee_percent, s->id, v->fee_percent)) != KASSA_OK)
            return err;
        core_copy(s->fee_percent, sizeof s->fee_percent, v->fee_percent);
    }
    for (int i = 0; i < cmd->n_fixed; i++)
        if ((err = STORE_CALL(c, shop_fee_set, s->id, cmd->fixed[i].currency,
                              cmd->fixed[i].amount)) != KASSA_OK)
            return err;
    return KASSA_OK;
}

bool requisite_is_account(const char *type)
{
    return strcmp(type, "accountNumber") == 0 || strcmp(type, "internalTransferAccountNumber") == 0;
}

/* An account requisite's bank identifiers: a BIC of 9 digits and a
 * correspondent account of 20, each "" or given, only on an account
 * requisite whose number is an account's 20 digits. */
static kassa_err bank_ids_check(const struct requisite *r, char *msg, size_t msglen)
{
    if (r->bic[0] == '\0' && r->corr_account[0] == '\0')
        return KASSA_OK;
    const char *field = r->bic[0] != '\0' ? "bic" : "corr_account";
    if (!requisite_is_account(r->type)) {
        snprintf(msg, msglen,
                 "%s: only for account requisites (accountNumber, "
                 "internalTransferAccountNumber)",
                 field);
        return KASSA_EINVAL;
    }
    if (!digits(r->value, 20)) {
        snprintf(msg, msglen, "%s: the requisite must be a 20-digit account number to have one",
                 field);
        return KASSA_EINVAL;
    }
    if (r->bic[0] != '\0' && !digits(r->bic, 9)) {
        snprintf(msg, msglen, "bic: expected 9 digits");
        return KASSA_EINVAL;
    }
    if (r->corr_account[0] != '\0' && !digits(r->corr_account, 20)) {
        snprintf(msg, msglen, "corr_account: expected 20 digits");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

kassa_err requisite_add_prepare(struct requisite_add_cmd *cmd, char *msg, size_t msglen)
{
    struct requisite *r = &cmd->req;
    if (!requisite_type_known(r->type)) {
        snprintf(msg, msglen, "type: unknown requisite type '%s'", r->type);
        return KASSA_EINVAL;
    }
    if (r->value[0] == '\0') {
        snprintf(msg, msglen, "requisite: required");
        return KASSA_EINVAL;
    }
    if (r->currency[0] == '\0')
        core_copy(r->currency, sizeof r->currency, "RUB");
    if (kassa_currency_find(r->currency) == NULL) {
        snprintf(msg, msglen, "currency: unknown currency '%s'", r->currency);
        return KASSA_EINVAL;
    }
    if (bank_ids_check(r, msg, msglen) != KASSA_OK)
        return KASSA_EINVAL;
    r->active = 1;
    r->created_at = clock_now();
    /* A trader's requisite takes one open order at a time unless it says
     * otherwise (spec/p2p.md); the operator's own pool keeps no limit. */
    r->max_pending = r->trader_id != 0 ? 1 : 0;
    return requisite_limits_read(r, &cmd->limits, msg, msglen);
}

kassa_err requisite_limits_read(struct requisite *r, const struct requisite_limits_in *in,
                                char *msg, size_t msglen)
{
    static const struct {
        unsigned flag;
        const char *name;
    } amounts[3] = {{REQUISITE_SET_MIN_AMOUNT, "min_amount"},
                    {REQUISITE_SET_MAX_AMOUNT, "max_amount"},
                    {REQUISITE_SET_DAILY_AMOUNT, "daily_amount"}};
    int64_t *dst[3] = {&r->min_amount, &r->max_amount, &r->daily_amount};
    const kassa_currency *cur = kassa_currency_find(r->currency);
    for (int i = 0; i < 3; i++) {
        if (!(in->set & amounts[i].flag))
            continue;
        const char *t = in->amount[i];
        if (cur == NULL || kassa_money_parse(t, strlen(t), cur->exponent, KASSA_MONEY_ALLOW_ZERO,
                                             dst[i]) != KASSA_OK) {
            snprintf(msg, msglen, "%s: expected an amount in %s (0 or null: no limit)",
                     amounts[i].name, r->currency);
            return KASSA_EINVAL;
        }
    }
    if (in->set & REQUISITE_SET_DAILY_COUNT)
        r->daily_count = in->values.daily_count;
    if (in->set & REQUISITE_SET_MAX_PENDING)
        r->max_pending = in->values.max_pending;
    if (in->set & REQUISITE_SET_PAUSED)
        r->paused = in->values.paused ? 1 : 0;
    if (r->daily_count < 0 || r->max_pending < 0) {
        snprintf(msg, msglen, "%s: expected a count, 0 or more (0: no limit)",
                 r->daily_count < 0 ? "daily_count" : "max_pending");
        return KASSA_EINVAL;
    }
    if (r->min_amount > 0 && r->max_amount > 0 && r->min_amount > r->max_amount) {
        snprintf(msg, msglen, "min_amount: must not exceed max_amount");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

kassa_err requisite_add_apply(struct store_conn *c, struct store_task *task)
{
    struct requisite_add_cmd *cmd = container_of(task, struct requisite_add_cmd, task);
    kassa_err err = requisite_holder_check(c, &cmd->req, &cmd->trader);
    if (err != KASSA_OK)
        return err;
    return STORE_CALL(c, requisite_insert, &cmd->req);
}

kassa_err requisite_update_prepare(struct requisite_update_cmd *cmd, char *msg, size_t msglen)
{
    if (cmd->set == 0 && cmd->limits.set == 0) {
        snprintf(msg, msglen, "nothing to change");
        return KASSA_EINVAL;
    }
    if ((cmd->set & REQUISITE_SET_OWNER) && cmd->values.owner_full_name[0] == '\0') {
        snprintf(msg, msglen, "owner_full_name: must not be empty");
        return KASSA_EINVAL;
    }
    return KASSA_OK;
}

kassa_err requisite_update_apply(struct store_conn *c, struct store_task *task)
{
    struct requisite_update_cmd *cmd = container_of(task, struct requisite_update_cmd, task);
    struct requisite *r = &cmd->req;
    const struct requisite *v = &cmd->values;
    kassa_err err = store_requisite_get(c, cmd->id, r);
    if (err != KASSA_OK)
        return err;
    if (cmd->trader_id > 0 && r->trader_id != cmd->trader_id) {
        memset(r, 0, sizeof *r); /* another's reads as none */
        return KASSA_ENOTFOUND;
    }
    if (cmd->set & REQUISITE_SET_ACTIVE)
        r->active = v->active ? 1 : 0;
    if (cmd->set & REQUISITE_SET_OWNER)
        core_copy(r->owner_full_name, sizeof r->owner_full_name, v->owner_full_name);
    if (cmd->set & REQUISITE_SET_BANK_CODE)
        core_copy(r->bank_code, sizeof r->bank_code, v->bank_code);
    if (cmd->set & REQUISITE_SET_BANK_NAME_RU)
        core_copy(r->bank_name_ru, sizeof r->bank_name_ru, v->bank_name_ru);
    if (cmd->set & REQUISITE_SET_BANK_NAME_EN)
        core_copy(r->bank_name_en, sizeof r->bank_name_en, v->bank_name_en);
    if (cmd->set & REQUISITE_SET_COUNTRY)
        core_copy(r->country_code, sizeof r->country_code, v->country_code);
    if (cmd->set & REQUISITE_SET_BIC)
        core_copy(r->bic, sizeof r->bic, v->bic);
    if (cmd->set & REQUISITE_SET_CORR_ACCOUNT)
        core_copy(r->corr_account, sizeof r->corr_account, v->corr_account);
    if ((err = bank_ids_check(r, cmd->msg, sizeof cmd->msg)) != KASSA_OK)
        return err;
    if ((err = requisite_limits_read(r, &cmd->limits, cmd->msg, sizeof cmd->msg)) != KASSA_OK)
        return err;
    if ((err = requisite_holder_check(c, r, &cmd->trader)) != KASSA_OK)
        return err;
    return store_requisite_update(c, r);
}

/* ---- credentials and their rotation ---- */

int shop_credentials(const struct shop_dialect *row, int64_t now, const char *keys[2],
                     const char *secrets[2])
{
    keys[0] = row->api_key;
    secrets[0] = row->secret;
    if (row->old_api_key[0] == '\0' || now >= row->old_valid_until)
        return 1;
    keys[1] = row->old_api_key;
    secrets[1] = row->old_secret;
    return 2;
}

const char *shop_secret_for_key(const struct shop *s, const char *dialect, const char *api_key,
                                int64_t now)
{
    const struct shop_dialect *row = shop_dialect_find(s, dialect);
    const char *keys[2], *secrets[2];
    int n = row != NULL ? shop_credentials(row, now, keys, secrets) : 0;
    for (int i = 0; i < n; i++)
        if (strcmp(keys[i], api_key) == 0)
            return secrets[i];
    return NULL;
}

const char *shop_callback_secret(const struct shop_dialect *row, int64_t now, const char **api_key)
{
    bool old = row->old_secret[0] != '\0' && now < row->old_valid_until;
    if (api_key != NULL)
        *api_key = old ? row->old_api_key : row->api_key;
    return old ? row->old_secret : row->secret;
}

kassa_err shop_rotate_prepare(struct shop_rotate_cmd *cmd, char *msg, size_t msglen)
{
    const struct core_dialect *d = core_dialect(cmd->dialect);
    if (d == NULL) {
        snprintf(msg, msglen, "dialect: unknown dialect '%s'", cmd->dialect);
        return KASSA_EINVAL;
    }
    if (cmd->overlap < 0 || cmd->overlap > ROTATE_OVERLAP_MAX) {
        snprintf(msg, msglen, "overlap_seconds: expected an integer between 0 and %d",
                 ROTATE_OVERLAP_MAX);
        return KASSA_EINVAL;
    }
    make_credentials(&cmd->row, d);
    return KASSA_OK;
}

kassa_err shop_rotate_apply(struct store_conn *c, struct store_task *task)
{
    struct shop_rotate_cmd *cmd = container_of(task, struct shop_rotate_cmd, task);
    struct shop *s = malloc(sizeof *s);
    if (s == NULL)
        return KASSA_ENOMEM;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, cmd->shop_id, s);
    if (err == KASSA_OK && cmd->merchant_id > 0 && !shop_of_merchant(s, cmd->merchant_id))
        err = KASSA_ENOTFOUND;
    const struct shop_dialect *row = err == KASSA_OK ? shop_dialect_find(s, cmd->dialect) : NULL;
    if (err == KASSA_OK && row == NULL)
        err = KASSA_ECONFLICT; /* a shop made before the dialect was configured */
    if (err == KASSA_OK) {
        char api_key[KEY_SIZE], secret[KEY_SIZE];
        core_copy(api_key, sizeof api_key, cmd->row.api_key);
        core_copy(secret, sizeof secret, cmd->row.secret);
        int64_t until = clock_now() + cmd->overlap;
        err = store_shop_rotate(c, cmd->shop_id, cmd->dialect, until, api_key, secret);
        if (err == KASSA_OK) {
            cmd->row = *row;
            core_copy(cmd->row.old_api_key, sizeof cmd->row.old_api_key, row->api_key);
            core_copy(cmd->row.old_secret, sizeof cmd->row.old_secret, row->secret);
            cmd->row.old_valid_until = until;
            core_copy(cmd->row.api_key, sizeof cmd->row.api_key, api_key);
            core_copy(cmd->row.secret, sizeof cmd->row.secret, secret);
        }
    }
    free(s);
    return err;
}
