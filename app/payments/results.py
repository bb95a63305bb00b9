"""What Stripe says, in the store's terms: the only shapes the rest of the store sees.

`PaymentResult` describes one payment attempt's outcome (today read from a charge; the
PaymentIntent and Checkout Session flows build it from their objects), `RefundResult` a
refund, `DisputeResult` a dispute. The order lifecycle (`app/orders/`) reads these and
never a Stripe object.
"""

from dataclasses import dataclass, field

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
            card_country=card.get("country"),
            outcome_type=outcome.get("type"), outcome_risk_level=outcome.get("risk_level"),
            outcome_seller_message=outcome.get("seller_message"),
            failure_code=get("failure_code"), failure_message=get("failure_message"),
            receipt_url=get("receipt_url"),
            balance_transaction_id=_id_of(get("balance_transaction")),
            livemode=bool(get("livemode")), created=get("created"),
            metadata=dict(get("metadata") or {}),
        )

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
