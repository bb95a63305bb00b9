"""Creating and looking up charges."""

from dataclasses import dataclass

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.errors import CardDeclined, PaymentError


@dataclass(frozen=True)
class ChargeResult:
    """The charge fields the store keeps, read from a Stripe charge object."""

    id: str
    status: str
    paid: bool
    amount: int
    currency: str
    amount_refunded: int
    refunded: bool
    disputed: bool
    card_brand: str | None
    card_last4: str | None
    card_exp_month: int | None
    card_exp_year: int | None
    card_country: str | None
    outcome_type: str | None
    outcome_risk_level: str | None
    outcome_seller_message: str | None
    failure_code: str | None
    failure_message: str | None
    receipt_url: str | None
    balance_transaction_id: str | None
    livemode: bool
    created: int
    metadata: dict

    @classmethod
    def from_stripe(cls, charge):
        """Build from a charge object (a StripeObject or a plain dict)."""
        if hasattr(charge, "to_dict"):
            charge = charge.to_dict()
        get = charge.get
        details = get("payment_method_details") or {}
        card = details.get("card") or {}
        outcome = get("outcome") or {}
        txn = get("balance_transaction")
        if txn is not None and not isinstance(txn, str):
            txn = txn.get("id")
        return cls(
            id=get("id"),
            status=get("status"),
            paid=bool(get("paid")),
            amount=get("amount"),
            currency=get("currency"),
            amount_refunded=get("amount_refunded") or 0,
            refunded=bool(get("refunded")),
            disputed=bool(get("disputed")),
            card_brand=card.get("brand"),
            card_last4=card.get("last4"),
            card_exp_month=card.get("exp_month"),
            card_exp_year=card.get("exp_year"),
            card_country=card.get("country"),
            outcome_type=outcome.get("type"),
            outcome_risk_level=outcome.get("risk_level"),
            outcome_seller_message=outcome.get("seller_message"),
            failure_code=get("failure_code"),
            failure_message=get("failure_message"),
            receipt_url=get("receipt_url"),
            balance_transaction_id=txn,
            livemode=bool(get("livemode")),
            created=get("created"),
            metadata=dict(get("metadata") or {}),
        )


def charge_request(*, amount, currency, token, description, metadata, receipt_email):
    """The parameters of a token charge, as stored on the order before the call."""
    return {
        "amount": amount,
        "currency": currency,
        "source": token,
        "description": description,
        "metadata": metadata,
        "receipt_email": receipt_email,
    }


def customer_charge_request(*, amount, currency, customer, card, description, metadata,
                            receipt_email):
    """The parameters of a charge of a saved card (`card_…`) of a customer (`cus_…`)."""
    return {
        "amount": amount,
        "currency": currency,
        "customer": customer,
        "source": card,
        "description": description,
        "metadata": metadata,
        "receipt_email": receipt_email,
    }


def create_charge(params, *, idempotency_key):
    """Create (or, with the same key and params, replay) a charge; raise a PaymentError.

    Repeating the exact request under the same idempotency key is how the outcome of an
    earlier attempt is learned: Stripe answers with that attempt's stored result, or 409
    `idempotency_key_in_use` while it is still running.
    """
    client = get_client()

    def send(timeout):
        return with_timeout(timeout, lambda: client.v1.charges.create(
            params=params, options={"idempotency_key": idempotency_key}))

    try:
        charge = call(send)
    except CardDeclined as error:
        if error.charge_id:
            error.charge = _retrieve_quietly(error.charge_id)
        raise
    return ChargeResult.from_stripe(charge)


def retrieve_charge(charge_id):
    """Fetch one charge by id."""
    client = get_client()
    return ChargeResult.from_stripe(
        call(lambda t: with_timeout(t, lambda: client.v1.charges.retrieve(charge_id))))


def find_charge_for_order(order_id, *, created_since=None):
    """Return the charge whose metadata names this order (a succeeded one first), or None.

    Stripe's search is not read-after-write (new charges can take a minute to appear), so
    when it finds nothing and `created_since` (a datetime) is given, the charges created
    since then are listed as well, which is consistent.
    """
    query = f"metadata['order_id']:'{order_id}'"
    client = get_client()
    result = call(lambda t: with_timeout(t, lambda: client.v1.charges.search(
        params={"query": query, "limit": 10})))
    charges = [ChargeResult.from_stripe(c) for c in result.data]
    if not charges and created_since is not None:
        charges = list_charges_for_order(order_id, created_since=created_since)
    succeeded = [c for c in charges if c.status == "succeeded"]
    pool = succeeded or charges
    return max(pool, key=lambda c: c.created) if pool else None


#: How many charges a listing fallback reads at most before giving up.
LIST_SCAN_LIMIT = 5000


def list_charges_for_order(order_id, *, created_since):
    """Charges created since `created_since` (minus a minute of clock skew) for this order."""
    since = int(created_since.timestamp()) - 60
    client = get_client()
    params = {"created": {"gte": since}, "limit": 100}
    found = []
    scanned = 0
    while scanned < LIST_SCAN_LIMIT:
        page = call(lambda t, p=dict(params): with_timeout(
            t, lambda: client.v1.charges.list(params=p)))
        for charge in page.data:
            result = ChargeResult.from_stripe(charge)
            if result.metadata.get("order_id") == order_id:
                found.append(result)
        scanned += len(page.data)
        if not page.has_more or not page.data:
            break
        params["starting_after"] = page.data[-1].id
    return found


def _retrieve_quietly(charge_id):
    try:
        return retrieve_charge(charge_id)
    except PaymentError:
        return None
