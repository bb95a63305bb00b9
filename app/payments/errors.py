"""Our own payment errors, so callers never handle stripe's exception classes."""

import logging

import stripe

from app.payments.results import PaymentResult

log = logging.getLogger(__name__)

END_OF_LIFE_MARKER = "Card Token usage"


class PaymentError(Exception):
    """Base class. `user_message` is safe to show; `detail` is for logs only."""

    user_message = "We could not process your payment. You have not been charged."
    #: The order's failure_code when this error proves nothing was charged.
    failure_code = "rejected"
    #: Whether Stripe may have performed the request (set per attempt by calls.call).
    uncertain = False
    #: Whether the answer was Stripe's stored answer to an earlier attempt (a replay).
    replayed = False
    #: Stripe's error code (`resource_missing`, …) and the parameter it names, if any.
    code = None
    param = None

    @property
    def refused_input(self):
        """Stripe refused what the buyer's browser sent (an unknown or used card token or
        payment method), not the store's request: counted like a decline against the
        address (card testers send made-up tokens too)."""
        return False

    def __init__(self, detail="", *, request_id=None, charge=None, uncertain=None):
        super().__init__(detail)
        self.detail = detail
        self.request_id = request_id
        self.charge = charge
        if uncertain is not None:
            self.uncertain = uncertain


class CardDeclined(PaymentError):
    """The issuer or Radar declined the card (HTTP 402). The message is Stripe's."""

    def __init__(self, message, *, code=None, decline_code=None, charge_id=None,
                 intent=None, **kw):
        super().__init__(message, **kw)
        self.user_message = message or "Your card was declined."
        self.code = code
        self.decline_code = decline_code
        self.charge_id = charge_id
        #: The PaymentIntent the decline left (a PaymentResult), when one was confirmed.
        self.intent = intent

    @property
    def authentication_required(self):
        """The bank wants the buyer to authenticate (an off-session payment)."""
        return "authentication_required" in (self.code, self.decline_code)


class TokenAlreadyUsed(PaymentError):
    """The card token was already used for a charge (a replayed or double submit)."""

    failure_code = "token_already_used"

    @property
    def refused_input(self):
        return True


class PaymentRejected(PaymentError):
    """Stripe refused the request as invalid (a bug or an account setting, not the card)."""

    #: Stripe refused `source=tok_…` on Charges/Customers: card tokens reached end of life.
    end_of_life = False

    @property
    def refused_input(self):
        return self.code == "resource_missing" and self.param in BUYER_INPUT_PARAMS


#: The parameters of a payment request that carry what the buyer's browser sent.
BUYER_INPUT_PARAMS = frozenset({"source", "payment_method", "card", "token"})


class PaymentUnavailable(PaymentError):
    """Stripe could not be reached or answered with an error; the outcome may be unknown."""

    uncertain = True
    #: Stripe is still executing an earlier request with the same idempotency key (409).
    in_progress = False

    user_message = (
        "We could not reach our payment provider to confirm your payment. "
        "If your card was charged, your order will be completed automatically."
    )


class PaymentBusy(PaymentError):
    """Stripe rate-limited the request (HTTP 429): it was not performed, nothing charged."""

    failure_code = "rate_limited"


class PaymentConfigError(PaymentError):
    """The store's Stripe keys are wrong or lack permission."""

    failure_code = "configuration"


class IdempotencyConflict(PaymentError):
    """Stripe saw this idempotency key with other parameters: a bug, and no proof either way
    of what the first request did."""

    uncertain = True


def translate(exc):
    """Map a stripe-python exception to one of ours, logging what the operator needs."""
    request_id = getattr(exc, "request_id", None)
    error = getattr(exc, "error", None)
    if isinstance(exc, stripe.CardError):
        body = exc.json_body or {}
        err = body.get("error", {}) if isinstance(body, dict) else {}
        intent = err.get("payment_intent")
        return CardDeclined(
            err.get("message") or exc.user_message or "Your card was declined.",
            code=exc.code,
            decline_code=err.get("decline_code"),
            charge_id=err.get("charge"),
            intent=PaymentResult.from_intent(intent) if isinstance(intent, dict) else None,
            request_id=request_id,
        )
    if isinstance(exc, stripe.IdempotencyError):
        log.error("Stripe refused an idempotency key reused with other parameters (%s): %s",
                  request_id, exc.user_message)
        return IdempotencyConflict(str(exc), request_id=request_id)
    if isinstance(exc, stripe.InvalidRequestError):
        code = getattr(error, "code", None) or exc.code
        message = getattr(error, "message", None) or str(exc)
        if code == "token_already_used":
            return TokenAlreadyUsed(message, request_id=request_id)
        if END_OF_LIFE_MARKER in message:
            rejected = PaymentRejected(message, request_id=request_id)
            rejected.end_of_life = True
            log.error(
                "Stripe refused card tokens on the Charges API (request %s). Enable "
                "'Card Token usage on the Charges API' in your Stripe dashboard: "
                "https://dashboard.stripe.com/settings/developers/api-policies",
                request_id,
            )
            return rejected
        rejected = PaymentRejected(message, request_id=request_id)
        rejected.code = code
        rejected.param = getattr(error, "param", None)
        if rejected.refused_input:  # what the buyer sent, not a fault of the store
            log.warning("Stripe refused the card sent (%s): %s", request_id, message)
        else:
            log.error("Stripe rejected a request (%s): %s", request_id, message)
        return rejected
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        log.error(
            "Stripe refused the store's API key (%s): %s. Check STRIPE_SECRET_KEY.",
            request_id,
            exc.user_message,
        )
        return PaymentConfigError(str(exc), request_id=request_id)
    if isinstance(exc, stripe.RateLimitError):
        log.warning("Stripe rate-limited a request (%s); it was not performed", request_id)
        return PaymentBusy(str(exc), request_id=request_id)
    log.warning("Stripe unavailable (%s): %s", type(exc).__name__, exc.user_message)
    unavailable = PaymentUnavailable(str(exc), request_id=request_id)
    unavailable.in_progress = (getattr(exc, "http_status", None) == 409 and
                               getattr(error, "code", None) == "idempotency_key_in_use")
    return unavailable
