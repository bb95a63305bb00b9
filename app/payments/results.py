"""What Stripe says, in the store's terms: the only shapes the rest of the store sees.

`PaymentResult` describes one payment attempt's outcome (today read from a charge; the
PaymentIntent and Checkout Session flows build it from their objects), `RefundResult` a
refund, `DisputeResult` a dispute. The order lifecycle (`app/orders/`) reads these and
never a Stripe object.
"""

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

#: PaymentResult.status values.
SUCCEEDED = "succeeded"
FAILED = "failed"
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_ACTION = "requires_action"
PROCESSING = "processing"
CANCELED = "canceled"


def _plain(obj):
    """A StripeObject (or a dict) as a plain dict."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def _id_of(value):
    """The id of an expandable field (a string id or an expanded object)."""
    if value is None or isinstance(value, str):
        return value
    return _plain(value).get("id")


def _percent(value):
    """Stripe's percentage as the store writes rates: "19.0", "8.1", "6.25"."""
    number = Decimal(str(value))
    return f"{number:.1f}" if number == number.to_integral() else f"{number.normalize():f}"


def _session_tax(session):
    """The tax of a Checkout Session with `automatic_tax` once Stripe computed it (its
    `total_details.breakdown` expanded for the rate), else nothing."""
    automatic = session.get("automatic_tax") or {}
    if not automatic.get("enabled") or automatic.get("status") != "complete":
        return {}
    totals = session.get("total_details") or {}
    taxes = (totals.get("breakdown") or {}).get("taxes") or []
    rate = next((t.get("rate") or {} for t in taxes if t.get("amount")), None) or (
        (taxes[0].get("rate") or {}) if taxes else {})
    details = session.get("customer_details") or {}
    country = (details.get("address") or {}).get("country") or rate.get("country")
    tax_ids = [t.get("value") for t in details.get("tax_ids") or [] if t.get("value")]
    return {"tax_amount": int(totals.get("amount_tax") or 0),
            "tax_rate": _percent(rate["percentage"]) if rate.get("percentage") is not None
            else "0", "tax_country": (country or "").upper() or None,
            "buyer_tax_id": tax_ids[0][:40] if tax_ids else None,
            "tax_reason": taxes[0].get("taxability_reason") if taxes else None}


