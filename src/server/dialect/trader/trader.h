/* trader.h: what the trader API's files share (trader.c: authentication,
 * the profile, online, the ledger, routing; orders.c; requisites.c;
 * devices.c: devices and bank messages; disputes.c).
 *
 * The trader API (docs/p2p.md "The trader API") is a trader's own view:
 * signed like panda (dialect/signed.h) with the trader's credentials,
 * every answer JSON, every refusal {"error": "..."} (reply_error, as the
 * admin API), and nothing of another trader's ever visible: another's
 * order or requisite answers 404 exactly as a missing one. */
#ifndef KASSA_TRADER_API_H
#define KASSA_TRADER_API_H

#include <stdbool.h>

#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"

#define TRADER_NAME "trader"

/* The registry's entry (trader.c). */
extern const struct dialect dialect_trader;

/* A request of an authenticated trader: the trader (read at its
 * authentication) and, for a change, the signature's nonce recorded with
 * it (trader_submit). */
struct trader_call {
    struct trader t;
    struct nonced_task nt;
    render_fn render;
    struct store_task *inner; /* the change's command */
    /* The change's audit line (trader.c's table of the trader's writes):
     * its action and record, the record's id once known. */
    const char *action, *kind;
    char target_id[64];
    const int64_t *created_id;
    struct audited_task at;
};

/* The audited record of a change whose path does not name it by id (an
 * order by uuid), or the id a creation sets (read after it ran). */
void trader_audit_target(struct trader_call *call, int64_t id);
void trader_audit_created(struct trader_call *call, const int64_t *id);

/* Run a change's command on the writer with the call's nonce recorded in
 * the same savepoint (a replayed signature answers 401) and its audit
 * line (actor "trader:<id>") in the same transaction, then render. */
enum http_action trader_submit(struct http_req *req, struct trader_call *call,
                               struct store_task *task, render_fn render);

/* The rest of path p after the segments `prefix` ("" or "/..."), or NULL
 * when p is not prefix or below it ("/ordersx" is not below "/orders"). */
static inline const char *trader_under(const char *p, const char *prefix)
{
    const char *rest = path_after(p, prefix);
    return rest != NULL && (rest[0] == '\0' || rest[0] == '/') ? rest : NULL;
}

/* The routes under /trader/v1 (p: the path after it). Each answers 404
 * {"error": "Not found"} for a path or method it does not serve. */
enum http_action trader_orders(struct http_req *req, struct trader_call *call, const char *p);
enum http_action trader_requisites(struct http_req *req, struct trader_call *call, const char *p);
/* devices.c: devices, a requisite's device, bank messages. */
enum http_action trader_devices(struct http_req *req, struct trader_call *call, const char *p);
enum http_action trader_requisite_device(struct http_req *req, struct trader_call *call,
                                         int64_t requisite_id);
enum http_action trader_bank_messages(struct http_req *req, struct trader_call *call,
                                      const char *p);
/* disputes.c */
enum http_action trader_disputes(struct http_req *req, struct trader_call *call, const char *p);

/* The trader's view of an order (orders.c): what to expect on which
 * requisite and until when; nothing of the merchant. */
void trader_render_order(struct jw *w, const struct order *o);

#endif
