/* dialects.h: the entry points the router calls. Each answers or suspends
 * (http.h) and never blocks on the writer. */
#ifndef KASSA_DIALECTS_H
#define KASSA_DIALECTS_H

#include "../http.h"

/* /orders..., /v1/orders... */
enum http_action panda_handle(struct http_req *req);

/* /admin/v1/... */
enum http_action admin_handle(struct http_req *req);

#endif
