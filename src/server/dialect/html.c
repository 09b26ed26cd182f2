/* html.c: the HTML pages the payer sees, shared by the dialects that show
 * them (the hosted payment form, the payer's pages): the two languages,
 * the page frame with its security headers, error pages and the method
 * chooser (see html.h). */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int page_status(enum order_status s)
{
    switch (s) {
    case ORDER_PENDING:
        return 0;
    case ORDER_COMPLETED:
        return 1;
    case ORDER_FAILED:
        return 2;
    case ORDER_EXPIRED:
    case ORDER_CANCELED:
    case ORDER_REVERSED: /* p2p.md "Reversal": 3 in tegro terms */
        return 3;
    case ORDER_NO_REQUISITE:
        return 4;
    }
    return 4;
}

/* ---- language --------------------------------------------------------- */

const struct lang lang_ru = {
    "ru",
    "Оплата заказа",
    "Выберите способ оплаты",
    "Сумма",
    "Магазин",
    "Заказ",
    "Способ оплаты",
    "Статус",
    "Переведите точную сумму по реквизитам",
    "Телефон (СБП)",
    "Номер карты",
    "Номер счёта",
    "Банк",
    "Получатель",
    "Осталось времени",
    "Отсканируйте QR-код в приложении банка",
    "Тестовый режим: деньги не списываются. Выберите результат оплаты.",
    "Оплатить",
    "Отклонить",
    "Ожидает оплаты",
    "Оплачен",
    "Ошибка оплаты",
    "Отменён",
    "Отклонён",
    "Нет доступных способов оплаты",
    "Ошибка",
    "Вернуться в магазин",
    "Сейчас вы вернётесь в магазин",
    "Состав заказа",
    "Время на оплату истекло",
    "Этот заказ больше нельзя оплатить",
    "Сервис временно недоступен. Страница обновится сама через несколько секунд.",
};

const struct lang lang_en = {
    "en",
    "Order payment",
    "Choose a payment method",
    "Amount",
    "Shop",
    "Order",
    "Payment method",
    "Status",
    "Transfer the exact amount to",
    "Phone (SBP)",
    "Card number",
    "Account number",
    "Bank",
    "Recipient",
    "Time left",
    "Scan the QR code in your bank's app",
    "Test mode: no money moves. Choose the payment's outcome.",
    "Pay",
    "Fail",
    "Waiting for payment",
    "Paid",
    "Payment failed",
    "Cancelled",
    "Rejected",
    "No payment methods available",
    "Error",
    "Back to the shop",
    "You will be taken back to the shop",
    "Order items",
    "The time to pay has run out",
    "This order can no longer be paid",
    "The service is briefly unavailable. This page will try again in a moment.",
};

const struct lang *lang_pick(const char *a, const char *b)
{
    if (a && strcmp(a, "en") == 0)
        return &lang_en;
    if (a && strcmp(a, "ru") == 0)
        return &lang_ru;
    if (b && strcmp(b, "en") == 0)
        return &lang_en;
    return &lang_ru;
}

const char *status_text(const struct lang *L, enum order_status s)
{
    switch (page_status(s)) {
    case 0:
        return L->st_pending;
    case 1:
        return L->st_paid;
    case 2:
        return L->st_failed;
    case 3:
        return L->st_cancelled;
    default:
        return L->st_rejected;
    }
}

/* ---- page frame ---------------------------------------------------------- */

void page_open(struct sbuf *b, const struct lang *L, const char *title, const char *refresh_url)
{
    page_open_body(b, L, title, refresh_url, NULL);
}

void page_open_body(struct sbuf *b, const struct lang *L, const char *title,
                    const char *refresh_url, const char *body_attrs)
{
    sbuf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">", L->code);
    sbuf_add(b, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    sbuf_add(b, "<meta name=\"referrer\" content=\"no-referrer\">");
    /* no favicon request: the page needs nothing but itself */
    sbuf_add(b, "<link rel=\"icon\" href=\"data:,\">");
    if (refresh_url != NULL) {
        sbuf_add(b, "<meta http-equiv=\"refresh\" content=\"3;url=");
        sbuf_html(b, refresh_url);
        sbuf_add(b, "\">");
    }
    sbuf_add(b, "<title>");
    sbuf_html(b, title);
    /* the pages' stylesheet and script, kassad's own files (pages.c): the
     * CSP allows no inline ones */
    sbuf_add(b, "</title><link rel=\"stylesheet\" href=\"" PAY_STATIC "pay.css\">"
                "<script src=\"" PAY_STATIC "pay.js\" defer></script></head><body");
    if (body_attrs != NULL) {
        sbuf_add(b, " ");
        sbuf_add(b, body_attrs);
    }
    sbuf_add(b, "><main class=\"card\">");
}

