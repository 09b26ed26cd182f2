/* dispute.c: disputes (spec/p2p.md "Disputes", core.h). The rules live
 * here, none in a dialect:
 *
 *   open (merchant; the payer's receipt on a timed-out order)
 *        on an expired, canceled or failed order, or a pending one the
 *        payer confirmed -> in_progress, the trader's move, the shop's
 *        dispute_ttl to answer
 *   trader accepts (amount received)  -> resolved_success: the order
 *        completes (late) through order_transition_received, ACTOR_DISPUTE
 *   trader rejects (reason, evidence) -> the operator's move
 *   the trader's time runs out       -> the operator's move (a system log
 *        line), or resolved_success with the shop's dispute_auto_success
 *   operator: pause (stops the clock) / resume, decide success or cancel
 *        at any time
 *   resolved_cancel -> reopened once by the merchant with new evidence
 *
 * Every change appends a log line and, for shops with dispute_callbacks,
 * a dispute.<status> event (the signed dispute callback). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/random.h"
#include "core.h"
#include "kassa/money.h"

/* A log line being written: a comment and the words around it (cut to
 * DISPUTE_DETAILS_SIZE when stored). */
#define DETAILS_BUF (DISPUTE_COMMENT_SIZE + 512)

const char *const dispute_reasons[] = {
    "payment_not_found",        "fake_proof",           "invalid_proof_datetime",
    "invalid_proof_requisites", "bank_account_blocked", NULL,
};

bool dispute_reason_known(const char *code)
{
    for (size_t i = 0; code != NULL && dispute_reasons[i] != NULL; i++)
        if (strcmp(dispute_reasons[i], code) == 0)
            return true;
    return false;
}

int64_t dispute_ttl_left(const struct dispute *d, int64_t now)
{
    if (d->status != DISPUTE_IN_PROGRESS || d->awaiting != AWAIT_TRADER)
        return 0;
    return d->deadline > now ? d->deadline - now : 0;
}

void dispute_pause_at(struct dispute *d, int64_t now)
{
    d->status = DISPUTE_PAUSED;
    d->paused_at = now;
}

void dispute_resume_at(struct dispute *d, int64_t now)
{
    int64_t paused = d->paused_at > 0 && now > d->paused_at ? now - d->paused_at : 0;
    d->pause_duration += paused;
    d->deadline += paused;
    d->paused_at = 0;
    if (d->status == DISPUTE_PAUSED)
        d->status = DISPUTE_IN_PROGRESS;
}

bool dispute_order_ok(const struct order *o)
{
    return o->status == ORDER_EXPIRED || o->status == ORDER_CANCELED || o->status == ORDER_FAILED ||
           (o->status == ORDER_PENDING && o->confirmed_by_customer);
}

const char *dispute_evidence_type(const void *data, size_t len)
{
    static const unsigned char pdf[] = {'%', 'P', 'D', 'F', '-'};
    const char *image = receipt_image_type(data, len);
    if (image != NULL)
        return image;
    if (len >= sizeof pdf && memcmp(data, pdf, sizeof pdf) == 0)
        return "application/pdf";
    return NULL;
}

static const char *extension(const char *content_type)
{
    if (strcmp(content_type, "image/jpeg") == 0)
        return "jpg";
    if (strcmp(content_type, "image/png") == 0)
        return "png";
    return "pdf";
}

static void new_uuid(char out[UUID_SIZE])
{
    unsigned char rnd[10];
    random_bytes(rnd, sizeof rnd);
    core_uuid7(clock_now_ms(), rnd, out);
}

/* "950.00 RUB" */
static void money_text(int64_t amount, const char *currency, char *out, size_t size)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    int exp = cur != NULL ? cur->exponent : 2;
    char n[48];
    kassa_money_format(amount, exp, exp, n, sizeof n);
    snprintf(out, size, "%s %s", n, currency);
}

