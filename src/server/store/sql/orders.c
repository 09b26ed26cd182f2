/* sql/orders.c: the order row's column maps (sql/orders.h). */
#include <string.h>

#include "orders.h"
#include "requisites.h"

void sql_order_columns(const struct order *o, struct sql_sink *k)
{
    k->text(k, o->uuid);
    k->text(k, o->uuid_callback);
    k->text(k, o->pay_token);
    k->i64(k, o->shop_id, true);
    k->i64(k, o->origin, true);
    k->i64(k, (int)o->status, true);
    k->i64(k, o->amount, true);
    k->text(k, o->currency);
    k->i64(k, o->fee, true);
    k->i64(k, o->amount_usdt, true);
    k->text(k, o->exchange_rate);
    k->text(k, o->merchant_order_id);
    k->text(k, o->requisite_type);
    k->i64(k, o->payment_system, true);
    k->text(k, o->customer_name);
    k->text(k, o->customer_requisite);
    k->text(k, o->bank_code);
    k->text(k, o->countries);
    k->text(k, o->payment_systems);
    k->text(k, o->email);
    k->text(k, o->phone);
    k->text(k, o->success_url);
    k->text(k, o->fail_url);
    k->text(k, o->notify_url);
    k->text(k, o->lang);
    k->i64(k, o->test, true);
    k->i64(k, o->confirmed_by_customer, true);
    k->i64(k, o->requisite_id, o->requisite_id != 0);
    k->i64(k, o->created_at, true);
    k->i64(k, o->expires_at, true);
    k->i64(k, o->paid_at, true);
    k->i64(k, o->updated_at, true);
}

void sql_read_order(const struct sql_row *r, struct order *o)
{
    const struct sql_row_ops *c = r->ops;
    memset(o, 0, sizeof *o);
    o->id = c->i64(r, 0);
    c->text(r, 1, o->uuid, sizeof o->uuid);
    c->text(r, 2, o->uuid_callback, sizeof o->uuid_callback);
    c->text(r, 3, o->pay_token, sizeof o->pay_token);
    o->shop_id = c->i64(r, 4);
    o->origin = (int)c->i64(r, 5);
    o->status = (enum order_status)c->i64(r, 6);
    o->amount = c->i64(r, 7);
    c->text(r, 8, o->currency, sizeof o->currency);
    o->fee = c->i64(r, 9);
    o->amount_usdt = c->i64(r, 10);
    c->text(r, 11, o->exchange_rate, sizeof o->exchange_rate);
    c->text(r, 12, o->merchant_order_id, sizeof o->merchant_order_id);
    c->text(r, 13, o->requisite_type, sizeof o->requisite_type);
    o->payment_system = (int)c->i64(r, 14);
    c->text(r, 15, o->customer_name, sizeof o->customer_name);
    c->text(r, 16, o->customer_requisite, sizeof o->customer_requisite);
    c->text(r, 17, o->bank_code, sizeof o->bank_code);
    c->text(r, 18, o->countries, sizeof o->countries);
    c->text(r, 19, o->payment_systems, sizeof o->payment_systems);
    c->text(r, 20, o->email, sizeof o->email);
    c->text(r, 21, o->phone, sizeof o->phone);
    c->text(r, 22, o->success_url, sizeof o->success_url);
    c->text(r, 23, o->fail_url, sizeof o->fail_url);
    c->text(r, 24, o->notify_url, sizeof o->notify_url);
    c->text(r, 25, o->lang, sizeof o->lang);
    o->test = c->i64(r, 26) != 0;
    o->confirmed_by_customer = c->i64(r, 27) != 0;
    o->requisite_id = c->i64(r, 28);
    o->created_at = c->i64(r, 29);
    o->expires_at = c->i64(r, 30);
    o->paid_at = c->i64(r, 31);
    o->updated_at = c->i64(r, 32);
    if (!c->null(r, SQL_ORDER_REQUISITE_AT))
        sql_read_requisite(r, SQL_ORDER_REQUISITE_AT, &o->req);
}
