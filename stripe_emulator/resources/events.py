"""Events: list (newest first, by type) and retrieve."""
from ..parameters import ARRAY, LIST, STR
from ..router import route
from .common import list_page, lookup


@route("GET", "/v1/events", {**LIST, "type": STR, "types": ARRAY})
def list_events(ctx, params):
    where, checks = {}, []
    wanted = params.get("type")
    if isinstance(wanted, str) and wanted.endswith(".*"):
        checks.append(lambda e: e["type"].startswith(wanted[:-1]))
    elif wanted:
        where["type"] = wanted
    if params.get("types"):
        types = params["types"]
        types = set(types.values() if isinstance(types, dict) else
                    [types] if isinstance(types, str) else types)
        checks.append(lambda e: e["type"] in types)
    return list_page(ctx.state.events, params, "/v1/events", "event", where=where,
                     match=lambda e: all(check(e) for check in checks))


@route("GET", "/v1/events/{event_id}")
def retrieve_event(ctx, params, event_id):
    return lookup(ctx.state.events, "event", event_id)
