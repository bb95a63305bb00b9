"""Free enrolment (`free`): an order whose quote comes to nothing (a course priced 0, or
a 100 % code) is enrolled without any call to Stripe.

It goes through the same steps as a paid order: the order and its attempt are committed
first, then the lifecycle's `payment_succeeded` marks it paid and runs fulfilment (access,
the confirmation email with its sign-in link). The buyer is not signed in by enrolling:
knowing an email proves nothing (see app/account/session.py), so the emailed link is the
way in, exactly as for a paid order's owner.
"""

from app import orders, payments
from app.extensions import db
from app.flows.base import PaymentFlow, Started
from app.models import AttemptStatus


def _enrolled(order):
    """The neutral result of an order that needs no payment: taken in full (nothing)."""
    return payments.PaymentResult(status=payments.results.SUCCEEDED, amount=0,
                                  currency=order.currency, paid=True,
                                  livemode=order.livemode)


class FreeFlow(PaymentFlow):
    """No payment: the order is paid the moment it is placed."""

    name = "free"
    events = frozenset()

    def prepare(self, order, *, course, **_inputs):
        """The order's one attempt; nothing is ever sent (no request is written)."""
        if order.amount != 0:
            raise ValueError(f"order {order.reference} costs {order.amount}: not free")
        return orders.new_attempt(order, flow=self.name)

    def start(self, attempt):
        """Enrol: the lifecycle's paid step (access, email); the caller commits."""
        orders.payment_succeeded(attempt, _enrolled(attempt.order))
        return Started()

    def settle(self, attempt):
        """An attempt left pending (the process ended before `start`) is enrolled now."""
        if attempt.status == AttemptStatus.PENDING:
            orders.payment_succeeded(attempt, _enrolled(attempt.order))
        db.session.commit()
        return str(attempt.order.status)

    def release(self, attempt):
        return self.settle(attempt)

    def look_up(self, attempt):
        """Nothing to ask anyone: the same as settling (no money can move)."""
        return self.settle(attempt)

    def record_charge(self, attempt, result):
        """A free order has no charge; nothing at Stripe names it."""
        return attempt.order

    def attempt_for_event(self, event_type, obj):
        return None

    def handle_event(self, event_type, obj, attempt):  # pragma: no cover - no events
        return attempt.order
