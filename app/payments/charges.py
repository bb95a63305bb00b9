"""Creating and looking up charges; each answer is read into a PaymentResult."""

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.errors import CardDeclined, PaymentError
from app.payments.results import PaymentResult


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
    return PaymentResult.from_charge(charge)


def retrieve_charge(charge_id):
    """Fetch one charge by id."""
    client = get_client()
    return PaymentResult.from_charge(
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
    charges = [PaymentResult.from_charge(c) for c in result.data]
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
            result = PaymentResult.from_charge(charge)
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


def token_card_country(token):
    """The issuing country of a card token's card ("DE"), or None (read only: the token
    stays usable for its charge)."""
    client = get_client()
    found = call(lambda t: with_timeout(t, lambda: client.v1.tokens.retrieve(token)))
    card = getattr(found, "card", None)
    return (getattr(card, "country", None) or "").upper() or None
