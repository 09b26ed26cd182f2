/* admin_callbacks.h: the operator's view of callbacks (admin API). */
#ifndef KASSA_ADMIN_CALLBACKS_H
#define KASSA_ADMIN_CALLBACKS_H

#include "http/http.h"

/* /admin/v1/callbacks... after the admin token was checked; `rest` is what
 * follows "/admin/v1/callbacks" ("", "/stats", "/{id}", "/{id}/resend"):
 *   GET  ?order={uuid|id}  -> [{"id","event","event_id","receiver","url",
 *                              "state","attempt_count","next_attempt_at",
 *                              "attempts":[{"at","http_status","error",
 *                              "latency_ms","response"}]}]
 *   GET  /{id}             -> one such object
 *   POST /{id}/resend      -> the callback, pending again, delivered once more
 *   GET  /stats            -> {"pending","retrying","delivered","failed",
 *                              "refused","attempts","in_flight"} */
enum http_action admin_callbacks(struct http_req *req, const char *rest);

#endif
