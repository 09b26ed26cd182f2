/* router.h: the one http_handler of kassad: path prefix -> dialect. */
#ifndef KASSA_ROUTER_H
#define KASSA_ROUTER_H

#include "http/http.h"

/* Give the HTTP front the route classes (before http_start). */
void router_setup(void);

enum http_action router_handle(struct http_req *req);

#endif
