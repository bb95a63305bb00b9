"""Disputes opened by the dispute test cards (read-only)."""
from ..parameters import LIST, STR
from ..router import route
from .common import list_page, lookup


@route("GET", "/v1/disputes/{dispute_id}")
def retrieve_dispute(ctx, params, dispute_id):
    return lookup(ctx.state.disputes, "dispute", dispute_id)


@route("GET", "/v1/disputes", {**LIST, "charge": STR, "payment_intent": STR})
def list_disputes(ctx, params):
    """Disputes newest first, by charge or PaymentIntent."""
    return list_page(ctx.state.disputes, params, "/v1/disputes", "dispute",
                     where={"charge": params.get("charge"),
                            "payment_intent": params.get("payment_intent")})
