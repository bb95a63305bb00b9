"""Disputes opened by the dispute test cards (read-only)."""
from ..router import route
from .common import lookup, newest_first, paginate


@route("GET", "/v1/disputes/{dispute_id}")
def retrieve_dispute(ctx, params, dispute_id):
    return lookup(ctx.state.disputes, "dispute", dispute_id)


@route("GET", "/v1/disputes")
def list_disputes(ctx, params):
    items = newest_first(ctx.state.disputes)
    if params.get("charge"):
        items = [d for d in items if d["charge"] == params["charge"]]
    return paginate(items, params, "/v1/disputes", "dispute")
