/* test_dispute.c: a dispute's clock, the orders it may open on, its
 * evidence types and reasons (core/dispute.c's pure functions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/core.h"

static struct dispute opened_at(int64_t now, int64_t ttl)
{
    return (struct dispute){.status = DISPUTE_IN_PROGRESS,
                            .awaiting = AWAIT_TRADER,
                            .ttl = ttl,
                            .deadline = now + ttl,
                            .created_at = now};
}

static void test_ttl_left(void **state)
{
    (void)state;
    struct dispute d = opened_at(1000, 1800);
    assert_int_equal(dispute_ttl_left(&d, 1000), 1800);
    assert_int_equal(dispute_ttl_left(&d, 1100), 1700);
    assert_int_equal(dispute_ttl_left(&d, 2800), 0);
    assert_int_equal(dispute_ttl_left(&d, 9999), 0); /* past: 0, never negative */
    d.awaiting = AWAIT_OPERATOR;                     /* answered or expired */
    assert_int_equal(dispute_ttl_left(&d, 1100), 0);
    d.awaiting = AWAIT_TRADER;
    d.status = DISPUTE_RESOLVED_CANCEL;
    assert_int_equal(dispute_ttl_left(&d, 1100), 0);
}

static void test_pause_resume(void **state)
{
    (void)state;
    struct dispute d = opened_at(1000, 1800);
    dispute_pause_at(&d, 1100); /* 1700 left */
    assert_int_equal(d.status, DISPUTE_PAUSED);
    assert_int_equal(d.paused_at, 1100);
    assert_int_equal(dispute_ttl_left(&d, 6100), 0); /* paused: 0 */
    dispute_resume_at(&d, 6100);                     /* paused 5000 s */
    assert_int_equal(d.status, DISPUTE_IN_PROGRESS);
    assert_int_equal(d.paused_at, 0);
    assert_int_equal(d.pause_duration, 5000);
    assert_int_equal(d.deadline, 7800);
    assert_int_equal(dispute_ttl_left(&d, 6100), 1700); /* the clock stood still */
    dispute_pause_at(&d, 6300);
    dispute_resume_at(&d, 6330);
    assert_int_equal(d.pause_duration, 5030); /* adds up */
    assert_int_equal(dispute_ttl_left(&d, 6330), 1500);
    /* a resume with the clock behind the pause moves nothing */
    dispute_pause_at(&d, 7000);
    dispute_resume_at(&d, 6990);
    assert_int_equal(d.pause_duration, 5030);
    assert_int_equal(d.deadline, 7830);
}

static void test_order_ok(void **state)
{
    (void)state;
    struct order o = {0};
    static const struct {
        enum order_status status;
        bool confirmed, ok;
    } cases[] = {
        {ORDER_EXPIRED, false, true},   {ORDER_CANCELED, false, true},
        {ORDER_FAILED, false, true},    {ORDER_PENDING, true, true},
        {ORDER_PENDING, false, false},  {ORDER_COMPLETED, false, false},
        {ORDER_REVERSED, false, false}, {ORDER_NO_REQUISITE, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.status = cases[i].status;
        o.confirmed_by_customer = cases[i].confirmed;
        assert_int_equal(dispute_order_ok(&o), cases[i].ok);
    }
    /* only a dispute completes expired, canceled and failed orders */
    assert_true(order_transition_allowed(ORDER_CANCELED, ORDER_COMPLETED, ACTOR_DISPUTE));
    assert_true(order_transition_allowed(ORDER_FAILED, ORDER_COMPLETED, ACTOR_DISPUTE));
    assert_false(order_transition_allowed(ORDER_CANCELED, ORDER_COMPLETED, ACTOR_OPERATOR));
    assert_false(order_transition_allowed(ORDER_COMPLETED, ORDER_COMPLETED, ACTOR_DISPUTE));
    assert_false(order_transition_allowed(ORDER_PENDING, ORDER_FAILED, ACTOR_DISPUTE));
}

static void test_evidence_and_reasons(void **state)
{
    (void)state;
    assert_string_equal(dispute_evidence_type("\xff\xd8\xff\xe0", 4), "image/jpeg");
    assert_string_equal(dispute_evidence_type("\x89PNG\r\n\x1a\n", 8), "image/png");
    assert_string_equal(dispute_evidence_type("%PDF-1.7", 8), "application/pdf");
    assert_null(dispute_evidence_type("%PDF", 4));
    assert_null(dispute_evidence_type("GIF89a", 6));
    assert_null(dispute_evidence_type("", 0));
    assert_true(dispute_reason_known("fake_proof"));
    assert_true(dispute_reason_known("bank_account_blocked"));
    assert_false(dispute_reason_known("payment_made"));
    assert_false(dispute_reason_known(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ttl_left),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_order_ok),
        cmocka_unit_test(test_evidence_and_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
