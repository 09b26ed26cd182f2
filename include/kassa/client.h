/* kassa/client.h: the merchant-side client of both dialects, over libcurl.
 *
 * Three layers, each usable alone:
 *  1. Request builders (kassa_panda_build_*, kassa_tegro_build_call) turn
 *     parameters into the exact bytes, URL and headers to send, signed. They
 *     touch no network, so a program (or a test) can inspect what is signed.
 *  2. kassa_http sends a kassa_request and returns the raw kassa_response
 *     (status, reason phrase, body) whatever the HTTP status.
 *  3. The typed clients (kassa_panda, kassa_tegro) build, send and decode,
 *     and report every failure in one kassa_error that tells transport
 *     errors, HTTP errors and API errors apart.
 *
 * Money never passes through a double: amounts are decimal text in and out.
 *
 * Ownership: every function that fills a struct with char * members says
 * which *_free releases them; those free functions release the members, not
 * the struct itself (it usually lives on the caller's stack), and accept a
 * zeroed or already-freed struct. Every client object holds one curl easy
 * handle and must not be used from two threads at once. */
#ifndef KASSA_CLIENT_H
#define KASSA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

#define KASSA_ERROR_MESSAGE_SIZE 512

/* What went wrong with a call. code is one of
 *  KASSA_OK          no error;
 *  KASSA_EINVAL      a bad parameter (nothing was sent);
 *  KASSA_ENOMEM      an allocation failed;
 *  KASSA_ETRANSPORT  no HTTP answer (DNS, connect, TLS, timeout): message is
 *                    curl's text, http_status is 0;
 *  KASSA_EHTTP       an HTTP status the call does not expect, with no error
 *                    message the API defines: message is the body's start;
 *  KASSA_EAPI        the API refused: panda {"error": msg} (with a non-2xx
 *                    status) or tegro {"type":"error","desc": msg}: message
 *                    is the server's text, copied;
 *  KASSA_EPROTO      a 2xx answer that does not parse as documented. */
typedef struct kassa_error {
    kassa_err code;
    long http_status; /* 0 when no HTTP answer arrived */
    char message[KASSA_ERROR_MESSAGE_SIZE];
} kassa_error;

/* ---------------------------------------------------------------- requests */

#define KASSA_REQUEST_MAX_HEADERS 8

/* One HTTP request, fully built. Members are owned by the request and
 * released by kassa_request_free. headers are "Name: value" lines. */
typedef struct kassa_request {
    char method[8]; /* "GET" or "POST" */
    char *url;
    char *body; /* NUL-terminated for convenience; NULL for no body */
    size_t body_len;
    char *headers[KASSA_REQUEST_MAX_HEADERS];
    size_t n_headers;
} kassa_request;

/* Start a request: copies method and url. Errors: KASSA_EINVAL (NULL or a
 * method longer than 7 bytes), KASSA_ENOMEM. On error *r is left freeable. */
KASSA_EXTERN kassa_err kassa_request_init(kassa_request *r, const char *method, const char *url);

/* Append the header "name: value" (copied). Errors: KASSA_EINVAL (CR or LF
 * in either, or the header table is full), KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_request_add_header(kassa_request *r, const char *name,
                                                const char *value);

/* Set the body to a copy of len bytes of data (replacing any body).
 * Errors: KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_request_set_body(kassa_request *r, const void *data, size_t len);

/* The value of header `name` (case-insensitive) in r, or NULL. Points into r. */
KASSA_EXTERN const char *kassa_request_header(const kassa_request *r, const char *name);

/* Release the members of r and zero it. */
KASSA_EXTERN void kassa_request_free(kassa_request *r);

/* --------------------------------------------------------------- responses */

/* One HTTP answer. body is NUL-terminated (the NUL is not in body_len) and
 * owned by the response; release with kassa_response_free. */
typedef struct kassa_response {
    long status;
    char reason[64]; /* the status line's reason phrase ("OK"), or the
                        standard phrase when the server sent none */
    char *body;
    size_t body_len;
} kassa_response;

KASSA_EXTERN void kassa_response_free(kassa_response *r);

/* The standard reason phrase of an HTTP status ("Not Found"), a static
 * string; "" for an unknown status. */
KASSA_EXTERN const char *kassa_http_reason(long status);

/* -------------------------------------------------------------------- http */

typedef struct kassa_http kassa_http;

/* A new HTTP client (one curl easy handle, HTTP/1.1, 30 s timeout), or NULL
 * when out of memory. Free with kassa_http_free. */
KASSA_EXTERN kassa_http *kassa_http_new(void);
KASSA_EXTERN void kassa_http_free(kassa_http *h);

