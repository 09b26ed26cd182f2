/* requests.h: the front's own series for GET /metrics, kept apart
 * from http.c: every answered request counted by its route class and
 * status code, and timed by its route class (from its first byte to its
 * answer sent). The classes are the router's (http.h
 * http_set_route_classes): http/ knows no route. */
#ifndef KASSA_HTTP_REQUESTS_H
#define KASSA_HTTP_REQUESTS_H

#include <stdint.h>

#include "http.h"

/* Register the series (at http_start); the classes given so far are the
 * ones they have. */
void http_metrics_register(void);

/* The class of a request whose path is known now (the router's classify;
 * the last class without one). */
int http_metrics_classify(struct http_req *req);

/* The class of a request whose path never got known (refused before). */
int http_metrics_unclassified(void);

/* Count an answered request: its class, status and microseconds. */
void http_metrics_count(int route_class, int status, int64_t us);

#endif
