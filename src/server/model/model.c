/* model.c: names of the core's order states; a shop's dialect rows; the
 * requisite country filter. */
#include <string.h>

#include "kassa/money.h"
#include "model.h"

static const char *const status_names[] = {
    [ORDER_PENDING] = "pending",   [ORDER_COMPLETED] = "completed",
    [ORDER_FAILED] = "failed",     [ORDER_EXPIRED] = "expired",
    [ORDER_CANCELED] = "canceled", [ORDER_NO_REQUISITE] = "no_requisite",
    [ORDER_REVERSED] = "reversed",
};

const char *order_status_name(enum order_status s)
{
    if ((unsigned)s < sizeof status_names / sizeof status_names[0])
        return status_names[s];
    return "unknown";
}

int64_t order_amount_paid(const struct order *o)
{
    return o->amount_received > 0 ? o->amount_received : o->amount;
}

bool device_online(int64_t last_seen, int64_t now)
{
    return last_seen > 0 && now - last_seen <= DEVICE_ONLINE_SECONDS;
}

int64_t money_convert(int64_t amount, const char *currency, const char *rate, const char *to)
{
    if (strcmp(currency, to) == 0)
        return amount;
    const kassa_currency *cur = kassa_currency_find(currency);
    const kassa_currency *usdt = kassa_currency_find(to);
    int64_t rate8;
    if (strcmp(to, "USDT") != 0 || cur == NULL || usdt == NULL || rate == NULL ||
        kassa_money_parse(rate, strlen(rate), 8, KASSA_MONEY_POSITIVE, &rate8) != KASSA_OK)
        return -1;
    __int128 num = (__int128)amount * 100000000;
    __int128 den = (__int128)rate8;
    for (int i = 0; i < usdt->exponent; i++)
        num *= 10;
    for (int i = 0; i < cur->exponent; i++)
        den *= 10;
    __int128 q = (num + den / 2) / den;
    return q > INT64_MAX ? -1 : (int64_t)q;
}

static const char *const account_names[] = {
    [ACC_SHOP_AVAILABLE] = "shop_available",
    [ACC_SHOP_HELD] = "shop_held",
    [ACC_PLATFORM_FEES] = "platform_fees",
    [ACC_PROVIDER_CLEARING] = "provider_clearing",
    [ACC_PAYOUTS] = "payouts",
    [ACC_TRADER_AVAILABLE] = "trader_available",
    [ACC_TRADER_RESERVED] = "trader_reserved",
    [ACC_PLATFORM_CUSTODY] = "platform_custody",
    [ACC_PLATFORM_EXCHANGE] = "platform_exchange",
};

const char *account_kind_name(enum account_kind k)
{
    if ((unsigned)k < sizeof account_names / sizeof account_names[0])
        return account_names[k];
    return NULL;
}

bool country_filter_add(struct country_filter *f, const char *code)
{
    size_t len = strlen(code);
    if (len == 0 || len >= COUNTRY_CODE_SIZE)
        return false;
    if (strcmp(code, "ANY") == 0) {
        f->any = true;
        return true;
    }
    /* Sorted insert: the first code not below `code`. */
    int at = 0;
    while (at < f->n && strcmp(f->code[at], code) < 0)
        at++;
    if (at < f->n && strcmp(f->code[at], code) == 0)
        return true; /* listed already */
    if (f->n == COUNTRY_FILTER_MAX)
        return false;
    memmove(f->code[at + 1], f->code[at], (size_t)(f->n - at) * sizeof f->code[0]);
    memcpy(f->code[at], code, len + 1);
    f->n++;
    return true;
}

bool country_filter_active(const struct country_filter *f)
{
    return f != NULL && !f->any && f->n > 0;
}

bool country_filter_admits(const struct country_filter *f, const char *country_code)
{
    if (!country_filter_active(f))
        return true;
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->code[i], country_code) == 0)
            return true;
    return false;
}

bool country_filter_equal(const struct country_filter *a, const struct country_filter *b)
{
    bool on = country_filter_active(a);
    if (on != country_filter_active(b))
        return false;
    if (!on)
        return true;
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->code[i], b->code[i]) != 0)
            return false;
    return true;
}

struct shop_dialect *shop_dialect_mut(struct shop *s, const char *dialect)
{
    for (int i = 0; i < s->n_dialects && i < SHOP_DIALECTS_MAX; i++)
        if (strcmp(s->dialects[i].dialect, dialect) == 0)
            return &s->dialects[i];
    return NULL;
}

const struct shop_dialect *shop_dialect_find(const struct shop *s, const char *dialect)
{
    return shop_dialect_mut((struct shop *)s, dialect);
}