/* Whole-request timeout in milliseconds (0: none). */
KASSA_EXTERN void kassa_http_set_timeout_ms(kassa_http *h, long ms);

/* Answers larger than this are refused with KASSA_ETRANSPORT (default 8 MiB). */
KASSA_EXTERN void kassa_http_set_max_body(kassa_http *h, size_t max);

/* Send req and fill *resp (caller frees with kassa_response_free) with
 * whatever HTTP answer came back, any status. Returns KASSA_OK when an
 * answer arrived; KASSA_ETRANSPORT (err->message: curl's text) or
 * KASSA_ENOMEM otherwise, with *resp zeroed. err may be NULL. */
KASSA_EXTERN kassa_err kassa_http_send(kassa_http *h, const kassa_request *req,
                                       kassa_response *resp, kassa_error *err);

/* ------------------------------------------------------------------- misc */

#define KASSA_UUID_SIZE 37 /* 36 characters + NUL */

/* A random (version 4) UUID, lowercase, from OpenSSL's RNG. Errors:
 * KASSA_EUNAVAILABLE when the RNG fails. */
KASSA_EXTERN kassa_err kassa_uuid4(char out[KASSA_UUID_SIZE]);

/* 1 when s is plain decimal text ("12", "1000.4747448348385"): digits,
 * optionally a point and more digits; no sign, exponent or spaces. */
KASSA_EXTERN int kassa_decimal_valid(const char *s);

/* ------------------------------------------------------------------ panda */

typedef enum kassa_panda_api {
    KASSA_PANDA_LEGACY, /* POST /orders, "amount_rub" as a JSON number */
    KASSA_PANDA_V1      /* POST /v1/orders, "amount" as a JSON string */
} kassa_panda_api;

/* Parameters of an order. Strings are borrowed for the call only. */
typedef struct kassa_panda_order_params {
    kassa_panda_api api;
    const char *amount;             /* required, decimal text (kassa_decimal_valid) */
    const char *requisite_type;     /* required: "SBP", "card", ... */
    const char *idempotency_key;    /* NULL: a fresh kassa_uuid4 */
    const char *currency;           /* optional ("RUB" when absent) */
    const char *merchant_order_id;  /* optional */
    const char *customer_name;      /* optional */
    const char *customer_requisite; /* optional */
    const char *bank_code;          /* optional */
} kassa_panda_order_params;

/* Build the signed create-order request: the body is compact JSON with
 * members in the order amount(_rub), requisite_type, idempotency_key,
 * currency, merchant_order_id, customer_name, customer_requisite,
 * bank_code (absent ones left out), non-ASCII escaped as \uXXXX, exactly as
 * Python's json.dumps(d, separators=(",", ":")) writes it. Headers:
 * Content-Type: application/json, X-API-Key, X-Signature (HMAC-SHA256 of
 * timestamp + body with secret), X-Timestamp. host may end in '/'.
 * timestamp NULL: now, in Unix seconds. *out is owned by the caller
 * (kassa_request_free). Errors: KASSA_EINVAL (missing or non-decimal
 * amount, missing requisite_type, NULL credentials), KASSA_ENOMEM,
 * KASSA_EUNAVAILABLE (RNG). */
KASSA_EXTERN kassa_err kassa_panda_build_create_order(const char *host, const char *api_key,
                                                      const char *secret,
                                                      const kassa_panda_order_params *p,
                                                      const char *timestamp, kassa_request *out);

/* Build a signed GET of host + path (path starts with '/'; the signature
 * covers the timestamp alone). Ownership and errors as above. */
KASSA_EXTERN kassa_err kassa_panda_build_get(const char *host, const char *api_key,
                                             const char *secret, const char *path,
                                             const char *timestamp, kassa_request *out);

/* An order as panda answers it. Strings are owned; NULL when the answer
 * lacks the field. amount is the exact text of the answer's amount (a JSON
 * string's content, or a JSON number's digits). json is the whole object as
 * the server sent it. Release with kassa_panda_order_free. */
typedef struct kassa_panda_order {
    char *uuid;
    char *uuid_callback;
    char *status;
    char *amount;
    char *currency;
    char *requisite_type;
    char *requisite;
    char *merchant_order_id;
    char *created_at;
    char *expires_at;
    char *json;
} kassa_panda_order;

KASSA_EXTERN void kassa_panda_order_free(kassa_panda_order *o);

/* Release an array from kassa_panda_list_by_merchant_id: each order, then
 * the array itself. */
KASSA_EXTERN void kassa_panda_orders_free(kassa_panda_order *orders, size_t n);

