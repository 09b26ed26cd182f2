/* sql/requisites.c: the requisite row's column map (sql/requisites.h). */
#include "requisites.h"

void sql_read_requisite(const struct sql_row *r, int i, struct requisite *rq)
{
    const struct sql_row_ops *c = r->ops;
    rq->id = c->i64(r, i + 0);
    c->text(r, i + 1, rq->type, sizeof rq->type);
    c->text(r, i + 2, rq->value, sizeof rq->value);
    c->text(r, i + 3, rq->owner_full_name, sizeof rq->owner_full_name);
    c->text(r, i + 4, rq->bank_code, sizeof rq->bank_code);
    c->text(r, i + 5, rq->bank_name_ru, sizeof rq->bank_name_ru);
    c->text(r, i + 6, rq->bank_name_en, sizeof rq->bank_name_en);
    c->text(r, i + 7, rq->currency, sizeof rq->currency);
    c->text(r, i + 8, rq->country_code, sizeof rq->country_code);
    rq->active = (int)c->i64(r, i + 9);
    rq->assigned = c->i64(r, i + 10);
    rq->created_at = c->i64(r, i + 11);
}
