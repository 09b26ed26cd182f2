/* admin_backup.h: POST /admin/v1/backup (admin API). */
#ifndef KASSA_ADMIN_BACKUP_H
#define KASSA_ADMIN_BACKUP_H

#include "http/http.h"

/* POST /admin/v1/backup, after the admin token was checked: 200 with the
 * bytes of a consistent copy of the SQLite database (application/vnd.sqlite3,
 * streamed from a file, constant memory), taken without stopping the writer;
 * 409 while another backup runs, and on PostgreSQL (pg_dump's job). */
enum http_action admin_backup(struct http_req *req);

#endif
