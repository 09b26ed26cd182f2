/* html.h: the HTML pages the payer sees (html.c). Every value from a
 * merchant or payer is HTML-escaped (sbuf_html); pages load nothing but
 * kassad's own files (pay.css, pay.js: no inline CSS or script, the CSP
 * allows none) and a shop's logo. */
#ifndef KASSA_DIALECT_HTML_H
#define KASSA_DIALECT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"
#include "dialect/form.h"
#include "http/http.h"

#define PAGE_LIMIT (1u << 20)     /* bytes of one page */
#define PAY_STATIC "/pay/static/" /* the pages' stylesheet and script (pages.c) */

/* A page's words in one language. */
struct lang {
    const char *code, *title, *choose, *amount, *shop, *order, *method, *status, *pay_to, *phone,
        *card, *account, *bank, *holder, *time_left, *scan, *test_note, *pay_btn, *fail_btn,
        *st_pending, *st_paid, *st_failed, *st_cancelled, *st_rejected, *no_methods, *error, *back,
        *redirect, *items, *expired_note, *not_payable, *unavailable;
};

extern const struct lang lang_ru, lang_en;

/* The language asked for (a), else the order's (b), else Russian. */
const struct lang *lang_pick(const char *a, const char *b);

/* The number a page's status refresh reports: 0 waiting, 1 paid, 2 error,
 * 3 cancelled (expired too), 4 rejected, as Tegro numbers them. */
int page_status(enum order_status s);

/* The status in words. */
const char *status_text(const struct lang *L, enum order_status s);

/* Open a page (doctype to <main>) titled `title`, reloading itself at
 * refresh_url every 3 s when not NULL; close it; send it with `status` and
 * the pages' headers (no-store, nosniff, the Content-Security-Policy). */
void page_open(struct sbuf *b, const struct lang *L, const char *title, const char *refresh_url);
/* page_open with `body_attrs` (ready HTML: escaped) in the <body> tag. */
void page_open_body(struct sbuf *b, const struct lang *L, const char *title,
                    const char *refresh_url, const char *body_attrs);
void page_close(struct sbuf *b);
void send_page(struct http_req *req, int status, struct sbuf *b);

/* An error page: the title, what is wrong (escaped). */
void error_page(struct http_req *req, int status, const struct lang *L, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One button per method usable for the shop (switches `sw`, a test order or
 * not), each a form sent by `verb` ("get" or "post") to `action` with the
 * fields of `carry` (none when NULL) but payment_system, and payment_system
 * set to the method. Returns how many buttons. */
size_t methods_nav(struct sbuf *b, const struct method_switches *sw, bool test,
                   const struct lang *L, const char *verb, const char *action,
                   const struct form *carry);

#endif
