/* payer.c: the payer's page, GET /pay/complete/{id}/{token}/ (pages.c
 * routes it; the panda payer view's payment_redirect_url names it).
 *
 * What a payer needs to trust and finish a payment: the shop (its name,
 * logo and colour), the amount and the requisite each with a copy button,
 * the time left counting down, numbered steps, a QR code only with a
 * payload a bank app accepts (st00012.h), "I have paid" (the panda
 * confirm) and a receipt upload, the live status (pay.js polls /status)
 * and a link back to the shop. In Russian or English. No inline script or
 * style (pay.js, pay.css); every value from a merchant or payer is
 * HTML-escaped. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "core/core.h"
#include "dialect/form.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "pages.h"
#include "dialect/st00012.h"

/* The payer page's own words (html.h's struct lang has the shared ones). */
struct words {
    const char *to_pay, *copy, *copied, *how, *open_sbp, *open_card, *open_account, *open_qr,
        *open_other, *transfer, *confirm_step, *wait_step, *paid_btn, *confirmed, *receipt_title,
        *receipt_hint, *receipt_btn, *receipt_ok, *receipt_late, *qr_bank, *qr_nspk, *qr_page,
        *link, *bic, *corr, *test, *order_for;
};

static const struct words words_ru = {
    "Сумма к оплате",
    "Копировать",
    "Скопировано",
    "Как оплатить",
    "Откройте приложение своего банка и выберите перевод по номеру телефона (СБП).",
    "Откройте приложение своего банка и выберите перевод на карту.",
    "Откройте приложение своего банка и выберите перевод по реквизитам счёта.",
    "Отсканируйте QR-код камерой телефона или в приложении своего банка.",
    "Откройте приложение своего банка.",
    "Переведите ровно %s одним платежом по реквизитам ниже.",
    "Нажмите «Я оплатил» и приложите чек об оплате.",
    "Дождитесь подтверждения: страница обновится сама.",
    "Я оплатил",
    "Вы сообщили об оплате. Мы проверяем поступление денег.",
    "Чек об оплате",
    "Фото или снимок экрана с чеком (JPG или PNG, до 3 МБ).",
    "Отправить чек",
    "Чек получен, спасибо.",
    "Время на оплату истекло. Если вы уже перевели деньги, приложите чек: мы проверим платёж.",
    "Отсканируйте QR-код в приложении банка: реквизиты и сумма заполнятся сами.",
    "Отсканируйте QR-код камерой телефона или в приложении банка.",
    "Открыть на телефоне: отсканируйте QR-код камерой телефона, чтобы продолжить оплату там.",
    "Ссылка для оплаты",
    "БИК",
    "Корр. счёт",
    "Тест",
    "Заказ",
};

static const struct words words_en = {
    "Amount to pay",
    "Copy",
    "Copied",
    "How to pay",
    "Open your bank's app and choose a transfer by phone number (SBP).",
    "Open your bank's app and choose a transfer to a card.",
    "Open your bank's app and choose a transfer to a bank account.",
    "Scan the QR code with your phone's camera or in your bank's app.",
    "Open your bank's app.",
    "Transfer exactly %s in one payment to the details below.",
    "Press \xe2\x80\x9cI have paid\xe2\x80\x9d and attach the receipt.",
    "Wait for the confirmation: this page updates itself.",
    "I have paid",
    "You told us you have paid. We are checking that the money has arrived.",
    "Payment receipt",
    "A photo or screenshot of the receipt (JPG or PNG, up to 3 MB).",
    "Send the receipt",
    "Receipt received, thank you.",
    "The time to pay has run out. If you have already sent the money, attach the receipt: we "
    "will check the payment.",
    "Scan the QR code in your bank's app: the details and the amount fill in by themselves.",
    "Scan the QR code with your phone's camera or in your bank's app.",
    "Open on your phone: scan the QR code with your phone's camera to continue paying there.",
    "Payment link",
    "BIC",
    "Correspondent account",
    "Test",
    "Order",
};

kassa_err load_paid_order(int64_t id, const char *token, struct order *o, struct shop *shop)
{
    kassa_err err = query_order(ORDER_BY_ID, NULL, id, o);
    if (err == KASSA_OK && (strlen(o->pay_token) != TOKEN_SIZE - 1 ||
                            !kassa_ct_equal(o->pay_token, token, TOKEN_SIZE - 1)))
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK && shop != NULL)
        err = query_shop(o->shop_id, shop);
    return err;
}

