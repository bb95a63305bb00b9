"""Fulfilment: what happens to access and email when an order is paid, refunded, disputed.

The three entry points run inside the caller's transaction (they add and flush, never
commit) and are idempotent: each records its cause as an access event with a unique key
first, so running one twice changes nothing and queues no second email.
"""

from app.fulfilment.services import (
    FulfilmentResult,
    after_settlement,
    order_disputed,
    order_paid,
    order_refunded,
)

__all__ = [
    "FulfilmentResult",
    "after_settlement",
    "order_disputed",
    "order_paid",
    "order_refunded",
]
