/* order.c: creating orders: idempotency, fee, exchange rate, requisite
 * assignment. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/random.h"
#include "core.h"
#include "kassa/money.h"
#include "method.h"
#include "provider/requisites.h"

/* Append v in decimal and the byte `end` (what snprintf's "%llu" and the
 * byte made before: stored fingerprints must stay the same; snprintf was a
 * fifth of a create's fingerprint time). */
static size_t fp_num(char *buf, size_t at, unsigned long long v, char end)
{
    char d[24];
    size_t n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        buf[at++] = d[--n];
    buf[at++] = end;
    return at;
}

/* fp_num for a signed v (as "%lld" wrote it). */
static size_t fp_int(char *buf, size_t at, long long v, char end)
{
    if (v >= 0)
        return fp_num(buf, at, (unsigned long long)v, end);
    buf[at++] = '-';
    return fp_num(buf, at, 0ULL - (unsigned long long)v, end);
}

/* Append one length-prefixed field to the fingerprint's input. */
static size_t fp_str(char *buf, size_t at, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (at + 24 > size)
        return at;
    at = fp_num(buf, at, n, ':');
    if (at + n <= size) {
        memcpy(buf + at, s, n);
        at += n;
    }
    return at;
}

/* SHA-256 over every parameter a client chooses: the same request twice has
 * the same fingerprint whatever its JSON spacing or key order. Every field
 * is bounded (model.h), so the input fits the buffer. */
static void order_fingerprint(const struct order *o, unsigned char out[32])
{
    char buf[12 * TEXT_SIZE + 4 * URL_SIZE + 256];
    size_t at = fp_int(buf, 0, o->amount, ';');
    at = fp_int(buf, at, o->payment_system, ';');
    at = fp_int(buf, at, o->test ? 1 : 0, ';');
    const char *fields[] = {o->currency,
                            o->requisite_type,
                            o->merchant_order_id,
                            o->customer_name,
                            o->customer_requisite,
                            o->bank_code,
                            o->countries,
                            o->payment_systems,
                            o->email,
                            o->phone,
                            o->success_url,
                            o->fail_url,
                            o->notify_url,
                            o->lang};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        at = fp_str(buf, at, sizeof buf, fields[i]);
    core_sha256(buf, at, out);
}

/* The host of an http(s) URL, lower case, into host ("" when none). */
static void url_host(const char *url, char *host, size_t size)
{
    host[0] = '\0';
    const char *p = strstr(url, "://");
    if (p == NULL)
        return;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at != NULL) { /* user:pass@host */
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t hn = n;
    if (*p == '[') { /* [v6]:port */
        const char *close = memchr(p, ']', n);
        hn = close != NULL ? (size_t)(close + 1 - p) : n;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon != NULL)
            hn = (size_t)(colon - p);
    }
    if (hn >= size)
        return;
    for (size_t i = 0; i < hn; i++)
        host[i] = (char)tolower((unsigned char)p[i]);
    host[hn] = '\0';
}

