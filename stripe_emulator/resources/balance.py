"""Balance transactions (charge fees, refunds) and the balance they add up to."""
from ..parameters import LIST, STR, UNSUPPORTED
from ..router import route
from .common import list_page, lookup

TXN_LIST = {**LIST, "type": STR, "source": STR, "currency": STR,
            "payout": UNSUPPORTED}  # the emulator makes no payouts


@route("GET", "/v1/balance_transactions/{txn_id}")
def retrieve_balance_transaction(ctx, params, txn_id):
    return lookup(ctx.state.balance_transactions, "balance transaction", txn_id)


@route("GET", "/v1/balance_transactions", TXN_LIST)
def list_balance_transactions(ctx, params):
    where = {field: params.get(field) for field in ("type", "source", "currency")}
    return list_page(ctx.state.balance_transactions, params, "/v1/balance_transactions",
                     "balance_transaction", where=where)


@route("GET", "/v1/balance")
def retrieve_balance(ctx, params):
    pending = ctx.state.balance_totals  # kept up to date as transactions are stored
    return {
        "object": "balance", "livemode": False,
        "available": [{"amount": 0, "currency": c, "source_types": {"card": 0}}
                      for c in sorted(pending)] or [{"amount": 0, "currency": "usd",
                                                     "source_types": {"card": 0}}],
        "pending": [{"amount": a, "currency": c, "source_types": {"card": a}}
                    for c, a in sorted(pending.items())],
    }


@route("GET", "/v1/balance/history/{txn_id}")
def retrieve_balance_history(ctx, params, txn_id):
    """The older name of ``GET /v1/balance_transactions/{id}`` (still in Stripe's spec)."""
    return retrieve_balance_transaction(ctx, params, txn_id)


@route("GET", "/v1/balance/history", TXN_LIST)
def list_balance_history(ctx, params):
    """The older name of ``GET /v1/balance_transactions``; its list ``url`` is the new name,
    as Stripe's schema requires (``^/v1/balance_transactions``)."""
    return list_balance_transactions(ctx, params)