static kassa_err log_line(struct store_conn *c, const struct dispute *d, enum dispute_party actor,
                          const char *details)
{
    struct dispute_log l = {.dispute_id = d->id, .actor = actor, .status = d->status};
    new_uuid(l.uuid);
    core_copy(l.details, sizeof l.details, details);
    if (strlen(details) >= sizeof l.details) /* cut on a character's start */
        for (size_t n = sizeof l.details - 1;
             n > 0 && ((unsigned char)l.details[n] & 0xC0) == 0x80;)
            l.details[--n] = '\0';
    l.created_at = clock_now();
    return store_dispute_log_insert(c, &l);
}

static kassa_err add_evidence(struct store_conn *c, const struct dispute *d, enum dispute_party who,
                              const struct dispute_file *f, int n)
{
    for (int i = 0; i < n; i++) {
        if (f[i].content_type == NULL || f[i].len > DISPUTE_FILE_MAX)
            return KASSA_EINVAL;
        struct dispute_evidence e = {.dispute_id = d->id, .uploader = who};
        new_uuid(e.uuid);
        snprintf(e.key, sizeof e.key, "disputes/%s/%s.%s", d->uuid, e.uuid,
                 extension(f[i].content_type));
        core_copy(e.content_type, sizeof e.content_type, f[i].content_type);
        e.created_at = clock_now();
        kassa_err err = STORE_CALL(c, evidence_put, &e, f[i].data, f[i].len);
        if (err != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

/* The dispute event of a shop that turns its callback on. */
static kassa_err dispute_event(struct store_conn *c, const struct dispute *d, const struct order *o)
{
    struct shop *s = malloc(sizeof *s);
    if (s == NULL)
        return KASSA_ENOMEM;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, d->shop_id, s);
    if (err == KASSA_OK && s->dispute_callbacks) {
        char kind[48];
        snprintf(kind, sizeof kind, "dispute.%s", dispute_status_name(d->status));
        err = order_event_kind(c, o, kind);
    }
    free(s);
    return err;
}

/* Write d (changed from old_status/old_awaiting), its log line and event. */
static kassa_err dispute_write(struct store_conn *c, struct dispute *d,
                               enum dispute_status old_status, enum dispute_awaiting old_awaiting,
                               enum dispute_party actor, const char *details, const struct order *o)
{
    d->modified_at = clock_now();
    kassa_err err = store_dispute_update(c, d, old_status, old_awaiting);
    if (err == KASSA_ESTATE)
        return KASSA_ERETRY; /* changed since it was read: read it again */
    if (err == KASSA_OK)
        err = log_line(c, d, actor, details);
    if (err == KASSA_OK)
        err = dispute_event(c, d, o);
    return err;
}

/* Resolve d in the payer's favour: the order completes with `amount`
 * (0: the dispute's), unless it is completed already. */
static kassa_err resolve_success(struct store_conn *c, struct dispute *d, struct order *o,
                                 int64_t amount)
{
    if (amount <= 0)
        amount = d->amount;
    if (o->status != ORDER_COMPLETED) {
        int64_t received = amount == o->amount ? 0 : amount;
        kassa_err err = order_transition_received(c, o, ORDER_COMPLETED, ACTOR_DISPUTE, received);
        if (err != KASSA_OK)
            return err;
    }
    if (d->status == DISPUTE_PAUSED)
        dispute_resume_at(d, clock_now());
    d->status = DISPUTE_RESOLVED_SUCCESS;
    d->awaiting = AWAIT_NONE;
    d->amount_received = amount;
    return KASSA_OK;
}

static void with_comment(char *out, size_t size, const char *what, const char *comment)
{
    if (comment[0] != '\0')
        snprintf(out, size, "%s: %s", what, comment);
    else
        snprintf(out, size, "%s", what);
}

static kassa_err dispute_open(struct store_conn *c, struct dispute_cmd *cmd)
{
    struct order *o = &cmd->order;
    struct dispute *d = &cmd->dispute;
    kassa_err err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd->order_id, o);
    if (err != KASSA_OK)
        return err;
    if (cmd->shop_id != 0 && o->shop_id != cmd->shop_id)
        return KASSA_ENOTFOUND;
    err = store_dispute_get(c, DISPUTE_BY_ORDER, o->id, NULL, d);
    if (err != KASSA_OK && err != KASSA_ENOTFOUND)
        return err;
    bool exists = err == KASSA_OK;
    if (exists && d->status != DISPUTE_RESOLVED_CANCEL) {
        cmd->refusal =
            d->status == DISPUTE_RESOLVED_SUCCESS ? DISPUTE_REFUSE_RESOLVED : DISPUTE_REFUSE_OPEN;
        return KASSA_ESTATE;
    }
    if (exists && d->reopened_at != 0) {
        cmd->refusal = DISPUTE_REFUSE_REOPENED;
        return KASSA_ESTATE;
    }
    if (exists && cmd->n_files == 0) {
        cmd->refusal = DISPUTE_REFUSE_NO_EVIDENCE;
        return KASSA_ESTATE;
    }
    if (!dispute_order_ok(o)) {
        cmd->refusal = DISPUTE_REFUSE_ORDER_STATE;
        return KASSA_ESTATE;
    }
    int64_t now = clock_now();
    char details[DETAILS_BUF], money[64];
    int64_t amount = cmd->amount > 0 ? cmd->amount : o->amount;
    money_text(amount, o->currency, money, sizeof money);
    if (exists) {
        enum dispute_status old_status = d->status;
        enum dispute_awaiting old_awaiting = d->awaiting;
        d->status = DISPUTE_IN_PROGRESS;
        d->awaiting = AWAIT_TRADER;
        d->amount = amount;
        core_copy(d->comment, sizeof d->comment, cmd->comment);
        d->reject_reason[0] = '\0';
        d->reopened_at = now;
        d->deadline = now + d->ttl;
        d->paused_at = 0;
        cmd->reopened = true;
        snprintf(details, sizeof details, "reopened by the %s: the payer says %s was sent%s%s",
                 dispute_party_name(cmd->actor), money, cmd->comment[0] ? "; " : "", cmd->comment);
        if ((err = add_evidence(c, d, cmd->actor, cmd->files, cmd->n_files)) != KASSA_OK)
            return err;
        return dispute_write(c, d, old_status, old_awaiting, cmd->actor, details, o);
    }
    struct shop *s = malloc(sizeof *s);
    if (s == NULL)
        return KASSA_ENOMEM;
    err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, o->shop_id, s);
    int ttl = err == KASSA_OK && s->dispute_ttl > 0 ? s->dispute_ttl : DISPUTE_TTL_DEFAULT;
    free(s);
    if (err != KASSA_OK)
        return err;
    memset(d, 0, sizeof *d);
    new_uuid(d->uuid);
    d->order_id = o->id;
    d->shop_id = o->shop_id;
    d->amount = amount;
    core_copy(d->comment, sizeof d->comment, cmd->comment);
    d->status = DISPUTE_IN_PROGRESS;
    d->initiator = cmd->actor;
    d->awaiting = AWAIT_TRADER;
    d->ttl = ttl;
    d->deadline = now + ttl;
    d->created_at = d->modified_at = now;
    if ((err = store_dispute_insert(c, d)) != KASSA_OK)
        return err;
    snprintf(details, sizeof details, "opened by the %s: the payer says %s was sent%s%s",
             dispute_party_name(cmd->actor), money, cmd->comment[0] ? "; " : "", cmd->comment);
    if ((err = add_evidence(c, d, cmd->actor, cmd->files, cmd->n_files)) != KASSA_OK ||
        (err = log_line(c, d, cmd->actor, details)) != KASSA_OK ||
        (err = dispute_event(c, d, o)) != KASSA_OK)
        return err;
    return KASSA_OK;
}