const struct requisite *shown_requisite(const struct order *o, struct requisite *buf,
                                        const struct lang *L)
{
    return order_requisite(o, L == &lang_en, buf);
}

static bool is_phone(const char *type)
{
    return strcmp(type, "SBP") == 0 || strcmp(type, "phoneTopUp") == 0 ||
           strcmp(type, "internalTransferMobile") == 0;
}

static bool is_card(const char *type)
{
    return strcmp(type, "card") == 0 || strcmp(type, "crossBorderCard") == 0;
}

static const char *value_label(const struct lang *L, const struct words *W, const char *type)
{
    if (is_phone(type))
        return L->phone;
    if (is_card(type))
        return L->card;
    if (strcmp(type, "QR") == 0)
        return W->link;
    return L->account;
}

static const char *open_step(const struct words *W, const char *type, enum pay_qr qr)
{
    if (qr == PAY_QR_NSPK)
        return W->open_qr;
    if (is_phone(type))
        return W->open_sbp;
    if (is_card(type))
        return W->open_card;
    if (requisite_is_account(type))
        return W->open_account;
    return W->open_other;
}

static bool receipt_row(void *arg, const char *name, const char *count, int64_t price)
{
    struct sbuf *b = ((void **)arg)[0];
    const char *currency = ((void **)arg)[1];
    const kassa_currency *cur = kassa_currency_find(currency);
    char amt[48] = "";
    if (cur)
        kassa_money_format(price, cur->exponent, cur->exponent, amt, sizeof amt);
    sbuf_add(b, "<tr><td>");
    sbuf_html(b, name);
    sbuf_add(b, "</td><td>");
    sbuf_html(b, count);
    sbuf_add(b, " &times; ");
    sbuf_html(b, amt);
    sbuf_add(b, "</td></tr>");
    return !b->failed;
}

static void dl_row(struct sbuf *b, const char *k, const char *v, const char *id)
{
    sbuf_add(b, "<dt>");
    sbuf_html(b, k);
    sbuf_add(b, "</dt><dd");
    if (id) {
        sbuf_add(b, " id=\"");
        sbuf_add(b, id);
        sbuf_add(b, "\"");
    }
    sbuf_add(b, ">");
    sbuf_html(b, v);
    sbuf_add(b, "</dd>");
}

/* A copy button for `text` (hidden until pay.js shows it: it needs the
 * script). */
static void copy_button(struct sbuf *b, const struct words *W, const char *id, const char *text)
{
    sbuf_printf(b, "<button type=\"button\" class=\"copy\" id=\"%s\" hidden data-copy=\"", id);
    sbuf_html(b, text);
    sbuf_add(b, "\" data-done=\"");
    sbuf_html(b, W->copied);
    sbuf_add(b, "\">");
    sbuf_html(b, W->copy);
    sbuf_add(b, "</button>");
}

/* The shop: its logo (an https URL), its name, a test order's badge. */
static void brand_block(struct sbuf *b, const struct shop *shop, const struct order *o,
                        const struct words *W)
{
    sbuf_add(b, "<header class=\"brand\">");
    if (shop->logo_url[0] != '\0') {
        sbuf_add(b, "<img id=\"logo\" alt=\"\" referrerpolicy=\"no-referrer\" src=\"");
        sbuf_html(b, shop->logo_url);
        sbuf_add(b, "\">");
    }
    sbuf_add(b, "<div class=\"name\" id=\"shop\">");
    sbuf_html(b, shop->name);
    sbuf_add(b, "</div>");
    if (o->test) {
        sbuf_add(b, "<span class=\"badge\" id=\"test-badge\">");
        sbuf_html(b, W->test);
        sbuf_add(b, "</span>");
    }
    sbuf_add(b, "</header>");
}

/* The requisite, its copy button, bank and recipient (an account's BIC and
 * correspondent account too). */
static void requisite_block(struct sbuf *b, const struct lang *L, const struct words *W,
                            const struct requisite *r)
{
    sbuf_add(b, "<section class=\"req\" id=\"requisite\"><div class=\"row\"><div>");
    sbuf_html(b, value_label(L, W, r->type));
    sbuf_add(b, "</div>");
    copy_button(b, W, "copy-requisite", r->value);
    sbuf_add(b, "</div><div class=\"value token\" id=\"requisite-value\">");
    sbuf_html(b, r->value);
    sbuf_add(b, "</div><dl class=\"facts\">");
    dl_row(b, L->bank, L == &lang_en && r->bank_name_en[0] ? r->bank_name_en : r->bank_name_ru,
           "bank");
    dl_row(b, L->holder, r->owner_full_name, "holder");
    if (requisite_is_account(r->type) && r->bic[0] != '\0')
        dl_row(b, W->bic, r->bic, "bic");
    if (requisite_is_account(r->type) && r->corr_account[0] != '\0') {
        sbuf_add(b, "<dt>");
        sbuf_html(b, W->corr);
        sbuf_add(b, "</dt><dd class=\"token\" id=\"corr\">");
        sbuf_html(b, r->corr_account);
        sbuf_add(b, "</dd>");
    }
    sbuf_add(b, "</dl></section>");
}

