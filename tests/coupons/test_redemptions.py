"""A use of a code through the lifecycle: given back when the order fails, held again if
Stripe's record later says that order was paid after all (the buyer paid the discounted
price), once each however often the news comes."""

from sqlalchemy import select

from app import orders, payments
from app.extensions import db
from app.models import Coupon, CouponRedemption, Order, OrderStatus


def test_a_failed_order_paid_after_all_holds_its_use_again(app_ctx, make_course,
                                                           make_coupon, card_token):
    from app.catalog.services import get_course
    from app.checkout.services import place_order

    make_course()
    make_coupon("LATE", percent=10, max_redemptions=1)
    outcome = place_order(course=get_course("python-jumpstart"), email="late@example.com",
                          token=card_token("4000000000000002"), code="LATE")
    order = db.session.get(Order, outcome.order.id)
    assert order.status == OrderStatus.FAILED

    def state():
        db.session.expire_all()
        coupon = db.session.scalar(select(Coupon).where(Coupon.code == "LATE"))
        row = db.session.scalar(select(CouponRedemption))
        return coupon.redemptions, row.released_at is None

    assert state() == (0, False)
    orders.payment_failed(order.payment, payments.PaymentResult.failure(
        code="card_declined", message="again"))  # the same news twice: given back once
    db.session.commit()
    assert state() == (0, False)
    late = payments.PaymentResult(status=payments.results.SUCCEEDED, paid=True,
                                  charge_id="ch_late_after_all", amount=order.amount,
                                  currency="usd")
    for _ in range(2):  # the same news twice: held again once
        orders.payment_succeeded(db.session.get(Order, order.id).payment, late)
        db.session.commit()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert state() == (1, True)
