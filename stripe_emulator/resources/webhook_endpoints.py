"""Webhook endpoints registered through the API (``/v1/webhook_endpoints``), as peers such as
dj-stripe register theirs. Each one gets the events it enabled, signed with its own secret,
beside the endpoints of the control API; they are kept in the state file like any object."""
import re
import secrets
from urllib.parse import urlsplit

from .. import versions
from ..errors import invalid, missing_param
from ..ids import new_id
from ..parameters import ARRAY, HASH, PAGE, STR, unsupported_value
from ..router import route
from .common import list_page, lookup, merge_metadata, new_metadata, public, truthy

_EVENT_TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _url(value) -> str:
    """An absolute http(s) URL, as Stripe requires (test mode allows plain http)."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("Invalid URL: An explicit scheme (such as https) and a host must be "
                      "provided.", param="url")
    return value


def _events(value) -> list:
    """``enabled_events``: ``*`` or event type names (``charge.succeeded``)."""
    if not value:
        raise missing_param("enabled_events")
    for i, name in enumerate(value):
        if name != "*" and not _EVENT_TYPE.match(name):
            raise invalid(f"Invalid enabled_events[{i}]: {name!r} is not an event type.",
                          param=f"enabled_events[{i}]")
    return list(value)


def _description(value):
    """An optional description of at most 5000 characters (``""`` removes it)."""
    if value is not None and len(value) > 5000:
        raise invalid("Invalid description: must be at most 5000 characters",
                      param="description")
    return value or None


def wants(endpoint: dict, event_type: str | None) -> bool:
    """Whether an enabled endpoint gets events of ``event_type`` (``None``: any)."""
    if endpoint["status"] != "enabled":
        return False
    events = endpoint["enabled_events"]
    return event_type is None or "*" in events or event_type in events


@route("POST", "/v1/webhook_endpoints", {
    "url": STR, "enabled_events": ARRAY, "api_version": STR, "connect": STR,
    "description": STR, "metadata": HASH})
def create_webhook_endpoint(ctx, params):
    """Register an endpoint; only this answer carries its ``secret``."""
    if not params.get("url"):
        raise missing_param("url")
    events = _events(params.get("enabled_events"))
    url = _url(params["url"])
    version = params.get("api_version") or None
    if version is not None and not versions.known(version):
        raise invalid(f"Invalid api_version: {version}", param="api_version")
    if truthy(params.get("connect")):
        raise unsupported_value("connect", "true", "it has no connected accounts")
    endpoint = {
        "id": new_id("we_"),
        "object": "webhook_endpoint",
        "api_version": version,
        "application": None,
        "created": ctx.now,
        "description": _description(params.get("description")),
        "enabled_events": events,
        "livemode": False,
        "metadata": new_metadata(params.get("metadata")),
        "status": "enabled",
        "url": url,
        "_secret": "whsec_" + secrets.token_hex(16),
    }
    ctx.state.webhook_endpoints[endpoint["id"]] = endpoint
    return {**public(endpoint), "secret": endpoint["_secret"]}


def _get(ctx, endpoint_id):
    """The stored endpoint (with its private ``_secret``) or Stripe's 404."""
    return lookup(ctx.state.webhook_endpoints, "webhook_endpoint", endpoint_id)


@route("GET", "/v1/webhook_endpoints/{endpoint_id}")
def retrieve_webhook_endpoint(ctx, params, endpoint_id):
    """One endpoint, without its secret (Stripe shows it only at creation)."""
    return public(_get(ctx, endpoint_id))


@route("POST", "/v1/webhook_endpoints/{endpoint_id}", {
    "url": STR, "enabled_events": ARRAY, "description": STR, "disabled": STR,
    "metadata": HASH})
def update_webhook_endpoint(ctx, params, endpoint_id):
    """Change the URL, events, description, metadata, or disable/enable it."""
    endpoint = _get(ctx, endpoint_id)
    if "url" in params:
        endpoint["url"] = _url(params["url"])
    if "enabled_events" in params:
        endpoint["enabled_events"] = _events(params["enabled_events"])
    if "description" in params:
        endpoint["description"] = _description(params["description"])
    if params.get("disabled") not in (None, ""):
        endpoint["status"] = "disabled" if truthy(params["disabled"]) else "enabled"
    merge_metadata(endpoint, params.get("metadata"))
    return public(endpoint)


@route("GET", "/v1/webhook_endpoints", PAGE)
def list_webhook_endpoints(ctx, params):
    """Every registered endpoint, newest first."""
    page = list_page(ctx.state.webhook_endpoints, params, "/v1/webhook_endpoints",
                     "webhook_endpoint")
    page["data"] = [public(e) for e in page["data"]]
    return page


@route("DELETE", "/v1/webhook_endpoints/{endpoint_id}")
def delete_webhook_endpoint(ctx, params, endpoint_id):
    """Forget the endpoint: it gets no further events, queued retries included."""
    _get(ctx, endpoint_id)
    del ctx.state.webhook_endpoints[endpoint_id]
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