/* The QR code: its payload in data-payload, what it is in data-kind and
 * the words under it. */
static void qr_block(struct sbuf *b, const struct words *W, const struct order *o, enum pay_qr kind,
                     const char *payload)
{
    static const char *const kinds[] = {"page", "st00012", "nspk"};
    const char *hint = kind == PAY_QR_ST00012 ? W->qr_bank
                       : kind == PAY_QR_NSPK  ? W->qr_nspk
                                              : W->qr_page;
    sbuf_printf(b,
                "<div class=\"qr\" id=\"qr-block\"><img id=\"qr\" alt=\"QR\" "
                "src=\"/pay/qr/%lld/%s/dark.png\" data-kind=\"%s\" data-payload=\"",
                (long long)o->id, o->pay_token, kinds[kind]);
    sbuf_html(b, payload);
    sbuf_add(b, "\"><div class=\"hint\" id=\"qr-label\">");
    sbuf_html(b, hint);
    sbuf_add(b, "</div></div>");
}

/* "I have paid" and the receipt upload (a pending order), or the receipt
 * alone (a timed-out one: it opens a dispute, core's dispute_from_receipt). */
static void payer_actions(struct sbuf *b, const struct words *W, const struct order *o,
                          const char *base, bool receipt_sent)
{
    bool pending = o->status == ORDER_PENDING;
    if (pending && !o->confirmed_by_customer) {
        sbuf_add(b, "<form method=\"post\" action=\"");
        sbuf_add(b, base);
        sbuf_add(b, "confirm\"><button class=\"primary\" id=\"paid\" type=\"submit\">");
        sbuf_html(b, W->paid_btn);
        sbuf_add(b, "</button></form>");
    } else if (pending) {
        sbuf_add(b, "<p class=\"ok\" id=\"confirmed\">");
        sbuf_html(b, W->confirmed);
        sbuf_add(b, "</p>");
    }
    sbuf_add(b, "<section class=\"panel\" id=\"receipt\"><h2>");
    sbuf_html(b, W->receipt_title);
    sbuf_add(b, "</h2>");
    if (!pending) {
        sbuf_add(b, "<p class=\"note\" id=\"late\">");
        sbuf_html(b, W->receipt_late);
        sbuf_add(b, "</p>");
    }
    if (receipt_sent) {
        sbuf_add(b, "<p class=\"ok\" id=\"receipt-ok\">");
        sbuf_html(b, W->receipt_ok);
        sbuf_add(b, "</p>");
    }
    sbuf_add(b, "<form method=\"post\" enctype=\"multipart/form-data\" action=\"");
    sbuf_add(b, base);
    sbuf_add(b, "receipt\"><label for=\"receipt-file\">");
    sbuf_html(b, W->receipt_hint);
    sbuf_add(b, "</label><input type=\"file\" id=\"receipt-file\" name=\"receipt\" "
                "accept=\"image/jpeg,image/png\" required><button type=\"submit\" "
                "id=\"receipt-send\">");
    sbuf_html(b, W->receipt_btn);
    sbuf_add(b, "</button></form></section>");
}

static void sandbox_block(struct sbuf *b, const struct lang *L, const char *base)
{
    sbuf_add(b, "<section class=\"test\" id=\"sandbox\"><p>");
    sbuf_html(b, L->test_note);
    sbuf_add(b, "</p><form class=\"inline\" method=\"post\" action=\"");
    sbuf_add(b, base);
    sbuf_add(b, "pay\"><button class=\"pay\" id=\"pay\" type=\"submit\">");
    sbuf_html(b, L->pay_btn);
    sbuf_add(b, "</button></form><form class=\"inline\" method=\"post\" action=\"");
    sbuf_add(b, base);
    sbuf_add(b, "fail\"><button class=\"fail\" id=\"fail\" type=\"submit\">");
    sbuf_html(b, L->fail_btn);
    sbuf_add(b, "</button></form></section>");
}