kassa_err dispute_from_receipt(struct store_conn *c, const struct order *o,
                               const struct dispute_file *f)
{
    if (o->status != ORDER_EXPIRED)
        return KASSA_OK;
    struct dispute_cmd *cmd = calloc(1, sizeof *cmd);
    if (cmd == NULL)
        return KASSA_ENOMEM;
    kassa_err err = store_dispute_get(c, DISPUTE_BY_ORDER, o->id, NULL, &cmd->dispute);
    if (err == KASSA_ENOTFOUND) {
        cmd->action = DISPUTE_OPEN;
        cmd->actor = PARTY_CUSTOMER;
        cmd->order_id = o->id;
        cmd->files[0] = *f;
        cmd->n_files = 1;
        snprintf(cmd->comment, sizeof cmd->comment, "the payer's receipt");
        err = dispute_open(c, cmd);
    } else if (err == KASSA_OK && (cmd->dispute.status == DISPUTE_IN_PROGRESS ||
                                   cmd->dispute.status == DISPUTE_PAUSED)) {
        err = add_evidence(c, &cmd->dispute, PARTY_CUSTOMER, f, 1);
        if (err == KASSA_OK)
            err = log_line(c, &cmd->dispute, PARTY_CUSTOMER, "the payer's receipt added");
    }
    free(cmd);
    return err;
}