/* Whether host h is in the shop's form_hosts list. */
static bool host_listed(const struct shop *s, const char *h)
{
    size_t hl = strlen(h);
    for (const char *p = s->form_hosts; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == hl && memcmp(p, h, hl) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

const char *order_url_refused(const struct shop *s, const struct order *o)
{
    char a[256], b[256], h[256];
    url_host(s->url, a, sizeof a);
    url_host(s->callback_url, b, sizeof b);
    const char *names[] = {"success_url", "fail_url", "notify_url"};
    const char *urls[] = {o->success_url, o->fail_url, o->notify_url};
    for (size_t i = 0; i < 3; i++) {
        if (urls[i][0] == '\0')
            continue;
        url_host(urls[i], h, sizeof h);
        if (h[0] == '\0' || (strcmp(h, a) != 0 && strcmp(h, b) != 0 && !host_listed(s, h)))
            return names[i];
    }
    return NULL;
}

kassa_err order_create_prepare(struct order_create_cmd *cmd)
{
    struct order *o = &cmd->order;
    if (o->currency[0] == '\0')
        core_copy(o->currency, sizeof o->currency, "RUB");
    if (kassa_currency_find(o->currency) == NULL)
        return KASSA_ECURRENCY;
    if (o->amount <= 0)
        return KASSA_EMONEY_ZERO;
    if (o->amount > core_amount_limit(o->currency, false))
        return KASSA_EAMOUNT_LIMIT;
    /* Where the payer is sent and the merchant notified: never a URL that
     * could split a redirect's headers (the dialect names the field). */
    const char *urls[] = {o->success_url, o->fail_url, o->notify_url};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        if (urls[i][0] != '\0' && !core_http_url_ok(urls[i]))
            return KASSA_EINVAL;
    if (cmd->urls_unsigned && order_url_refused(&cmd->shop, o) != NULL)
        return KASSA_EINVAL;
    if (o->requisite_type[0] != '\0' && !requisite_type_known(o->requisite_type))
        return KASSA_EINVAL;
    /* The method the order uses (the one it names, else its requisite
     * type's: SBP 28, card 36, ...) must not be switched off for the shop.
     * Nothing to look up while the shop has every method on. */
    if (cmd->shop.methods_off != 0 &&
        method_off_for_shop(&cmd->shop, o->payment_system != 0
                                            ? method_find(o->payment_system)
                                            : method_for_requisite_type(o->requisite_type)))
        return KASSA_EMETHOD_OFF;
    kassa_err err = kassa_money_percent(o->amount, cmd->shop.fee_percent, &cmd->fee_percent_part);
    if (err != KASSA_OK)
        return err;
    o->fee = cmd->fee_percent_part;
    if (o->payment_system == 0 && cmd->method_asked > 0) {
        /* The method asked for is a parameter of the request, though the
         * order does not keep it (the payer chooses). */
        struct order *asked = malloc(sizeof *asked);
        if (asked == NULL)
            return KASSA_ENOMEM;
        *asked = *o;
        asked->payment_system = cmd->method_asked;
        order_fingerprint(asked, cmd->fingerprint);
        free(asked);
    } else {
        order_fingerprint(o, cmd->fingerprint);
    }
    /* A shop in test mode makes every order a test order, whatever the
     * dialect: the sandbox serves it (order_requisite; no pool, no claim,
     * no reserve) and no money moves (transition_postings). Not
     * fingerprinted: a retry after the mode changed answers the order made. */
    if (cmd->shop.test_mode)
        o->test = true;
    /* One draw of randomness for both uuids and the payer's token. */
    unsigned char rnd[10 + 10 + 16];
    random_bytes(rnd, sizeof rnd);
    int64_t now_ms = clock_now_ms();
    core_uuid7(now_ms, rnd, o->uuid);
    core_uuid7(now_ms, rnd + 10, o->uuid_callback);
    hex_encode(rnd + 20, 16, o->pay_token, false);
    o->shop_id = cmd->shop.id;
    o->status = ORDER_PENDING;
    o->created_at = o->updated_at = now_ms / 1000;
    /* The shop's TTL in the dialect that creates the order, else that
     * dialect's default. */
    const struct core_dialect *d = core_dialect_by_id(o->origin);
    const struct shop_dialect *row = d != NULL ? shop_dialect_find(&cmd->shop, d->name) : NULL;
    int ttl = row != NULL ? row->order_ttl : d != NULL ? d->order_ttl : 0;
    o->expires_at = o->created_at + (ttl > 0 ? ttl : 900);
    cmd->replayed = false;
    return KASSA_OK;
}

/* amount (of `currency`) in USDT minor units at `rate`, half-up; 0 when
 * the rate is unusable. */
static int64_t to_usdt(int64_t amount, const char *currency, const char *rate)
{
    int64_t v = money_convert(amount, currency, rate, "USDT");
    return v > 0 ? v : 0;
}

kassa_err order_received_check(const char *currency, int64_t received)
{
    if (kassa_currency_find(currency) == NULL)
        return KASSA_ECURRENCY;
    if (received <= 0)
        return KASSA_EMONEY_ZERO;
    if (received > core_amount_limit(currency, false))
        return KASSA_EAMOUNT_LIMIT;
    return KASSA_OK;
}

void order_receive(struct order *o, int64_t received)
{
    /* fee <= amount (a create refuses a fee beyond its amount), so the
     * scaled fee is <= received; both fit: received is bounded by the
     * order limit, and the product is taken in 128 bits. */
    __int128 num = (__int128)o->fee * received;
    o->fee = o->amount > 0 ? (int64_t)((num * 2 + o->amount) / (2 * (__int128)o->amount)) : 0;
    o->amount_received = received;
    if (strcmp(o->currency, "USDT") == 0)
        o->amount_usdt = received;
    else if (o->exchange_rate[0] != '\0')
        o->amount_usdt = to_usdt(received, o->currency, o->exchange_rate);
    else
        o->amount_usdt = 0;
}

/* The reads of a create one by one (a backend without order_create_reads_many):
 * stops after an idempotency record is found, so that the pool's cursor
 * moves only for a new order. */
static kassa_err create_reads_each(struct store_conn *c, struct order_reads *r)
{
    kassa_err err;
    r->idem_err = r->fee_err = r->rate_err = r->requisite_err = KASSA_ENOTFOUND;
    if (r->idem_key[0] != '\0') {
        err = STORE_CALL(c, idem_get, r->shop_id, r->idem_key, &r->idem);
        if (err != KASSA_OK && err != KASSA_ENOTFOUND)
            return err;
        if ((r->idem_err = err) == KASSA_OK)
            return KASSA_OK;
    }
    err = STORE_CALL(c, shop_fee_get, r->shop_id, r->currency, &r->fixed_fee);
    if (err != KASSA_OK && err != KASSA_ENOTFOUND)
        return err;
    r->fee_err = err;
    if (strcmp(r->currency, "USDT") != 0) {
        err = STORE_CALL(c, rate_get, "USDT", r->currency, r->rate);
        if (err != KASSA_OK && err != KASSA_ENOTFOUND)
            return err;
        r->rate_err = err;
    }
    return KASSA_OK; /* the requisite: create_assign */
}

/* The reads of n creates in one round trip (order_create_reads_many), and
 * their requisites picked by the pool's rotation from the rows it read
 * (*rows, which the caller frees). */
static kassa_err create_reads_many(struct store_conn *c, struct order_reads *rd, int n,
                                   struct requisite_list *rows)
{
    kassa_err err = STORE_CALL(c, order_create_reads_many, rd, n, rows);
    if (err == KASSA_OK)
        requisites_pick_from(c->store, rows, rd, n);
    return err;
}

/* The reads' inputs for cmd. */
static void create_reads_init(struct order_create_cmd *cmd, struct order_reads *rd)
{
    memset(rd, 0, sizeof *rd);
    rd->shop_id = cmd->shop.id;
    rd->idem_key = cmd->idem_key;
    rd->currency = cmd->order.currency;
    /* a test order reads no pool: the sandbox serves it */
    rd->requisite_type = cmd->order.test ? "" : cmd->order.requisite_type;
    rd->bank_code = cmd->order.bank_code;
    rd->amount = cmd->order.amount;
    /* NULL unless it restricts: a create without countries picks as before */
    rd->countries = country_filter_active(&cmd->countries) ? &cmd->countries : NULL;
}

/* What a create makes of its reads. KASSA_OK with *insert: the order is
 * ready to insert (fee, rate and requisite set) with its idempotency record
 * in *rec (key "" = none); KASSA_OK without: answered from the idempotency
 * record (the order read, cmd->replayed); else the refusal. */
/* store_order_fn keeping the first (oldest) order, then stopping. */
static bool first_order(void *arg, const struct order *o)
{
    struct order *out = arg;
    *out = *o;
    return false;
}

static kassa_err create_decide(struct store_conn *c, struct order_create_cmd *cmd,
                               const struct order_reads *rd, struct idem *rec, bool *insert)
{
    struct order *o = &cmd->order;
    *insert = false;
    cmd->replayed = false;
    if (cmd->idem_key[0] != '\0' && rd->idem_err == KASSA_OK) {
        if (memcmp(rd->idem.fingerprint, cmd->fingerprint, sizeof rd->idem.fingerprint) != 0)
            return KASSA_ECONFLICT;
        kassa_err err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, rd->idem.order_id, o);
        if (err == KASSA_OK)
            cmd->replayed = true;
        return err;
    }
    if (cmd->merchant_order_id_unique && o->merchant_order_id[0] != '\0') {
        /* No key (it was forgotten after its retention): the order itself
         * says the id is taken. A replay of a captured request days later
         * answers the order it made, never a second one. */
        struct order *old = malloc(sizeof *old);
        if (old == NULL)
            return KASSA_ENOMEM;
        old->id = 0;
        kassa_err err = STORE_CALL(c, orders_by_merchant_order_id, cmd->shop.id,
                                   o->merchant_order_id, first_order, old);
        if (err == KASSA_OK && old->id != 0) {
            unsigned char fp[32];
            order_fingerprint(old, fp);
            if (memcmp(fp, cmd->fingerprint, sizeof fp) != 0) {
                err = KASSA_ECONFLICT;
            } else {
                *o = *old;
                cmd->replayed = true;
            }
            free(old);
            return err;
        }
        free(old);
        if (err != KASSA_OK)
            return err;
    }

    /* apply may run again (KASSA_ERETRY, a batch rolled back and run
     * again): everything it sets is set anew. */
    o->status = ORDER_PENDING;
    o->requisite_id = 0;
    memset(&o->req, 0, sizeof o->req);

    /* prepare computed the percent part; the fixed part is read here, in the
     * transaction, so a tariff change applies at once. */
    int64_t fixed = rd->fee_err == KASSA_OK ? rd->fixed_fee : 0;
    if (fixed > o->amount - cmd->fee_percent_part)
        return KASSA_EMONEY_RANGE;
    o->fee = cmd->fee_percent_part + fixed;

    if (strcmp(o->currency, "USDT") == 0) {
        o->amount_usdt = o->amount;
        core_copy(o->exchange_rate, sizeof o->exchange_rate, "1.00");
    } else if (rd->rate_err == KASSA_OK) {
        core_copy(o->exchange_rate, sizeof o->exchange_rate, rd->rate);
        o->amount_usdt = to_usdt(o->amount, o->currency, o->exchange_rate);
    } else {
        o->exchange_rate[0] = '\0';
    }

    o->trader_id = o->reserve = o->amount_requested = 0;
    o->no_requisite_reason[0] = '\0';

    memset(rec, 0, sizeof *rec);
    rec->shop_id = cmd->shop.id;
    rec->created_at = o->created_at;
    if (cmd->idem_key[0] != '\0') {
        core_copy(rec->key, sizeof rec->key, cmd->idem_key);
        memcpy(rec->fingerprint, cmd->fingerprint, sizeof rec->fingerprint);
    }
    *insert = true;
    return KASSA_OK;
}

/* One whole unit of `currency` in minor units (1 when unknown). */
static int64_t currency_unit(const char *currency)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    int64_t unit = 1;
    for (int i = 0; cur != NULL && i < cur->exponent; i++)
        unit *= 10;
    return unit;
}