/* The method chooser of an order without a usable method; false when the
 * shop's switches cannot be read. */
static bool chooser(struct sbuf *b, struct http_req *req, const struct lang *L,
                    const struct order *o, const char *base, const char *note)
{
    struct method_switches sw;
    if (query_method_switches(o->shop_id, &sw) != KASSA_OK)
        return false;
    const char *qlang = http_query(req, "lang");
    char action[192];
    bool ql = qlang != NULL && (strcmp(qlang, "en") == 0 || strcmp(qlang, "ru") == 0);
    snprintf(action, sizeof action, "%smethod%s%s", base, ql ? "?lang=" : "", ql ? qlang : "");
    sbuf_add(b, "<h2 id=\"choose\">");
    sbuf_html(b, L->choose);
    sbuf_add(b, "</h2>");
    if (note != NULL) {
        sbuf_add(b, "<p class=\"note\" id=\"refused\">");
        sbuf_html(b, note);
        sbuf_add(b, "</p>");
    }
    sbuf_add(b, "<nav class=\"methods\" id=\"methods\">");
    methods_nav(b, &sw, o->test, L, "post", action, NULL);
    sbuf_add(b, "</nav>");
    return true;
}

/* The numbered steps. */
static void steps_block(struct sbuf *b, const struct words *W, const struct requisite *r,
                        enum pay_qr qr, const char *amount_text)
{
    char transfer[256];
    snprintf(transfer, sizeof transfer, W->transfer, amount_text);
    sbuf_add(b, "<h2>");
    sbuf_html(b, W->how);
    sbuf_add(b, "</h2><ol class=\"steps\" id=\"steps\"><li>");
    sbuf_html(b, open_step(W, r->type, qr));
    sbuf_add(b, "</li><li>");
    sbuf_html(b, transfer);
    sbuf_add(b, "</li><li>");
    sbuf_html(b, W->confirm_step);
    sbuf_add(b, "</li><li>");
    sbuf_html(b, W->wait_step);
    sbuf_add(b, "</li></ol>");
}

/* The <body> attributes pay.js reads: the shop's colour, and for a pending
 * order the status URL and what it says now. */
static void body_attrs(char *out, size_t size, const struct shop *shop, const struct order *o,
                       const char *base, int st)
{
    size_t n = 0;
    out[0] = '\0';
    bool color = shop->brand_color[0] == '#' && strlen(shop->brand_color) == 7;
    for (int i = 1; color && i < 7; i++) /* checked when set; as sure here */
        color = strchr("0123456789abcdefABCDEF", shop->brand_color[i]) != NULL;
    if (color)
        n += (size_t)snprintf(out, size, "data-brand=\"%s\" ", shop->brand_color);
    if (o->status == ORDER_PENDING && n < size)
        snprintf(out + n, size - n,
                 "data-status-url=\"%sstatus\" data-st=\"%d\" "
                 "data-confirmed=\"%s\"",
                 base, st, o->confirmed_by_customer ? "true" : "false");
}