/* The dispute a command names, checked against the shop or trader it is
 * limited to, with its order. */
static kassa_err dispute_load(struct store_conn *c, struct dispute_cmd *cmd)
{
    kassa_err err = store_dispute_get(c, DISPUTE_BY_UUID, 0, cmd->uuid, &cmd->dispute);
    if (err != KASSA_OK)
        return err;
    const struct dispute *d = &cmd->dispute;
    if ((cmd->shop_id != 0 && d->shop_id != cmd->shop_id) ||
        (cmd->actor == PARTY_TRADER && (cmd->trader_id == 0 || d->trader_id != cmd->trader_id)))
        return KASSA_ENOTFOUND;
    return STORE_CALL(c, order_get, ORDER_BY_ID, NULL, d->order_id, &cmd->order);
}

kassa_err dispute_apply(struct store_conn *c, struct store_task *task)
{
    struct dispute_cmd *cmd = container_of(task, struct dispute_cmd, task);
    cmd->refusal = DISPUTE_REFUSE_NONE;
    cmd->reopened = false;
    if (cmd->n_files < 0 || cmd->n_files > DISPUTE_FILES_MAX)
        return KASSA_EINVAL;
    kassa_err err;
    if (cmd->action == DISPUTE_OPEN) {
        err = dispute_open(c, cmd);
        /* as stored, with its order's and shop's columns */
        return err != KASSA_OK
                   ? err
                   : store_dispute_get(c, DISPUTE_BY_ID, cmd->dispute.id, NULL, &cmd->dispute);
    }
    err = dispute_load(c, cmd);
    if (err != KASSA_OK)
        return err;
    struct dispute *d = &cmd->dispute;
    struct order *o = &cmd->order;
    enum dispute_status old_status = d->status;
    enum dispute_awaiting old_awaiting = d->awaiting;
    if (d->status == DISPUTE_RESOLVED_SUCCESS || d->status == DISPUTE_RESOLVED_CANCEL) {
        cmd->refusal = DISPUTE_REFUSE_RESOLVED;
        return KASSA_ESTATE;
    }
    int64_t now = clock_now();
    char details[DETAILS_BUF], what[256], money[64];
    const char *behalf = cmd->actor == PARTY_TRADER ? "" : " for the trader";
    switch (cmd->action) {
    case DISPUTE_ACCEPT:
    case DISPUTE_REJECT:
        if (d->status != DISPUTE_IN_PROGRESS || d->awaiting != AWAIT_TRADER) {
            cmd->refusal = DISPUTE_REFUSE_NOT_TRADERS;
            return KASSA_ESTATE;
        }
        if (cmd->action == DISPUTE_REJECT) {
            if (!dispute_reason_known(cmd->reason))
                return KASSA_EINVAL;
            core_copy(d->reject_reason, sizeof d->reject_reason, cmd->reason);
            d->awaiting = AWAIT_OPERATOR;
            snprintf(what, sizeof what, "rejected%s (%s): awaiting the operator", behalf,
                     cmd->reason);
            if ((err = add_evidence(c, d, cmd->actor, cmd->files, cmd->n_files)) != KASSA_OK)
                return err;
            break;
        }
        if ((err = resolve_success(c, d, o, cmd->amount)) != KASSA_OK)
            return err;
        money_text(d->amount_received, o->currency, money, sizeof money);
        snprintf(what, sizeof what, "accepted%s: %s received", behalf, money);
        break;
    case DISPUTE_DECIDE_SUCCESS:
        if ((err = resolve_success(c, d, o, cmd->amount)) != KASSA_OK)
            return err;
        money_text(d->amount_received, o->currency, money, sizeof money);
        snprintf(what, sizeof what, "decided in the payer's favour: %s received", money);
        break;
    case DISPUTE_DECIDE_CANCEL:
        if (d->status == DISPUTE_PAUSED)
            dispute_resume_at(d, now);
        d->status = DISPUTE_RESOLVED_CANCEL;
        d->awaiting = AWAIT_NONE;
        snprintf(what, sizeof what, "decided against the payer: canceled");
        break;
    case DISPUTE_PAUSE:
        if (d->status == DISPUTE_PAUSED) {
            cmd->refusal = DISPUTE_REFUSE_PAUSED;
            return KASSA_ESTATE;
        }
        dispute_pause_at(d, now);
        snprintf(what, sizeof what, "paused");
        break;
    case DISPUTE_RESUME:
        if (d->status != DISPUTE_PAUSED) {
            cmd->refusal = DISPUTE_REFUSE_NOT_PAUSED;
            return KASSA_ESTATE;
        }
        snprintf(what, sizeof what, "resumed after %lld s",
                 (long long)(now > d->paused_at ? now - d->paused_at : 0));
        dispute_resume_at(d, now);
        break;
    default:
        return KASSA_EINVAL;
    }
    with_comment(details, sizeof details, what, cmd->comment);
    err = dispute_write(c, d, old_status, old_awaiting, cmd->actor, details, o);
    return err != KASSA_OK ? err : store_dispute_get(c, DISPUTE_BY_ID, d->id, NULL, d);
}

