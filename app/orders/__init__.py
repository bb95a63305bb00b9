"""An order's life: the one door through which an order changes.

Payment flows (`app/flows/`), webhooks, reconcile, the worker, the checkout and the admin
use only the names below. The steps of `lifecycle` are the only code that changes an
order's status; they run fulfilment (access, the order's emails) in the same
transaction. `fulfilment` is private to this package: access for orders and the order
emails are never granted or queued from anywhere else.
"""

from app.orders.consent import (
    CONSENT_REQUIRED,
    ConsentChoice,
    access_starts_at,
    applies_to,
    may_withdraw,
    required_to_pay,
    waiting_to_start,
    window_ends_at,
    wording,
)
from app.orders.consent import choice as consent_choice
from app.orders.fulfilment import (
    CONFIRMABLE,
    FulfilmentResult,
    backfill,
    new_resend_key,
    resend_confirmation,
)
from app.orders.lifecycle import (
    WithdrawalError,
    checkout_answered_again,
    dispute_closed,
    dispute_opened,
    payment_failed,
    payment_needs_action,
    payment_succeeded,
    payment_unanswered,
    refund_recorded,
    refund_refused,
)
from app.orders.placement import add_attempt, new_attempt, new_order, place
from app.orders.queries import (
    attempt_with,
    current_attempt_of,
    get_order,
    open_order_for,
    order_by_reference,
    order_for_refund,
    orders_of,
)
from app.orders.receipt_rows import receipt_of
from app.orders.redemptions import CodeRefused
from app.orders.refund_rows import refunds_for
from app.orders.refunds import (
    REASONS,
    REFUNDABLE,
    RefundError,
    RefundOutcome,
    key_after_error,
    new_idempotency_key,
    parse_amount,
    refund_order,
    settle_refund,
    settle_unsettled,
    sync_order,
    unsettled_refund,
)
from app.orders.tax_records import record_due as record_tax_due
from app.orders.tax_records import record_order as record_tax
from app.orders.withdrawal import start_early, withdraw

__all__ = [
    "CONFIRMABLE",
    "CONSENT_REQUIRED",
    "CodeRefused",
    "REASONS",
    "REFUNDABLE",
    "ConsentChoice",
    "FulfilmentResult",
    "RefundError",
    "RefundOutcome",
    "WithdrawalError",
    "access_starts_at",
    "applies_to",
    "consent_choice",
    "add_attempt",
    "attempt_with",
    "checkout_answered_again",
    "backfill",
    "current_attempt_of",
    "dispute_closed",
    "dispute_opened",
    "get_order",
    "key_after_error",
    "may_withdraw",
    "new_attempt",
    "new_idempotency_key",
    "new_order",
    "new_resend_key",
    "open_order_for",
    "order_by_reference",
    "order_for_refund",
    "orders_of",
    "parse_amount",
    "payment_failed",
    "payment_needs_action",
    "payment_succeeded",
    "payment_unanswered",
    "place",
    "receipt_of",
    "record_tax",
    "record_tax_due",
    "refund_order",
    "refund_recorded",
    "refund_refused",
    "refunds_for",
    "required_to_pay",
    "resend_confirmation",
    "settle_refund",
    "settle_unsettled",
    "start_early",
    "sync_order",
    "unsettled_refund",
    "waiting_to_start",
    "window_ends_at",
    "withdraw",
    "wording",
]