/* The requisite of a new order by the pool's whole rule
 * (provider/requisites.h), and what follows from it: a raised amount's
 * fee and USDT amount, the trader and the reserve, or no requisite and
 * why. rows: what the reads read, NULL to read them. */
static kassa_err create_assign(struct store_conn *c, struct order_create_cmd *cmd,
                               const struct order_reads *rd, const struct requisite_list *rows)
{
    struct order *o = &cmd->order;
    int64_t unit = currency_unit(o->currency);
    struct pick_ask a = {.type = o->requisite_type,
                         .currency = o->currency,
                         .bank_code = o->bank_code,
                         .countries = rd->countries,
                         .amount = o->amount,
                         .raise_max = (int64_t)cmd->shop.amount_adjust_max * unit,
                         .unit = unit,
                         .rate = o->exchange_rate,
                         .now = o->created_at};
    struct pick p;
    kassa_err err = requisites_assign(c, &a, rows, &p);
    if (err == KASSA_ENOTFOUND) {
        o->status = ORDER_NO_REQUISITE;
        core_copy(o->no_requisite_reason, sizeof o->no_requisite_reason,
                  pick_reason_name(p.reason));
        return KASSA_OK;
    }
    if (err != KASSA_OK)
        return err;
    o->req = p.req;
    o->requisite_id = p.req.id;
    o->trader_id = p.req.trader_id;
    o->reserve = p.reserve;
    core_copy(cmd->trader_currency, sizeof cmd->trader_currency, p.trader_currency);
    if (p.amount != o->amount) {
        /* Raised to a unique amount: the fee and the USDT amount are those
         * of what the payer is to pay. */
        int64_t part, fixed = o->fee - cmd->fee_percent_part;
        if ((err = kassa_money_percent(p.amount, cmd->shop.fee_percent, &part)) != KASSA_OK)
            return err;
        o->amount_requested = o->amount;
        o->amount = p.amount;
        o->fee = part + fixed;
        if (o->exchange_rate[0] != '\0')
            o->amount_usdt = to_usdt(o->amount, o->currency, o->exchange_rate);
    }
    return KASSA_OK;
}

