"""API resources; importing this package registers every route."""
from . import (  # noqa: F401
    account,
    balance,
    charges,
    customers,
    disputes,
    events,
    payment_methods,
    refunds,
    tokens,
    webhook_endpoints,
)