struct shop_dialect *shop_dialect_add(struct shop *s, const char *dialect)
{
    struct shop_dialect *d = shop_dialect_mut(s, dialect);
    size_t n = strlen(dialect);
    if (d != NULL)
        return d;
    if (s->n_dialects >= SHOP_DIALECTS_MAX || n == 0 || n >= sizeof d->dialect)
        return NULL;
    d = &s->dialects[s->n_dialects++];
    memset(d, 0, sizeof *d);
    memcpy(d->dialect, dialect, n + 1);
    return d;
}

bool order_filter_by_time(const struct order_filter *f)
{
    return f->from > 0 || f->to > 0;
}

static const char *const op_role_names[] = {"", "owner", "admin", "support", "finance", "viewer"};

const char *op_role_name(enum op_role r)
{
    return (int)r > 0 && (size_t)r < sizeof op_role_names / sizeof op_role_names[0]
               ? op_role_names[r]
               : "";
}

enum op_role op_role_parse(const char *name)
{
    for (size_t i = 1; name != NULL && i < sizeof op_role_names / sizeof op_role_names[0]; i++)
        if (strcmp(name, op_role_names[i]) == 0)
            return (enum op_role)i;
    return ROLE_NONE;
}

const char *withdrawal_status_name(int status)
{
    static const char *const names[] = {"pending", "completed", "rejected"};
    return status >= 0 && status < 3 ? names[status] : "";
}

static const char *const bank_message_states[] = {
    [BANK_MESSAGE_MATCHED] = "matched",
    [BANK_MESSAGE_UNMATCHED] = "unmatched",
    [BANK_MESSAGE_AMBIGUOUS] = "ambiguous",
    [BANK_MESSAGE_IGNORED] = "ignored",
};

const char *bank_message_state_name(enum bank_message_state s)
{
    if ((unsigned)s < sizeof bank_message_states / sizeof bank_message_states[0])
        return bank_message_states[s];
    return "unknown";
}

int bank_message_state_of(const char *name)
{
    for (size_t i = 0; i < sizeof bank_message_states / sizeof bank_message_states[0]; i++)
        if (strcmp(bank_message_states[i], name) == 0)
            return (int)i;
    return -1;
}
static const char *const dispute_status_names[] = {
    [DISPUTE_IN_PROGRESS] = "in_progress",
    [DISPUTE_PAUSED] = "paused",
    [DISPUTE_RESOLVED_SUCCESS] = "resolved_success",
    [DISPUTE_RESOLVED_CANCEL] = "resolved_cancel",
};
static const char *const dispute_party_names[] = {
    [PARTY_MERCHANT] = "merchant", [PARTY_CUSTOMER] = "customer", [PARTY_TRADER] = "trader",
    [PARTY_OPERATOR] = "operator", [PARTY_SYSTEM] = "system",
};
static const char *const dispute_awaiting_names[] = {
    [AWAIT_NONE] = "",
    [AWAIT_TRADER] = "trader",
    [AWAIT_OPERATOR] = "operator",
};

static int name_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

#define NAME_OF(table, v) ((unsigned)(v) < sizeof table / sizeof table[0] ? table[v] : "unknown")

const char *dispute_status_name(enum dispute_status s)
{
    return NAME_OF(dispute_status_names, s);
}
int dispute_status_parse(const char *name)
{
    return name_index(dispute_status_names, DISPUTE_STATUSES, name);
}
const char *dispute_party_name(enum dispute_party p)
{
    return NAME_OF(dispute_party_names, p);
}
int dispute_party_parse(const char *name)
{
    return name_index(dispute_party_names,
                      sizeof dispute_party_names / sizeof dispute_party_names[0], name);
}
const char *dispute_awaiting_name(enum dispute_awaiting a)
{
    return NAME_OF(dispute_awaiting_names, a);
}
int dispute_awaiting_parse(const char *name)
{
    return name_index(dispute_awaiting_names,
                      sizeof dispute_awaiting_names / sizeof dispute_awaiting_names[0], name);
}

static const char *const login_kind_names[] = {"", "operator", "trader", "merchant"};

const char *login_kind_name(enum login_kind k)
{
    return (int)k > 0 && (size_t)k < sizeof login_kind_names / sizeof login_kind_names[0]
               ? login_kind_names[k]
               : "";
}

enum login_kind login_kind_parse(const char *name)
{
    for (size_t i = 1; name != NULL && i < sizeof login_kind_names / sizeof login_kind_names[0];
         i++)
        if (strcmp(name, login_kind_names[i]) == 0)
            return (enum login_kind)i;
    return LOGIN_NONE;
}