/* What the pick decided beyond the insert's columns, once the order has
 * its id: the trader's reserve posting, and the row's pick columns. */
static kassa_err create_assigned(struct store_conn *c, struct order_create_cmd *cmd)
{
    struct order *o = &cmd->order;
    kassa_err err;
    if (o->trader_id != 0 && o->reserve > 0 &&
        (err = ledger_trader_reserve(c, o, cmd->trader_currency, true)) != KASSA_OK)
        return err;
    if (o->trader_id != 0 || o->amount_requested != 0 || o->no_requisite_reason[0] != '\0')
        return store_order_set_pick(c, o);
    return KASSA_OK;
}

kassa_err order_create_apply(struct store_conn *c, struct store_task *task)
{
    struct order_create_cmd *cmd = container_of(task, struct order_create_cmd, task);
    struct order *o = &cmd->order;
    kassa_err err;
    cmd->replayed = false;
    if ((err = nonce_record(c, cmd->shop.id, &cmd->nonce)) != KASSA_OK)
        return err;

    /* Every read first: in one round trip where the backend can. */
    struct order_reads rd;
    struct requisite_list rows = {NULL, 0};
    create_reads_init(cmd, &rd);
    bool many = c->ops->order_create_reads_many != NULL;
    /* (the rows read, not the group's rotation: create_assign rotates) */
    err = many ? STORE_CALL(c, order_create_reads_many, &rd, 1, &rows) : create_reads_each(c, &rd);
    struct idem rec;
    bool insert = false;
    if (err == KASSA_OK)
        err = create_decide(c, cmd, &rd, &rec, &insert);
    if (err == KASSA_OK && insert && o->requisite_type[0] != '\0' && !o->test)
        err = create_assign(c, cmd, &rd, many ? &rows : NULL);
    free(rows.rows);
    if (err != KASSA_OK || !insert)
        return err;

    if (c->ops->order_insert_idem) {
        /* Another node or writer committed this key meanwhile: ERETRY, and
         * the run again answers its order. */
        err = STORE_CALL(c, order_insert_idem, o, cmd->idem_key[0] != '\0' ? &rec : NULL);
        if (err != KASSA_OK)
            return err == KASSA_EEXIST ? KASSA_ERETRY : err;
    } else {
        if ((err = STORE_CALL(c, order_insert, o)) != KASSA_OK)
            return err == KASSA_EEXIST ? KASSA_EIO : err;
        if (cmd->idem_key[0] != '\0') {
            rec.order_id = o->id;
            err = STORE_CALL(c, idem_put, &rec);
            /* Another node committed this key meanwhile (PostgreSQL): run
             * again, and the idempotency check will answer its order. */
            if (err == KASSA_EEXIST)
                return KASSA_ERETRY;
            if (err != KASSA_OK)
                return err;
        }
    }
    if ((err = create_assigned(c, cmd)) != KASSA_OK)
        return err;
    /* Born final (no requisite could take it): the merchant hears of it. */
    if (o->status == ORDER_NO_REQUISITE && (err = order_event(c, o)) != KASSA_OK)
        return err;
    core_count_order(o);
    return receipt_items_put(c, o->id, cmd->receipt);
}

