"""Disputes opened by the dispute test cards (read-only)."""
from ..errors import no_such
from ..router import route
from .common import newest_first, paginate


@route("GET", "/v1/disputes/{dispute_id}")
def retrieve_dispute(ctx, params, dispute_id):
    dispute = ctx.state.disputes.get(dispute_id)
    if dispute is None:
        raise no_such("dispute", dispute_id)
    return dispute


@route("GET", "/v1/disputes")
def list_disputes(ctx, params):
    items = newest_first(ctx.state.disputes)
    if params.get("charge"):
        items = [d for d in items if d["charge"] == params["charge"]]
    return paginate(items, params, "/v1/disputes", "dispute")
