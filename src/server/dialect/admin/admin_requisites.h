/* admin_requisites.h: POST /admin/v1/requisites and PATCH
 * /admin/v1/requisites/{id} (render_admin_requisite: admin_lists.h). */
#ifndef KASSA_ADMIN_REQUISITES_H
#define KASSA_ADMIN_REQUISITES_H

#include "http/http.h"

enum http_action admin_add_requisite(struct http_req *req);
enum http_action admin_patch_requisite(struct http_req *req, const char *arg);

#endif
