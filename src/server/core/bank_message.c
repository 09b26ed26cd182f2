/* bank_message.c: bank notifications a device posted, kept, read by the
 * templates (provider/banknotes.h) and matched to the one order a credit
 * pays (spec/p2p.md "Confirmation"; see core.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core.h"
#include "provider/banknotes.h"

bool bank_same(const char *bank, const char *bank_code, const char *bank_name_en)
{
    size_t n = strlen(bank);
    if (n == 0)
        return false;
    return strcasecmp(bank, bank_code) == 0 || strcasecmp(bank, bank_name_en) == 0 ||
           strncasecmp(bank, bank_name_en, n) == 0;
}

/* Whether a requisite's number (a card, an account; spaces and dashes
 * allowed) ends with the digits `last4`. */
static bool ends_with_digits(const char *number, const char *last4)
{
    size_t want = strlen(last4);
    char digits[TEXT_SIZE];
    size_t n = 0;
    for (const char *p = number; *p != '\0' && n < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    return want > 0 && n >= want && memcmp(digits + n - want, last4, want) == 0;
}

enum bank_match bank_match_decide(const struct bank_candidate *cands, int n, int64_t received_at,
                                  int64_t grace, bool bound, const char *bank, const char *last4,
                                  int *which)
{
    int found = 0;
    *which = -1;
    for (int i = 0; i < n; i++) {
        const struct bank_candidate *b = &cands[i];
        if (b->status != ORDER_PENDING && b->status != ORDER_EXPIRED)
            continue;
        if (received_at < b->created_at || received_at > b->expires_at + grace)
            continue;
        if (!bound && (!ends_with_digits(b->requisite, last4) ||
                       !bank_same(bank, b->bank_code, b->bank_name_en)))
            continue;
        if (found++ == 0)
            *which = i;
    }
    if (found > 1)
        *which = -1;
    return found == 0 ? BANK_MATCH_NONE : found == 1 ? BANK_MATCH_ONE : BANK_MATCH_MANY;
}

static void ignored(struct bank_message *m, const char *reason)
{
    m->state = BANK_MESSAGE_IGNORED;
    core_copy(m->reason, sizeof m->reason, reason);
}

void bank_message_read(struct bank_message *m)
{
    struct banknote n = {
        .source = strcmp(m->source, "push") == 0 ? BANKNOTE_PUSH : BANKNOTE_SMS,
        .sender = m->sender,
        .package = m->package,
        .title = m->title,
        .text = m->text,
        .received_at = m->received_at,
    };
    struct banknote_result r;
    const struct banknote_templates *set = banknotes_installed();
    kassa_err err = set != NULL ? banknote_parse(set, &n, &r) : KASSA_ENOTFOUND;
    m->reason[0] = m->template_id[0] = m->bank[0] = m->kind[0] = '\0';
    m->currency[0] = m->last4[0] = m->payer[0] = '\0';
    m->amount = 0;
    if (set == NULL || r.template_id == NULL) {
        ignored(m, "unparsed");
        return;
    }
    core_copy(m->template_id, sizeof m->template_id, r.template_id);
    core_copy(m->bank, sizeof m->bank, r.bank != NULL ? r.bank : "");
    if (err != KASSA_OK) {
        /* A template read it, but not its amount for sure: not guessed. */
        ignored(m, "unreadable");
        return;
    }
    core_copy(m->kind, sizeof m->kind, banknote_kind_name(r.kind));
    if (r.currency != NULL)
        core_copy(m->currency, sizeof m->currency, r.currency->code);
    core_copy(m->last4, sizeof m->last4, r.last4);
    core_copy(m->payer, sizeof m->payer, r.payer);
    if (r.kind == BANKNOTE_CREDIT || r.kind == BANKNOTE_DEBIT)
        m->amount = r.amount; /* its template's amount group only */
    if (r.kind == BANKNOTE_CREDIT) {
        m->state = BANK_MESSAGE_UNMATCHED;
        return;
    }
    ignored(m, r.kind == BANKNOTE_DEBIT ? "debit" : r.has_balance ? "balance" : "other");
}

static void answer_of(const struct bank_message *m, struct device_message_answer *a)
{
    a->id = m->id;
    a->state = m->state;
    core_copy(a->reason, sizeof a->reason, m->reason);
    core_copy(a->order_uuid, sizeof a->order_uuid, m->order_uuid);
}

/* Match a credit of device d (m: read, UNMATCHED) and complete its order:
 * m's state, order and uuid set. */
static kassa_err match_credit(struct store_conn *c, const struct device *d, bool bound,
                              struct bank_message *m)
{
    struct bank_candidate cands[BANK_CANDIDATES_MAX];
    int n = 0, which;
    int64_t grace = core_settings()->bank_message_grace;
    kassa_err err = store_bank_candidates(c, bound, bound ? d->id : d->trader_id, m->amount,
                                          m->currency, m->received_at, grace, cands, &n);
    if (err != KASSA_OK)
        return err;
    enum bank_match got =
        bank_match_decide(cands, n, m->received_at, grace, bound, m->bank, m->last4, &which);
    if (got == BANK_MATCH_MANY)
        m->state = BANK_MESSAGE_AMBIGUOUS;
    if (got != BANK_MATCH_ONE)
        return KASSA_OK;
    struct order o;
    if ((err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cands[which].order_id, &o)) != KASSA_OK)
        return err;
    err = order_transition_received(c, &o, ORDER_COMPLETED, ACTOR_DEVICE, m->amount);
    if (err == KASSA_ESTATE || err == KASSA_EAMOUNT_LIMIT)
        return KASSA_OK; /* changed meanwhile: it waits for a person */
    if (err != KASSA_OK)
        return err;
    m->state = BANK_MESSAGE_MATCHED;
    m->order_id = o.id;
    core_copy(m->order_uuid, sizeof m->order_uuid, o.uuid);
    core_copy(m->matched_by, sizeof m->matched_by, "device");
    m->matched_at = clock_now();
    return KASSA_OK;
}

