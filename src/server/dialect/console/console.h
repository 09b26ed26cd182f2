/* console.h: the console's static application (console.c) and what the
 * rest of the console dialect shares. */
#ifndef KASSA_CONSOLE_H
#define KASSA_CONSOLE_H

#include "http/http.h"

/* Where Chart.js is read from (--console-chartjs; NULL or "": Debian's
 * libjs-chart.js file). */
void console_configure(const char *chartjs);
const char *console_chartjs_file(void);

/* The console's headers on an answer: the Content-Security-Policy (no
 * inline script or style), X-Frame-Options: DENY, nosniff, no-referrer. */
void console_security_headers(struct http_req *req);

/* /console/api/...: sign-in, the session, TOTP (session.c). */
enum http_action console_api_handle(struct http_req *req);

#endif