/* True when an earlier create of tasks[0..i) carries tasks[i]'s idempotency
 * key for the same shop. */
static bool key_earlier(struct store_task **tasks, int i)
{
    const struct order_create_cmd *a = container_of(tasks[i], const struct order_create_cmd, task);
    if (a->idem_key[0] == '\0')
        return false;
    for (int j = 0; j < i; j++) {
        const struct order_create_cmd *b =
            container_of(tasks[j], const struct order_create_cmd, task);
        if (b->shop.id == a->shop.id && strcmp(b->idem_key, a->idem_key) == 0)
            return true;
    }
    return false;
}

/* Several creates at once (store_task.run_many): the reads of all in one
 * statement, the decisions one by one as in order_create_apply, the new
 * orders and their idempotency records in one statement. A create whose key
 * an earlier one of the group carries is left to run alone after the group
 * (KASSA_ERETRY), where it finds the earlier one's record. */
static kassa_err order_create_apply_many(struct store_conn *c, struct store_task **tasks, int n,
                                         kassa_err *results)
{
    struct order_reads *rd = malloc((size_t)n * sizeof *rd);
    struct idem *recs = malloc((size_t)n * sizeof *recs);
    struct order **orders = malloc((size_t)n * sizeof *orders);
    struct idem **idems = malloc((size_t)n * sizeof *idems);
    kassa_err err = KASSA_ENOMEM;
    if (rd == NULL || recs == NULL || orders == NULL || idems == NULL)
        goto out;
    struct requisite_list rows = {NULL, 0};
    for (int i = 0; i < n; i++)
        create_reads_init(container_of(tasks[i], struct order_create_cmd, task), &rd[i]);
    err = create_reads_many(c, rd, n, &rows);
    free(rows.rows);
    if (err != KASSA_OK)
        goto out;
    int m = 0;
    for (int i = 0; i < n; i++) {
        struct order_create_cmd *cmd = container_of(tasks[i], struct order_create_cmd, task);
        bool insert = false;
        if (key_earlier(tasks, i)) {
            results[i] = KASSA_ERETRY;
            continue;
        }
        /* create_decide writes nothing: a refusal (or a failed replay
         * read) is that create's result alone. */
        results[i] = create_decide(c, cmd, &rd[i], &recs[m], &insert);
        if (results[i] == KASSA_OK && insert) {
            /* The group takes the rotation's pick of a plain requisite;
             * any other case (none, a trader's, limits: the database's
             * word) runs alone with the whole rule. */
            struct order *o = &cmd->order;
            if (o->requisite_type[0] != '\0' && !o->test) {
                if (rd[i].requisite_err != KASSA_OK || requisite_limited(&rd[i].requisite)) {
                    results[i] = KASSA_ERETRY;
                    continue;
                }
                o->req = rd[i].requisite;
                o->requisite_id = o->req.id;
            }
            orders[m] = o;
            idems[m] = cmd->idem_key[0] != '\0' ? &recs[m] : NULL;
            m++;
        }
    }
    if (m > 0 && (err = STORE_CALL(c, order_insert_many, orders, idems, m)) != KASSA_OK)
        goto out;
    err = KASSA_OK;
    for (int i = 0; i < m && err == KASSA_OK; i++) {
        if (orders[i]->status == ORDER_NO_REQUISITE)
            err = order_event(c, orders[i]);
        core_count_order(orders[i]);
    }
out:
    free(rd);
    free(recs);
    free(orders);
    free(idems);
    return err;
}

