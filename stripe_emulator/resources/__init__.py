"""API resources; importing this package registers every route."""
from . import balance, charges, customers, disputes, events, refunds, tokens  # noqa: F401