enum http_action payer_page(struct http_req *req, int64_t id, const char *token, const char *note)
{
    struct order *o = arena_calloc(&req->arena, sizeof *o);
    struct shop *shop = arena_calloc(&req->arena, sizeof *shop);
    struct requisite *rbuf = arena_calloc(&req->arena, sizeof *rbuf);
    char *payload = arena_alloc(&req->arena, URL_SIZE + 1024);
    kassa_err err =
        (o && shop && rbuf && payload) ? load_paid_order(id, token, o, shop) : KASSA_ENOMEM;
    const struct lang *L = lang_pick(http_query(req, "lang"), o ? o->lang : NULL);
    const struct words *W = L == &lang_en ? &words_en : &words_ru;
    if (err == KASSA_ENOTFOUND) {
        error_page(req, 404, L, "Payment not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    const kassa_currency *cur = kassa_currency_find(o->currency);
    char amt[48] = "", amount_text[80], base[160], ttl_text[32], attrs[320];
    if (cur)
        kassa_money_format(o->amount, cur->exponent, cur->exponent, amt, sizeof amt);
    snprintf(amount_text, sizeof amount_text, "%s %s", amt, o->currency);
    snprintf(base, sizeof base, "/pay/complete/%lld/%s/", (long long)o->id, o->pay_token);
    int st = page_status(o->status);
    bool pending = o->status == ORDER_PENDING;
    int64_t ttl = pending ? order_ttl_left(o) : 0;
    snprintf(ttl_text, sizeof ttl_text, "%02lld:%02lld:%02lld", (long long)(ttl / 3600),
             (long long)(ttl % 3600 / 60), (long long)(ttl % 60));
    const char *after = NULL;
    if (o->status == ORDER_COMPLETED && o->success_url[0])
        after = o->success_url;
    else if (!pending && o->status != ORDER_COMPLETED && o->fail_url[0])
        after = o->fail_url;
    body_attrs(attrs, sizeof attrs, shop, o, base, st);

    struct sbuf b;
    sbuf_init(&b, PAGE_LIMIT);
    page_open_body(&b, L, L->title, after, attrs);
    brand_block(&b, shop, o, W);
    sbuf_add(&b, "<h1>");
    sbuf_html(&b, L->title);
    sbuf_add(&b, "</h1><section class=\"sum\"><div class=\"label\">");
    sbuf_html(&b, W->to_pay);
    sbuf_add(&b, "</div><div class=\"row\"><div class=\"amount\" id=\"amount\">");
    sbuf_html(&b, amount_text);
    sbuf_add(&b, "</div>");
    if (pending)
        copy_button(&b, W, "copy-amount", amt);
    sbuf_add(&b, "</div></section><dl class=\"facts\">");
    if (o->merchant_order_id[0] != '\0') /* the shop's number, as its payer knows it */
        dl_row(&b, W->order_for, o->merchant_order_id, "order");
    const struct pay_method *m = method_find(o->payment_system);
    if (m)
        dl_row(&b, L->method, L == &lang_en ? m->name_en : m->name_ru, "method");
    sbuf_add(&b, "<dt>");
    sbuf_html(&b, L->status);
    sbuf_printf(&b, "</dt><dd><span class=\"status st-%d\" id=\"status\" data-status=\"%s\">", st,
                order_status_name(o->status));
    sbuf_html(&b, status_text(L, o->status));
    sbuf_add(&b, "</span></dd>");
    if (pending) {
        sbuf_add(&b, "<dt>");
        sbuf_html(&b, L->time_left);
        sbuf_printf(&b, "</dt><dd><span class=\"ttl\" data-left=\"%lld\" id=\"ttl\">%s</span></dd>",
                    (long long)ttl, ttl_text);
    }
    sbuf_add(&b, "</dl>");

    /* No method yet (createOrder without one, or with one nothing here
     * serves): the payer chooses, as on the hosted form's chooser. */
    bool choosing = order_awaits_method(o);
    if (choosing && !chooser(&b, req, L, o, base, note)) {
        sbuf_free(&b);
        error_page(req, 500, L, "Internal server error");
        return HTTP_DONE;
    }
    const struct requisite *r = shown_requisite(o, rbuf, L);
    if (pending && r != NULL) {
        enum pay_qr qr = pay_qr_text(o, r, shop->name, payload, URL_SIZE + 1024);
        steps_block(&b, W, r, qr, amount_text);
        requisite_block(&b, L, W, r);
        qr_block(&b, W, o, qr, payload);
    }
    if (pending && o->test && !choosing)
        sandbox_block(&b, L, base);
    if (!choosing && (pending || o->status == ORDER_EXPIRED) && (r != NULL || !pending))
        payer_actions(&b, W, o, base, http_query(req, "receipt") != NULL);
    if (after != NULL) {
        sbuf_add(&b, "<a class=\"btn primary\" id=\"back\" href=\"");
        sbuf_html(&b, after);
        sbuf_add(&b, "\">");
        sbuf_html(&b, L->redirect);
        sbuf_add(&b, "</a>");
    } else if (shop->url[0] != '\0') {
        sbuf_add(&b, "<a class=\"back\" id=\"back-shop\" href=\"");
        sbuf_html(&b, shop->url);
        sbuf_add(&b, "\">");
        sbuf_html(&b, L->back);
        sbuf_add(&b, "</a>");
    }
    /* Receipt items, when the order has them. */
    struct sbuf items;
    sbuf_init(&items, PAGE_LIMIT);
    void *ctx[2] = {&items, o->currency};
    query_receipt_items(o->id, receipt_row, ctx);
    if (buf_len(&items.buf) > 0 && !items.failed) {
        sbuf_add(&b, "<h2>");
        sbuf_html(&b, L->items);
        sbuf_add(&b, "</h2><table id=\"items\">");
        sbuf_addn(&b, buf_ptr(&items.buf), buf_len(&items.buf));
        sbuf_add(&b, "</table>");
    }
    sbuf_free(&items);
    page_close(&b);
    send_page(req, 200, &b);
    return HTTP_DONE;
}
