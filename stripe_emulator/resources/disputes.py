"""Disputes opened by the dispute test cards (read-only)."""
from ..parameters import LIST, STR
from ..router import route
from .common import filter_created, lookup, newest_first, paginate


@route("GET", "/v1/disputes/{dispute_id}")
def retrieve_dispute(ctx, params, dispute_id):
    return lookup(ctx.state.disputes, "dispute", dispute_id)


@route("GET", "/v1/disputes", {**LIST, "charge": STR})
def list_disputes(ctx, params):
    items = newest_first(ctx.state.disputes)
    if params.get("charge"):
        items = [d for d in items if d["charge"] == params["charge"]]
    items = filter_created(items, params)
    return paginate(items, params, "/v1/disputes", "dispute")
