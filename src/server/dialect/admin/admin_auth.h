/* admin_auth.h: who makes an admin request, what they may do, and the
 * audit line every admin write leaves (admin_auth.c).
 *
 * admin_begin authenticates the request (the bootstrap --admin-token, or
 * an operator's token), finds the action it is (one table of the routes
 * that change anything), refuses it when the actor's role may not do it,
 * and makes it the thread's current call. admin_submit then runs a write
 * with its audit line in the same transaction. */
#ifndef KASSA_ADMIN_AUTH_H
#define KASSA_ADMIN_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "http/http.h"
#include "txn/submit.h"

struct admin_call {
    struct op_actor actor;
    const char *action; /* "shop.update", ...; "" for a read */
    enum op_perm perm;  /* what the action takes */
    const char *kind;   /* the audited record's kind, "" none */
    char target_id[64]; /* "" until known */
    const int64_t *created_id;
    char client[64];
};

/* Authenticate and authorize req (path: after "/admin/v1"). False after
 * answering 401, 403, 429 or 503. */
bool admin_begin(struct http_req *req, const char *path, struct admin_call *call);
/* The call being handled on this thread (NULL outside admin_handle). */
struct admin_call *admin_current(void);
void admin_end(void);

/* The audited record, when the path does not name it by id (an order by
 * uuid), or a record the write creates (its id, set by the write). */
void admin_audit_target(int64_t id);
void admin_audit_created(const int64_t *id);

/* submit_and_render with the current call's audit line in the same
 * transaction as the write (or no write and no line). */
enum http_action admin_submit(struct http_req *req, struct store_task *task, render_fn render);

/* The routes of operators, tokens, the audit log and /me
 * (admin_operators.c); p is the path after "/admin/v1". */
enum http_action admin_operators(struct http_req *req, const char *p);
/* The routes of devices and bank messages (admin_devices.c): a trader's
 * devices and pairing codes, a device, a requisite's device, the bank
 * messages. */
enum http_action admin_devices(struct http_req *req, const char *p);
/* The routes of disputes (admin_disputes.c). */
enum http_action admin_disputes(struct http_req *req, const char *p);
/* The routes of merchant users (admin_merchant_users.c). */
enum http_action admin_merchant_users(struct http_req *req, const char *p);
/* The routes of traders and their money (admin_traders.c). */
enum http_action admin_traders(struct http_req *req, const char *p);

#endif