void page_close(struct sbuf *b)
{
    sbuf_add(b, "</main></body></html>");
}

void send_page(struct http_req *req, int status, struct sbuf *b)
{
    size_t len;
    char *body = sbuf_finish(b, &len);
    if (body == NULL) {
        static const char err[] = "Internal server error";
        http_reply(req, 500, "text/plain; charset=utf-8", err, sizeof err - 1);
        return;
    }
    http_add_header(req, "Cache-Control", "no-store");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_add_header(req, "X-Frame-Options", "DENY");
    /* No inline script or style: pay.js and pay.css are kassad's files. A
     * shop's logo is an https URL (img-src https:). */
    http_add_header(req, "Content-Security-Policy",
                    "default-src 'none'; img-src 'self' data: https:; style-src 'self'; "
                    "script-src 'self'; connect-src 'self'; form-action 'self' http: https:; "
                    "base-uri 'none'; frame-ancestors 'none'");
    http_reply_owned(req, status, "text/html; charset=utf-8", body, len);
}

void error_page(struct http_req *req, int status, const struct lang *L, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* The database is down (or was when this request failed): tell the
     * payer to wait, and reload the page (a GET) until it answers. */
    const char *retry = NULL;
    if (status == 500 && core_db_unavailable_lately()) {
        status = 503;
        snprintf(msg, sizeof msg, "%s", L->unavailable);
        http_add_header(req, "Retry-After", "3");
        if (strcmp(req->method, "GET") == 0)
            retry = req->raw_target;
    }
    struct sbuf b;
    sbuf_init(&b, PAGE_LIMIT);
    page_open(&b, L, L->error, retry);
    sbuf_add(&b, "<h1>");
    sbuf_html(&b, L->error);
    sbuf_add(&b, "</h1><p class=\"err\" id=\"error\">");
    sbuf_html(&b, msg);
    sbuf_add(&b, "</p>");
    page_close(&b);
    send_page(req, status, &b);
}

/* One button per method usable for the shop (switches `sw`, a test order or
 * not), each a form sent by `verb` ("get" or "post") to `action` with the
 * fields of `carry` (none when NULL) but payment_system, and payment_system
 * set to the method. Returns how many buttons. */
size_t methods_nav(struct sbuf *b, const struct method_switches *sw, bool test,
                   const struct lang *L, const char *verb, const char *action,
                   const struct form *carry)
{
    size_t n, shown = 0;
    const struct pay_method *t = method_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (!method_usable(sw, &t[i], test))
            continue;
        shown++;
        sbuf_printf(b, "<form method=\"%s\" action=\"", verb);
        sbuf_html(b, action);
        sbuf_add(b, "\">");
        for (size_t k = 0; carry != NULL && k < carry->n; k++) {
            if (strcmp(carry->f[k].key, "payment_system") == 0)
                continue;
            sbuf_add(b, "<input type=\"hidden\" name=\"");
            sbuf_html(b, carry->f[k].key);
            sbuf_add(b, "\" value=\"");
            sbuf_html(b, carry->f[k].value);
            sbuf_add(b, "\">");
        }
        sbuf_printf(b,
                    "<input type=\"hidden\" name=\"payment_system\" value=\"%d\">"
                    "<button type=\"submit\" id=\"method-%d\">",
                    t[i].id, t[i].id);
        sbuf_html(b, L == &lang_en ? t[i].name_en : t[i].name_ru);
        sbuf_add(b, "</button></form>");
    }
    if (shown == 0) {
        sbuf_add(b, "<p class=\"err\">");
        sbuf_html(b, L->no_methods);
        sbuf_add(b, "</p>");
    }
    return shown;
}
