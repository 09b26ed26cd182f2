/* banknotes.h: reading bank notifications (SMS and push) with per-bank
 * templates that are data.
 *
 * A paired device forwards what the trader's phone received; this module
 * says which template read it, whether it is a credit, a debit or something
 * else, and the amount (exact, minor units), the payer, the card's or
 * account's last digits and the balance after, each only from the group of
 * the template's pattern named for it: a balance or card digits are never
 * the amount. Matching notifications to orders is not here (core's job).
 *
 * Templates: a JSON document (docs/p2p.md, "Bank notification templates").
 * The shipped ones (provider/banknotes.json) are built into kassad; an
 * operator's file (--bank-templates) is merged over them: a template with a
 * shipped id replaces it ("disabled": true removes it), a new id is tried
 * before every shipped one. Patterns are POSIX extended regular
 * expressions, compiled once at load, matched byte-wise against the
 * notification's text folded (banknote_fold): lower case (Latin and
 * Cyrillic, "ё" as "е"), every kind of space one ASCII space. A set is
 * immutable once built, so any number of threads may parse with it. */
#ifndef KASSA_PROVIDER_BANKNOTES_H
#define KASSA_PROVIDER_BANKNOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kassa/error.h"
#include "kassa/money.h"

#define BANKNOTE_TEXT_MAX 2048 /* bytes of a title or a text read at most */
#define BANKNOTE_PAYER_MAX 128 /* bytes of a payer's name kept (NUL included) */
#define BANKNOTE_DIGITS_MAX 8  /* last digits kept (NUL included) */

enum banknote_source { BANKNOTE_SMS, BANKNOTE_PUSH };

/* What a template says a notification is. Only a credit may confirm. */
enum banknote_kind { BANKNOTE_OTHER, BANKNOTE_CREDIT, BANKNOTE_DEBIT };

/* A notification as the device sent it. Strings are NUL-terminated UTF-8;
 * NULL reads as "". */
struct banknote {
    enum banknote_source source;
    const char *sender;  /* SMS sender ("900", "Tinkoff"), or "" */
    const char *package; /* Android package ("ru.sberbankmobile"), or "" */
    const char *title;
    const char *text;
    int64_t received_at; /* Unix seconds, as the device says; not read here */
};

/* What a template read. template_id and bank point into the set and live
 * as long as it does. */
struct banknote_result {
    const char *template_id; /* NULL: no template matched */
    const char *bank;
    enum banknote_kind kind;
    int64_t amount;                  /* minor units of currency, > 0 (credit, debit) */
    const kassa_currency *currency;  /* NULL when the template reads no amount */
    bool has_balance;                /* the template's balance group read a number */
    int64_t balance;                 /* minor units of currency, may be 0 or negative */
    char payer[BANKNOTE_PAYER_MAX];  /* as written (case kept, spaces folded), or "" */
    char last4[BANKNOTE_DIGITS_MAX]; /* digits only, or "" */
};

struct banknote_templates; /* opaque */

/* The shipped templates with the operator's file at `path` (NULL or "":
 * none) merged over them, every pattern compiled. On error returns
 * KASSA_EINVAL (a bad document or template; err says where: "FILE:
 * template \"ID\": \"FIELD\": why"), KASSA_EIO (the file cannot be read)
 * or KASSA_ENOMEM, and *out is NULL. The caller frees the set. */
kassa_err banknote_templates_load(const char *path, struct banknote_templates **out, char *err,
                                  size_t errlen);

/* The same from documents in memory: `base` (NULL: the shipped one) and an
 * overlay (NULL: none) named `overlay_name` in errors. */
kassa_err banknote_templates_from_json(const char *base, size_t base_len, const char *overlay,
                                       size_t overlay_len, const char *overlay_name,
                                       struct banknote_templates **out, char *err, size_t errlen);

void banknote_templates_free(struct banknote_templates *set);

/* How many templates the set holds, and the i-th one's id, bank, senders
 * and packages (a NULL-terminated list, owned by the set). */
size_t banknote_templates_count(const struct banknote_templates *set);
const char *banknote_template_id(const struct banknote_templates *set, size_t i);
const char *banknote_template_bank(const struct banknote_templates *set, size_t i);
const char *const *banknote_template_senders(const struct banknote_templates *set, size_t i);
const char *const *banknote_template_packages(const struct banknote_templates *set, size_t i);

/* Read one notification: the first template (in the set's order) whose
 * sender (an SMS) or package (a push) lists the notification's, whose
 * title pattern (if any; a push's only) and text pattern match. Returns KASSA_OK with
 * *out filled; KASSA_ENOTFOUND when no template matched (out->template_id
 * NULL, kind BANKNOTE_OTHER); KASSA_ETOOBIG for a title or text longer than
 * BANKNOTE_TEXT_MAX; or, when a template matched but its amount or currency
 * is unreadable, that error (KASSA_EMONEY_*, KASSA_ECURRENCY) with
 * out->template_id naming the template and kind BANKNOTE_OTHER. Allocates
 * nothing; out is always written. */
kassa_err banknote_parse(const struct banknote_templates *set, const struct banknote *n,
                         struct banknote_result *out);

/* An amount as banks write it: "1 000", "1 000,50", "1,000.50", "1609,11",
 * "47.33р", "236 RUB", "₽ 140" (any kind of space inside; a currency mark
 * before or after). Exact: no rounding, so more decimals than the
 * currency's exponent are refused, and so is one separator followed by
 * three digits ("1,500": thousands or a decimal?). The currency is the
 * mark's (banknote_currency_mark), else `dflt`. flags as kassa_money_parse.
 * Errors: KASSA_EMONEY_* and KASSA_ECURRENCY (no mark and no dflt, an
 * unknown mark). */
kassa_err banknote_amount_parse(const char *s, size_t len, const kassa_currency *dflt,
                                unsigned flags, int64_t *minor, const kassa_currency **cur);

/* The currency a mark names ("р", "руб.", "RUB", "RUR", "₽", "$", "usd",
 * "€", "тг", …; case and spaces around it ignored), or NULL. */
const kassa_currency *banknote_currency_mark(const char *s, size_t len);

/* Fold `len` bytes of `in` for matching into `out` (room for `cap` bytes
 * and a NUL): Latin and Cyrillic letters to lower case, "ё" to "е", every
 * Unicode space (NBSP, thin, narrow NBSP, …), tab and line break to one
 * ASCII space (runs collapsed, ends trimmed), zero-width marks dropped.
 * `shown` (NULL: not wanted) gets the same with case kept; a byte of out
 * and the byte of shown at the same offset come from the same character.
 * Returns the folded length, or (size_t)-1 when it would not fit. */
size_t banknote_fold(const char *in, size_t len, char *out, char *shown, size_t cap);

/* Fold a pattern of `len` bytes into `out` (room for len + 1 bytes) the
 * way banknote_fold folds text, character by character (no run of spaces
 * collapsed, no end trimmed), an escaped character ("\\S", "\\.") kept as
 * written. */
void banknote_fold_pattern(const char *in, size_t len, char *out);

/* "credit", "debit", "other". */
const char *banknote_kind_name(enum banknote_kind kind);

/* The set kassad loaded at start (main.c), for whoever reads notifications;
 * NULL before. Not owned by the caller. */
void banknotes_install(struct banknote_templates *set);
const struct banknote_templates *banknotes_installed(void);

#endif
