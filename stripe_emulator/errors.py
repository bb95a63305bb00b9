"""Stripe error bodies and the exception handlers raise to produce them."""
import time

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An API error answered as ``{"error": {...}}``.

    ``stored`` says whether an idempotency key remembers the answer: Stripe does not store
    requests that fail parameter validation, so those pass ``stored=False``.
    """

    def __init__(self, status, type_, message, *, code=None, param=None, decline_code=None,
                 charge=None, stored=True, extra=None, minimal=False, doc_url=True):
        """``minimal``: only type and message (401s); ``doc_url=False``: no link to a page
        of Stripe's docs (the emulator's own codes have none)."""
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.charge = charge
        self.stored = stored
        self.extra = extra or {}
        self.minimal = minimal
        self.doc_url = doc_url  # False for the emulator's own codes (no page at Stripe)

    def body(self, request_id: str) -> dict:
        """The ``{"error": …}`` answer, with a dashboard log link for ``request_id``."""
        err = {"type": self.type, "message": self.message}
        if self.minimal:
            return {"error": err}
        if self.code:
            err["code"] = self.code
            if self.doc_url:
                err["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.decline_code:
            err["decline_code"] = self.decline_code
        if self.param:
            err["param"] = self.param
        if self.charge:
            err["charge"] = self.charge
        err.update(self.extra)
        err["request_log_url"] = (
            f"https://dashboard.stripe.com/test/logs/{request_id}?t={int(time.time())}"
        )
        return {"error": err}


def invalid(message, *, param=None, code=None, status=400, stored=False, doc_url=True):
    """A parameter-validation failure (not stored under an idempotency key)."""
    return StripeError(status, "invalid_request_error", message, code=code, param=param,
                       stored=stored, doc_url=doc_url)


def missing_param(param):
    return invalid(f"Missing required param: {param}.", param=param, code="parameter_missing")


def no_such(kind, obj_id, param="id"):
    """Unknown id: 404 on the URL, 400 when it came as a body parameter (as Stripe does)."""
    status = 404 if param == "id" else 400
    return StripeError(status, "invalid_request_error", f"No such {kind}: '{obj_id}'",
                       code="resource_missing", param=param)


def card_error(code, message, *, param=None, decline_code=None, charge=None, advice=None):
    extra = {"advice_code": advice} if advice else None
    return StripeError(402, "card_error", message, code=code, param=param,
                       decline_code=decline_code, charge=charge, extra=extra)
