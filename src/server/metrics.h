/* metrics.h: GET /metrics, the Prometheus text (docs/METRICS.md lists every
 * series).
 *
 * The layers count their own events (base/metric.h); this module adds
 * what is read at each scrape (the database's backlog through a core
 * query, the writer's queue, the connection table, the process), decides
 * who may scrape, and renders the text.
 *
 * Who may scrape (metrics_allowed): by default a request with the admin
 * token (`Authorization: Bearer <token>`, compared in constant time), else
 * 401; with an allow-list (--metrics-allow CIDR[,CIDR...]) the client's
 * address alone decides: inside it no token is needed, outside it the
 * answer is 403, token or not. */
#ifndef KASSA_METRICS_H
#define KASSA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define METRICS_ALLOW_MAX 64 /* networks in an allow-list */

/* One network of an allow-list: an IPv4 one is kept as IPv4-mapped IPv6
 * (::ffff:a.b.c.d/96+len), so one comparison serves both families. */
struct metrics_net {
    unsigned char addr[16];
    int bits; /* 0..128 */
};

struct metrics_allow {
    int n; /* 0: no allow-list (the token decides) */
    struct metrics_net nets[METRICS_ALLOW_MAX];
};

/* Parse "10.0.0.0/8,127.0.0.1,::1/128" (spaces around items allowed; an
 * address without /len is that address alone) into out. -1 with a message
 * naming the bad item in err. "" gives an empty list. */
int metrics_allow_parse(const char *spec, struct metrics_allow *out, char *err, size_t errlen);

/* Whether the address text `addr` ("10.1.2.3", "::1", "::ffff:10.1.2.3")
 * is in the list. */
bool metrics_allow_has(const struct metrics_allow *a, const char *addr);

/* Set who may scrape (main.c, before http_start): the allow-list text (NULL
 * or "": none) and the admin token. -1 with a message when the list does
 * not parse. Registers the series read at each scrape. */
int metrics_setup(const char *allow, const char *admin_token, char *err, size_t errlen);

/* Whether req may read /metrics; false with the status to refuse it with
 * (401, 403) in *status. */
bool metrics_allowed(struct http_req *req, int *status, int *retry_s);

/* GET /metrics (the router's). */
enum http_action metrics_handle(struct http_req *req);

#endif