kassa_err dispute_expire_apply(struct store_conn *c, struct store_task *task)
{
    struct dispute_expire_cmd *cmd = container_of(task, struct dispute_expire_cmd, task);
    int64_t ids[DISPUTE_EXPIRE_BATCH];
    int n = 0;
    cmd->expired = 0;
    kassa_err err = store_disputes_due(c, clock_now(), DISPUTE_EXPIRE_BATCH, ids, &n);
    if (err != KASSA_OK)
        return err;
    struct dispute_cmd *dc = malloc(sizeof *dc);
    struct shop *s = malloc(sizeof *s);
    if (dc == NULL || s == NULL) {
        free(dc);
        free(s);
        return KASSA_ENOMEM;
    }
    for (int i = 0; i < n && err == KASSA_OK; i++) {
        struct dispute *d = &dc->dispute;
        struct order *o = &dc->order;
        if ((err = store_dispute_get(c, DISPUTE_BY_ID, ids[i], NULL, d)) != KASSA_OK ||
            (err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, d->order_id, o)) != KASSA_OK ||
            (err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, d->shop_id, s)) != KASSA_OK)
            break;
        enum dispute_status old_status = d->status;
        enum dispute_awaiting old_awaiting = d->awaiting;
        char details[DETAILS_BUF], money[64];
        if (s->dispute_auto_success) {
            if ((err = resolve_success(c, d, o, 0)) != KASSA_OK)
                break;
            money_text(d->amount_received, o->currency, money, sizeof money);
            snprintf(details, sizeof details,
                     "the trader did not answer within %lld s: resolved in the payer's favour "
                     "(the shop's automatic success), %s received",
                     (long long)d->ttl, money);
        } else {
            d->awaiting = AWAIT_OPERATOR;
            snprintf(details, sizeof details,
                     "the trader did not answer within %lld s: awaiting the operator",
                     (long long)d->ttl);
        }
        err = dispute_write(c, d, old_status, old_awaiting, PARTY_SYSTEM, details, o);
        if (err == KASSA_OK)
            cmd->expired++;
    }
    free(dc);
    free(s);
    return err;
}