store_task_many_fn order_create_many_fn(const struct store *s)
{
    const struct store_ops *ops = s->ops;
    return ops->order_create_reads_many && ops->order_insert_many ? order_create_apply_many : NULL;
}

void order_create_init(struct order_create_cmd *cmd)
{
    cmd->task.run = order_create_apply;
    /* The grouped create writes orders and their keys only: a create that
     * also records a nonce or stores items runs alone. */
    bool plain = !cmd->nonce.has && (cmd->receipt == NULL || cmd->receipt->n == 0);
    cmd->task.run_many = plain && core_store() ? order_create_many_fn(core_store()) : NULL;
}

int64_t order_ttl_left(const struct order *o)
{
    int64_t left = o->expires_at - clock_now();
    return left > 0 ? left : 0;
}

kassa_err order_find_ref(struct store *s, const char *ref, struct order *o)
{
    struct store_conn *c = store_reader(s);
    if (c == NULL)
        return KASSA_EIO;
    kassa_err err = KASSA_ENOTFOUND;
    if (core_is_uuid(ref)) {
        err = STORE_CALL(c, order_get, ORDER_BY_UUID, ref, 0, o);
    } else if (*ref >= '1' && *ref <= '9') {
        char *end;
        long long id = strtoll(ref, &end, 10);
        if (*end == '\0')
            err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, id, o);
    }
    store_release(c);
    return err;
}