@dataclass(frozen=True)
class PaymentResult:
    """The outcome of one payment attempt as Stripe reports it."""

    status: str
    amount: int | None = None
    currency: str | None = None
    charge_id: str | None = None
    payment_intent_id: str | None = None
    checkout_session_id: str | None = None
    customer_id: str | None = None
    payment_method_id: str | None = None
    #: Money taken (a succeeded charge), whatever happened to it later.
    paid: bool = False
    amount_refunded: int = 0
    refunded: bool = False
    disputed: bool = False
    card_brand: str | None = None
    card_last4: str | None = None
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    card_country: str | None = None
    card_funding: str | None = None
    outcome_type: str | None = None
    outcome_risk_level: str | None = None
    outcome_seller_message: str | None = None
    failure_code: str | None = None
    decline_code: str | None = None
    failure_message: str | None = None
    receipt_url: str | None = None
    balance_transaction_id: str | None = None
    livemode: bool = False
    created: int | None = None
    metadata: dict = field(default_factory=dict)
    #: A PaymentIntent's client secret, for the buyer's browser only (never stored).
    client_secret: str | None = field(default=None, repr=False)
    #: Where the buyer pays (a Checkout Session's hosted page), while it is open.
    url: str | None = None
    #: A Checkout Session taxed by Stripe (`automatic_tax`), once complete: the tax in
    #: minor units, the rate in percent ("19.0") and the country taxed (None otherwise).
    tax_amount: int | None = None
    tax_rate: str | None = None
    tax_country: str | None = None
    #: ... and the business buyer's tax ID given on Stripe's page, and the
    #: taxability_reason ("reverse_charge").
    buyer_tax_id: str | None = None
    tax_reason: str | None = None

    @property
    def succeeded(self):
        return self.status == SUCCEEDED and self.paid

    @property
    def id(self):
        """The charge's id (what the charges flows call the attempt's result)."""
        return self.charge_id

    @classmethod
    def from_charge(cls, charge):
        """Read a Stripe charge (a StripeObject or a plain dict)."""
        get = _plain(charge).get
        card = (get("payment_method_details") or {}).get("card") or {}
        outcome = get("outcome") or {}
        paid = bool(get("paid")) and get("status") != "failed"
        return cls(
            status=SUCCEEDED if paid else (FAILED if get("status") == "failed"
                                           else PROCESSING),
            amount=get("amount"), currency=get("currency"), charge_id=get("id"),
            payment_intent_id=_id_of(get("payment_intent")),
            customer_id=_id_of(get("customer")),
            payment_method_id=_id_of(get("payment_method")),
            paid=paid, amount_refunded=get("amount_refunded") or 0,
            refunded=bool(get("refunded")), disputed=bool(get("disputed")),
            card_brand=card.get("brand"), card_last4=card.get("last4"),
            card_exp_month=card.get("exp_month"), card_exp_year=card.get("exp_year"),
            card_country=card.get("country"), card_funding=card.get("funding"),
            outcome_type=outcome.get("type"), outcome_risk_level=outcome.get("risk_level"),
            outcome_seller_message=outcome.get("seller_message"),
            failure_code=get("failure_code"), failure_message=get("failure_message"),
            receipt_url=get("receipt_url"),
            balance_transaction_id=_id_of(get("balance_transaction")),
            livemode=bool(get("livemode")), created=get("created"),
            metadata=dict(get("metadata") or {}),
        )

    @classmethod
    def from_intent(cls, intent):
        """Read a PaymentIntent (its `latest_charge` expanded or not): the intent's status
        and last error, and the card details of its charge when expanded."""
        intent = _plain(intent)
        get = intent.get
        charge = get("latest_charge")
        base = cls.from_charge(charge) if isinstance(charge, dict) else cls(status=FAILED)
        error = get("last_payment_error") or {}
        status = get("status") or REQUIRES_PAYMENT_METHOD
        if status == "requires_capture":
            status = PROCESSING  # the store captures automatically; cards do not wait
        succeeded = status == SUCCEEDED
        return cls(**{
            **{f: getattr(base, f) for f in (
                "card_brand", "card_last4", "card_exp_month", "card_exp_year",
                "card_country", "card_funding", "outcome_type", "outcome_risk_level",
                "outcome_seller_message", "receipt_url", "balance_transaction_id",
                "amount_refunded", "refunded", "disputed", "created")},
            "status": status, "amount": get("amount"), "currency": get("currency"),
            "charge_id": _id_of(charge) if succeeded else None,
            "payment_intent_id": get("id"), "customer_id": _id_of(get("customer")),
            "payment_method_id": _id_of(get("payment_method"))
            or _id_of(error.get("payment_method")),
            "paid": succeeded,
            "failure_code": None if succeeded else error.get("code"),
            "decline_code": None if succeeded else error.get("decline_code"),
            "failure_message": None if succeeded else error.get("message"),
            "livemode": bool(get("livemode")), "metadata": dict(get("metadata") or {}),
            "client_secret": get("client_secret"),
        })

    @classmethod
    def from_session(cls, session):
        """Read a Checkout Session (its `payment_intent` expanded or not): paid when it is
        complete and paid, canceled when it expired, else waiting for the buyer."""
        session = _plain(session)
        get = session.get
        intent = get("payment_intent")
        paid = get("status") == "complete" and get("payment_status") == "paid"
        if isinstance(intent, dict):
            base = cls.from_intent(intent)
        else:
            base = cls(status=SUCCEEDED if paid else REQUIRES_PAYMENT_METHOD,
                       payment_intent_id=intent, paid=paid)
        status = {"expired": CANCELED}.get(get("status")) or (
            SUCCEEDED if paid else base.status if base.status != SUCCEEDED
            else PROCESSING)
        return dataclasses.replace(
            base, status=status, paid=paid and base.paid,
            **_session_tax(session),
            checkout_session_id=get("id"),
            customer_id=_id_of(get("customer")) or base.customer_id,
            amount=get("amount_total"), currency=get("currency"),
            livemode=bool(get("livemode")), metadata=dict(get("metadata") or {}),
            url=get("url"), client_secret=None,
            failure_code="expired" if get("status") == "expired" else base.failure_code,
            failure_message=("The checkout page expired before it was paid."
                             if get("status") == "expired" else base.failure_message))

    @classmethod
    def failure(cls, *, code, message, decline_code=None):
        """An attempt that surely took no money, with what the store knows of why."""
        return cls(status=FAILED, failure_code=code, failure_message=message,
                   decline_code=decline_code)


@dataclass(frozen=True)
class RefundResult:
    """A refund as Stripe reports it."""

    id: str
    amount: int
    currency: str
    status: str
    reason: str | None
    charge_id: str | None
    payment_intent_id: str | None = None
    metadata: dict = field(default_factory=dict)

    @classmethod
    def from_refund(cls, refund):
        """Read a Stripe refund (a StripeObject or a plain dict)."""
        get = _plain(refund).get
        return cls(id=get("id"), amount=get("amount"), currency=get("currency"),
                   status=get("status") or "pending", reason=get("reason"),
                   charge_id=_id_of(get("charge")),
                   payment_intent_id=_id_of(get("payment_intent")),
                   metadata=dict(get("metadata") or {}))


@dataclass(frozen=True)
class DisputeResult:
    """A dispute (chargeback) as Stripe reports it."""

    id: str | None
    charge_id: str
    status: str
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None

    @classmethod
    def from_dispute(cls, dispute):
        """Read a Stripe dispute (a StripeObject or a plain dict)."""
        get = _plain(dispute).get
        return cls(id=get("id"), charge_id=_id_of(get("charge")),
                   status=get("status") or "needs_response", amount=get("amount"),
                   currency=get("currency"), reason=get("reason"))
