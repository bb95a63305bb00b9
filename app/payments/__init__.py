"""The only package that talks to Stripe. Everything else uses these functions.

Answers come back as the neutral results of `app.payments.results` and failures as the
PaymentError classes of `app.payments.errors`; no Stripe object leaves this package.
"""

from app.payments.calls import limit_time
from app.payments.charges import (
    charge_request,
    create_charge,
    customer_charge_request,
    find_charge_for_order,
    retrieve_charge,
    token_card_country,
)
from app.payments.checkout import (
    create_session,
    expire_session,
    retrieve_session,
    session_request,
)
from app.payments.customers import (
    SavedCard,
    add_card,
    create_customer,
    default_card,
    delete_card,
)
from app.payments.errors import (
    CardDeclined,
    IdempotencyConflict,
    PaymentBusy,
    PaymentConfigError,
    PaymentError,
    PaymentRejected,
    PaymentUnavailable,
    TokenAlreadyUsed,
)
from app.payments.intents import cancel_intent, create_intent, intent_request, retrieve_intent
from app.payments.keys import KeyConfigError, check_keys, describe_mode, is_test_mode
from app.payments.refunds import create_refund
from app.payments.results import DisputeResult, PaymentResult, RefundResult
from app.payments.tax import TaxQuote, calculate_tax, record_tax, reverse_tax
from app.payments.webhooks import WebhookPayloadError, WebhookVerificationError, verify_event

__all__ = [
    "TaxQuote",
    "calculate_tax",
    "token_card_country",
    "record_tax",
    "reverse_tax",
    "CardDeclined",
    "DisputeResult",
    "IdempotencyConflict",
    "KeyConfigError",
    "PaymentBusy",
    "PaymentConfigError",
    "PaymentError",
    "PaymentRejected",
    "PaymentResult",
    "PaymentUnavailable",
    "RefundResult",
    "SavedCard",
    "TokenAlreadyUsed",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "add_card",
    "cancel_intent",
    "create_intent",
    "create_session",
    "charge_request",
    "check_keys",
    "create_charge",
    "create_customer",
    "create_refund",
    "customer_charge_request",
    "default_card",
    "delete_card",
    "describe_mode",
    "expire_session",
    "find_charge_for_order",
    "intent_request",
    "is_test_mode",
    "limit_time",
    "retrieve_charge",
    "retrieve_intent",
    "retrieve_session",
    "session_request",
    "verify_event",
]
