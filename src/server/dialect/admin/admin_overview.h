/* admin_overview.h: GET /admin/v1/overview, the operator's live overview
 * (admin_overview.c). */
#ifndef KASSA_ADMIN_OVERVIEW_H
#define KASSA_ADMIN_OVERVIEW_H

#include "http/http.h"

enum http_action admin_overview(struct http_req *req);

#endif