/* Decode one order object from JSON text (used by the client; public so a
 * program can decode a stored answer). Errors: KASSA_EPROTO, KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_panda_order_parse(const char *json, size_t len,
                                               kassa_panda_order *out);

typedef struct kassa_panda kassa_panda;

/* A panda client for host (e.g. "https://api.pandapay24.com"), copying the
 * credentials. NULL on bad arguments or no memory. Free with
 * kassa_panda_free. */
KASSA_EXTERN kassa_panda *kassa_panda_new(const char *host, const char *api_key,
                                          const char *secret);
KASSA_EXTERN void kassa_panda_free(kassa_panda *c);

/* Sign the client's requests in strict mode (X-Signature-Mode: strict, the
 * signature covering method and target too: kassa_panda_sign_strict), as a
 * shop in strict mode requires; 0 turns it off. */
KASSA_EXTERN void kassa_panda_set_strict(kassa_panda *c, int strict);

/* Sign a request built by kassa_panda_build_* again in strict mode: its
 * X-Signature replaced, X-Signature-Mode: strict added. Errors: KASSA_EINVAL
 * (not a signed panda request), KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_panda_request_strict(kassa_request *r, const char *secret);

/* The client's HTTP handle, to set timeouts; owned by the client. */
KASSA_EXTERN kassa_http *kassa_panda_http(kassa_panda *c);

/* Create an order; on KASSA_OK *out holds it (kassa_panda_order_free).
 * Errors in *err (may be NULL) and returned: KASSA_EINVAL, KASSA_ENOMEM,
 * KASSA_ETRANSPORT, KASSA_EAPI (non-2xx with {"error"}), KASSA_EHTTP,
 * KASSA_EPROTO. The same for the calls below. */
KASSA_EXTERN kassa_err kassa_panda_create_order(kassa_panda *c, const kassa_panda_order_params *p,
                                                kassa_panda_order *out, kassa_error *err);

/* GET /orders/{uuid}. */
KASSA_EXTERN kassa_err kassa_panda_get_order(kassa_panda *c, const char *uuid,
                                             kassa_panda_order *out, kassa_error *err);

/* GET /orders/merchant/{merchant_order_id}: *orders receives a malloc'd
 * array of *n orders (kassa_panda_orders_free; NULL when n is 0). */
KASSA_EXTERN kassa_err kassa_panda_list_by_merchant_id(kassa_panda *c,
                                                       const char *merchant_order_id,
                                                       kassa_panda_order **orders, size_t *n,
                                                       kassa_error *err);

/* GET /orders/{uuid}/cancel. status (may be NULL) receives the answer's
 * status, e.g. "canceled", truncated to size bytes with NUL. */
KASSA_EXTERN kassa_err kassa_panda_cancel(kassa_panda *c, const char *uuid, char *status,
                                          size_t status_size, kassa_error *err);

/* ------------------------------------------------------------------ tegro */

/* Build the signed POST host/api/<method>/: the body is
 * {"shop_id":"<shop_id>","nonce":<nonce>,<fields' members>} where fields is
 * the text of a JSON object (NULL or "{}" for none) copied byte for byte,
 * so its numbers stay exact. Authorization: Bearer HMAC-SHA256(api_key,
 * body); Content-Type: application/json. nonce is decimal digits; NULL: now
 * in microseconds. *out is owned by the caller (kassa_request_free).
 * Errors: KASSA_EINVAL (method not [A-Za-z0-9_]+, fields not a JSON object,
 * or fields with its own shop_id or nonce, a non-digit nonce),
 * KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_tegro_build_call(const char *host, const char *shop_id,
                                              const char *api_key, const char *method,
                                              const char *fields, const char *nonce,
                                              kassa_request *out);

/* The signed hosted-form URL: host/pay/?amount=..&currency=..&order_id=..
 * &shop_id=..[&test=1]&sign=<md5> with the query URL-encoded as Python's
 * urlencode does, and sign = MD5(that query + secret). *out is malloc'd,
 * caller frees. Errors: KASSA_EINVAL (NULL argument), KASSA_ENOMEM. */
KASSA_EXTERN kassa_err kassa_tegro_pay_url(const char *host, const char *shop_id,
                                           const char *secret, const char *amount,
                                           const char *currency, const char *order_id, int test,
                                           char **out);

typedef struct kassa_tegro kassa_tegro;

/* A tegro client (copies its arguments). NULL on bad arguments or no
 * memory. Free with kassa_tegro_free. Nonces are microseconds, strictly
 * increasing per client. */
