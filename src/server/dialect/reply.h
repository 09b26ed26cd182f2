/* reply.h: what every dialect needs to answer: JSON bodies, errors in the
 * {"error": "..."} shape (panda, admin), JSON request parsing, and running
 * a core command on the writer with the connection suspended meanwhile. */
#ifndef KASSA_REPLY_H
#define KASSA_REPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "base/jsonw.h"
#include "txn/submit.h"
#include "kassa/error.h"

#define REPLY_JSON_LIMIT (4u << 20) /* ceiling of one rendered answer */

/* Send the document rendered in w (finishes w) with `status`; a failed
 * render becomes 500. */
void reply_jw(struct http_req *req, int status, struct jw *w);

/* {"error": "<message>"} with `status`. A 500 while the database is
 * unreachable, or was a moment ago (store_unavailable_lately), goes out as
 * 503 {"error": "database unavailable, try again shortly"}:
 * KASSA_EUNAVAILABLE and every store failure during an outage land here
 * through the dialects' 500 paths. */
void reply_error(struct http_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse the request body as a JSON object, duplicate keys rejected. On
 * failure writes a message ("invalid JSON: ...", "request body must be a
 * JSON object") into msg and returns NULL. The caller owns the result. */
json_t *parse_json_object(struct http_req *req, char *msg, size_t msglen);

/* The same with extra jansson decoding flags: JSON_DECODE_INT_AS_REAL where
 * numbers are read as exact text (json_decimal_text), so an integer beyond
 * 64 bits is reported as the field's error, not as invalid JSON. */
json_t *parse_json_object_flags(struct http_req *req, size_t flags, char *msg, size_t msglen);

/* Read an optional string member into dst (size bytes): absent or null ->
 * "" and true; not a string or too long -> false with msg naming the field. */
bool json_opt_string(json_t *obj, const char *key, char *dst, size_t size, char *msg,
                     size_t msglen);

/* Whether obj has no member but `names` (NULL-ended) and none of them
 * null; false with "unknown field '<key>'" (followed by ": <what>" when
 * what is not NULL) or "<key>: must not be null" in msg. */
bool json_only_members(json_t *obj, const char *const *names, const char *what, char *msg,
                       size_t msglen);

/* Read an optional id member (absent or null: *out 0): a positive
 * integer, else false with msg naming the field. */
bool json_opt_id(json_t *obj, const char *key, int64_t *out, char *msg, size_t msglen);

/* The exact decimal text of a member that may be a JSON string or number,
 * into dst; false when it is neither (msg says so). `found` tells absence. */
bool json_decimal_text(struct http_req *req, json_t *obj, const char *key, char *dst, size_t size,
                       bool *found, char *msg, size_t msglen);

/* The same over a raw document (body, len) instead of a request. */
bool json_decimal_text_doc(const char *body, size_t len, json_t *obj, const char *key, char *dst,
                           size_t size, bool *found, char *msg, size_t msglen);

/* A completion's optional body: {"amount_received": "950.00"} (a decimal
 * string or number in the order's `currency`; absent, null, {} or no body:
 * *out untouched, as the order's amount) into *out. The rule on it is the
 * core's (order_received_check); false with msg on a refusal ("unknown
 * field", "amount_received: expected a positive amount in RUB, e.g.
 * 950.00", "amount_received: at most ..."). */
bool json_amount_received(struct http_req *req, const char *currency, int64_t *out, char *msg,
                          size_t msglen);

/* Who the request authenticated as ("operator:3", "shop:12"), into
 * req->who: in every log line of the request from now on. */
void reply_who(struct http_req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Strip `prefix` from path; the rest (possibly "") or NULL when no match. */
const char *path_after(const char *path, const char *prefix);

#endif
