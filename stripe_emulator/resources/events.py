"""Events: list (newest first, by type) and retrieve."""
from ..parameters import ARRAY, LIST, STR
from ..router import route
from .common import filter_created, lookup, newest_first, paginate


@route("GET", "/v1/events", {**LIST, "type": STR, "types": ARRAY})
def list_events(ctx, params):
    items = newest_first(ctx.state.events)
    if params.get("type"):
        wanted = params["type"]
        if wanted.endswith(".*"):
            items = [e for e in items if e["type"].startswith(wanted[:-1])]
        else:
            items = [e for e in items if e["type"] == wanted]
    if params.get("types"):
        types = set(params["types"])
        items = [e for e in items if e["type"] in types]
    items = filter_created(items, params)
    return paginate(items, params, "/v1/events", "event")


@route("GET", "/v1/events/{event_id}")
def retrieve_event(ctx, params, event_id):
    return lookup(ctx.state.events, "event", event_id)
