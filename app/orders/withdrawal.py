"""The withdrawal function and starting early: what My account and the receipt call.

Both are lifecycle steps (`lifecycle.withdrawn`, `lifecycle.early_start_requested`) run
under the order's row lock, so double clicks and two tabs record one withdrawal and send
one refund: only the request that recorded the withdrawal sends its refund, through the
normal refund path (`refunds.settle_unsettled`, under the refund row's idempotency key).
"""

import logging

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.orders import lifecycle, refunds
from app.orders.lifecycle import WithdrawalError

log = logging.getLogger(__name__)


def withdraw(order, *, ip):
    """Withdraw from `order` (its owner asked, on the confirmation page); commits.

    Returns True when this request recorded the withdrawal, False when it was recorded
    before (a double click). Raises WithdrawalError when the right has ended.
    """
    try:
        order, recorded = lifecycle.withdrawn(order, ip=ip)
        db.session.commit()
    except WithdrawalError:
        db.session.rollback()
        raise
    except IntegrityError:  # an admin's refund became unsettled at the same moment
        db.session.rollback()
        raise WithdrawalError("A refund of this purchase is already under way; open it "
                              "again in a moment.") from None
    if recorded:
        log.info("Order %s withdrawn by its buyer; refunding %s", order.reference,
                 order.remaining_refundable)
        refunds.settle_unsettled(order)  # an unknown outcome is settled by the worker
    return recorded


def start_early(order, *, ip):
    """The buyer consents to immediate access from My account; commits. True when this
    request recorded it. Raises WithdrawalError when there is nothing to start."""
    try:
        order, recorded = lifecycle.early_start_requested(order, ip=ip)
    except WithdrawalError:
        db.session.rollback()
        raise
    db.session.commit()
    return recorded
