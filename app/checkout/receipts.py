"""What the receipt says about refunds."""

from dataclasses import dataclass
from datetime import datetime

from app.models import OrderStatus


@dataclass(frozen=True)
class ReceiptRefund:
    """Money given back on an order: how much in total and when last."""

    amount: int
    currency: str
    full: bool
    last_at: datetime | None


def receipt_refund(order):
    """The refund to show on the receipt (`order` as `orders.receipt_of` reads it), or
    None when nothing was refunded."""
    if not order.amount_refunded or order.status not in (
        OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.DISPUTED
    ):
        return None
    last_at = order.last_refund_at or order.updated_at
    return ReceiptRefund(amount=order.amount_refunded, currency=order.currency,
                         full=order.amount_refunded >= order.amount, last_at=last_at)
