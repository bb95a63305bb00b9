"""API resources; importing this package registers every route."""
from . import (  # noqa: F401
    account,
    balance,
    charges,
    checkout_sessions,
    customers,
    disputes,
    events,
    payment_intents,
    payment_methods,
    refunds,
    setup_intents,
    tax,
    tax_settings,
    tokens,
    webhook_endpoints,
)