kassa_err device_messages_apply(struct store_conn *c, struct store_task *task)
{
    struct device_messages_cmd *cmd = container_of(task, struct device_messages_cmd, task);
    struct device d;
    kassa_err err = store_device_get(c, cmd->device_id, &d);
    if (err == KASSA_OK && d.revoked_at != 0)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = nonce_record(c, 0, &cmd->nonce);
    int64_t now = clock_now();
    if (err == KASSA_OK)
        err = store_device_seen(c, d.id, now);
    int64_t one;
    int nbound = 0;
    if (err == KASSA_OK)
        err = store_device_requisites(c, d.id, &one, 1, &nbound);
    struct bank_message *m = err == KASSA_OK ? malloc(sizeof *m) : NULL;
    if (err == KASSA_OK && m == NULL)
        err = KASSA_ENOMEM;
    for (int i = 0; err == KASSA_OK && i < cmd->n; i++) {
        err = store_bank_message_by_event(c, d.id, cmd->in[i].event_id, m);
        if (err == KASSA_OK) { /* a repeat: answered as the first was */
            answer_of(m, &cmd->out[i]);
            continue;
        }
        if (err != KASSA_ENOTFOUND)
            break;
        *m = cmd->in[i];
        m->device_id = d.id;
        m->trader_id = d.trader_id;
        m->created_at = now;
        m->order_id = 0;
        m->order_uuid[0] = m->matched_by[0] = '\0';
        m->matched_at = 0;
        err = m->state == BANK_MESSAGE_UNMATCHED ? match_credit(c, &d, nbound > 0, m) : KASSA_OK;
        if (err == KASSA_OK)
            err = store_bank_message_insert(c, m);
        if (err == KASSA_OK)
            answer_of(m, &cmd->out[i]);
    }
    free(m);
    return err;
}

kassa_err bank_message_attach_apply(struct store_conn *c, struct store_task *task)
{
    struct bank_message_attach_cmd *cmd = container_of(task, struct bank_message_attach_cmd, task);
    struct bank_message *m = &cmd->message;
    cmd->what = "message";
    kassa_err err = store_bank_message_get(c, cmd->message_id, m);
    if (err != KASSA_OK)
        return err;
    if (cmd->trader_id != 0 && m->trader_id != cmd->trader_id)
        return KASSA_ENOTFOUND;
    if (m->state != BANK_MESSAGE_UNMATCHED && m->state != BANK_MESSAGE_AMBIGUOUS)
        return KASSA_ESTATE;
    cmd->what = "order";
    err = STORE_CALL(c, order_get, ORDER_BY_UUID, cmd->order_uuid, 0, &cmd->order);
    if (err != KASSA_OK)
        return err;
    int64_t owner = 0, device = 0;
    if (cmd->order.requisite_id > 0 &&
        (err = store_requisite_device(c, cmd->order.requisite_id, &owner, &device)) != KASSA_OK &&
        err != KASSA_ENOTFOUND)
        return err;
    if (owner == 0 || owner != m->trader_id)
        return KASSA_ECONFLICT; /* the money came to another trader's card */
    if (strcmp(cmd->order.currency, m->currency) != 0) {
        cmd->what = "currency";
        return KASSA_ECONFLICT;
    }
    err = order_transition_received(c, &cmd->order, ORDER_COMPLETED, cmd->actor, m->amount);
    if (err != KASSA_OK)
        return err;
    err = store_bank_message_attach(c, m->id, cmd->order.id, cmd->matched_by, clock_now());
    if (err != KASSA_OK)
        return err;
    return store_bank_message_get(c, cmd->message_id, m);
}
