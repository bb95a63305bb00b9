"""Events: list (newest first, by type) and retrieve."""
from ..parameters import ARRAY, LIST, STR, UNSUPPORTED
from ..router import route
from .common import list_page, lookup


def _strings(value):
    """Every string in a ``types`` parameter however it was spelled (list, dict, one)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@route("GET", "/v1/events", {**LIST, "type": STR, "types": ARRAY,
                             "delivery_success": UNSUPPORTED})
def list_events(ctx, params):
    """Events newest first, by ``type`` (``charge.*`` too), ``types[]`` and creation time."""
    where, checks = {}, []
    wanted = params.get("type")
    if isinstance(wanted, str) and wanted.endswith(".*"):
        checks.append(lambda e: e["type"].startswith(wanted[:-1]))
    elif wanted:
        where["type"] = wanted
    if params.get("types"):
        types = set(_strings(params["types"]))
        checks.append(lambda e: e["type"] in types)
    return list_page(ctx.state.events, params, "/v1/events", "event", where=where,
                     match=lambda e: all(check(e) for check in checks))


@route("GET", "/v1/events/{event_id}")
def retrieve_event(ctx, params, event_id):
    return lookup(ctx.state.events, "event", event_id)
