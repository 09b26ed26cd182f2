/* router.h: the one http_handler of kassad: path prefix -> dialect. */
#ifndef KASSA_ROUTER_H
#define KASSA_ROUTER_H

#include "http/http.h"

enum http_action router_handle(struct http_req *req);

#endif