KASSA_EXTERN kassa_tegro *kassa_tegro_new(const char *host, const char *shop_id,
                                          const char *api_key);
KASSA_EXTERN void kassa_tegro_free(kassa_tegro *c);
KASSA_EXTERN kassa_http *kassa_tegro_http(kassa_tegro *c);

/* Call any REST method. fields as for kassa_tegro_build_call. On
 * type "success", *data (may be NULL) receives the raw text of the answer's
 * "data" member, malloc'd (caller frees). Errors: KASSA_EAPI (type
 * "error"; message = desc), KASSA_EHTTP (non-2xx), KASSA_EPROTO,
 * KASSA_ETRANSPORT, KASSA_EINVAL, KASSA_ENOMEM. The typed calls below
 * return the same errors. */
KASSA_EXTERN kassa_err kassa_tegro_call(kassa_tegro *c, const char *method, const char *fields,
                                        char **data, kassa_error *err);

typedef struct kassa_tegro_order_params {
    const char *currency; /* required: "RUB" */
    const char *amount;   /* required, decimal text */
    const char *order_id; /* required: the merchant's order number */
    int payment_system;   /* required: Tegro's method id (28 = SBP) */
    int test;             /* 1: a test order */
    const char *email;    /* optional fields {email, phone} */
    const char *phone;
    const char *success_url; /* optional */
    const char *fail_url;
    const char *notify_url;
    const char *lang;
} kassa_tegro_order_params;

/* What createOrder answers. url is owned (kassa_tegro_created_free). */
typedef struct kassa_tegro_created {
    int64_t id;
    char *url;
} kassa_tegro_created;

KASSA_EXTERN void kassa_tegro_created_free(kassa_tegro_created *c);

KASSA_EXTERN kassa_err kassa_tegro_create_order(kassa_tegro *c, const kassa_tegro_order_params *p,
                                                kassa_tegro_created *out, kassa_error *err);

/* A tegro order object. Strings owned; NULL when absent or null.
 * Release with kassa_tegro_order_free. */
typedef struct kassa_tegro_order {
    int64_t id;
    int status; /* 0 waiting, 1 paid, 2 error, 3 cancelled, 4 rejected */
    int payment_system_id;
    int currency_id;
    int test_order;
    char *amount; /* exact text, "64.18000000" */
    char *fee;
    char *payment_id; /* the merchant's order number */
    char *email;
    char *date_created;
    char *date_payed;
    char *json; /* the whole object, compact */
} kassa_tegro_order;

KASSA_EXTERN void kassa_tegro_order_free(kassa_tegro_order *o);
KASSA_EXTERN void kassa_tegro_orders_free(kassa_tegro_order *orders, size_t n);

/* The order with kassa's id order_id (> 0), or else with the merchant's
 * payment_id (non-NULL). */
KASSA_EXTERN kassa_err kassa_tegro_order_get(kassa_tegro *c, int64_t order_id,
                                             const char *payment_id, kassa_tegro_order *out,
                                             kassa_error *err);

/* One page (1-based) of orders, newest first: *orders is a malloc'd array
 * of *n (kassa_tegro_orders_free; NULL when n is 0). */
KASSA_EXTERN kassa_err kassa_tegro_orders_get(kassa_tegro *c, int page, kassa_tegro_order **orders,
                                              size_t *n, kassa_error *err);

/* The balance per currency, exact text. Release with kassa_tegro_balance_free. */
typedef struct kassa_tegro_balance_item {
    char *currency;
    char *amount;
} kassa_tegro_balance_item;

typedef struct kassa_tegro_balance {
    int64_t user_id;
    kassa_tegro_balance_item *items;
    size_t n;
} kassa_tegro_balance;

KASSA_EXTERN void kassa_tegro_balance_free(kassa_tegro_balance *b);
KASSA_EXTERN kassa_err kassa_tegro_balance_get(kassa_tegro *c, kassa_tegro_balance *out,
                                               kassa_error *err);

/* The merchant's shops. Release with kassa_tegro_shops_free. */
typedef struct kassa_tegro_shop {
    int64_t id;
    int status;
    char *name;
    char *url;
    char *public_key;
    char *date_added;
} kassa_tegro_shop;

typedef struct kassa_tegro_shops {
    int64_t user_id;
    kassa_tegro_shop *shops;
    size_t n;
} kassa_tegro_shops;

KASSA_EXTERN void kassa_tegro_shops_free(kassa_tegro_shops *s);
KASSA_EXTERN kassa_err kassa_tegro_shops_get(kassa_tegro *c, kassa_tegro_shops *out,
                                             kassa_error *err);

#ifdef __cplusplus
}
#endif
#endif
