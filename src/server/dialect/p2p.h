/* p2p.h: the P2P records as the admin API and the trader API both show
 * them (devices, bank messages, disputes), and a dispute answer's body as
 * both read it (dialect/p2p.c). The rules are the core's (core/device.h,
 * core/dispute.h); this is the one rendering and the one parsing of them. */
#ifndef KASSA_DIALECT_P2P_H
#define KASSA_DIALECT_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "core/core.h"
#include "http/http.h"

/* A device {"id", "trader_id", "name", "status", "online", "last_seen",
 * "created_at", "revoked_at"}, with "requisites" (the bound ids) when ids
 * is not NULL. */
void render_device(struct jw *w, const struct device *d, const int64_t *ids, int n);
/* A bank message as kept and read (its state, what it matched, by whom). */
void render_bank_message(struct jw *w, const struct bank_message *m);
/* {"code", "trader_id", "expires_at"}: a pairing code made (201), or the
 * refusal of device_code_apply; the code is wiped once rendered. */
void reply_device_code(struct http_req *req, struct device_code_cmd *cmd, kassa_err err);
/* Whether a pairing code's body is none (empty or {}); else 400. */
bool device_code_body_ok(struct http_req *req);

/* Who looks at a dispute: the operator sees the merchant's and the
 * trader's ids; `base` is where its evidence is fetched
 * ("/admin/v1/disputes", "/trader/v1/disputes"). */
struct dispute_view {
    const char *base;
    bool for_operator;
};

/* A dispute; `full` with its evidence and log lines. */
kassa_err render_dispute(struct jw *w, const struct dispute *d, bool full,
                         const struct dispute_view *v);
void reply_dispute(struct http_req *req, const struct dispute *d, const struct dispute_view *v);
/* An evidence file's bytes (404 Evidence not found). */
void reply_dispute_evidence(struct http_req *req, const struct dispute *d, const char *ev);

/* A page of disputes: f (status, awaiting, shop, trader set by the
 * caller); with `queue` the open ones, those awaiting `first` first
 * (cursor parts 'o' then 't'), else one part 'i'. n: the page's size. */
void reply_dispute_list(struct http_req *req, struct dispute_filter f, bool queue, int first, int n,
                        const struct dispute_view *v);

/* A dispute list's status and awaiting arguments into f; *queue: neither
 * was given (the open ones, whose move it is first). False after
 * answering 400. */
bool dispute_list_args(struct http_req *req, struct dispute_filter *f, bool *queue);

/* The body of an attachment of a bank message to an order ({"order":
 * uuid}) into cmd->order_uuid. False after answering 400. */
bool bank_message_attach_body(struct http_req *req, struct bank_message_attach_cmd *cmd);

/* The body of a dispute answer into cmd (cmd->dispute read before: its
 * currency): JSON with no member but `members` (NULL ended; "comment",
 * "reason", "outcome" and an amount as "amount_received" or "amount"),
 * (else "unknown field 'x': <what>", or no more with what NULL),
 * or for a reject multipart reason, comment and up to DISPUTE_FILES_MAX
 * evidence files. A reject's reason must be known. False with the status
 * (400, 413, 415) and msg; `outcome` (of outcome_size) gets "outcome". */
bool dispute_body(struct http_req *req, struct dispute_cmd *cmd, const char *const *members,
                  const char *what, char *outcome, size_t outcome_size, int *status, char *msg,
                  size_t msglen);

/* The answer to a dispute_cmd run: the dispute after, or its refusal. */
void reply_dispute_changed(struct http_req *req, struct dispute_cmd *cmd, kassa_err err,
                           const struct dispute_view *v);

#endif
