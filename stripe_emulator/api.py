"""The /v1 request pipeline: faults -> auth -> route -> idempotency -> handler -> JSON."""
import json
import logging
import time
from typing import NamedTuple

from . import API_VERSION, parameters, resources, versions  # noqa: F401  (registers routes)
from .auth import authenticate
from .errors import StripeError
from .faults import Faults
from .forms import decode
from .idempotency import CONFLICT, IN_USE, IdempotencyStore
from .idempotency import fingerprint as idempotency_fingerprint
from .ids import request_id
from .resources.account import ACCOUNT_ID, no_access
from .resources.common import expand
from .router import resolve
from .state import Ctx, State

log = logging.getLogger("stripe_emulator")
STRIPEJS_PARAMS = ("key", "payment_user_agent", "referrer", "guid", "muid", "sid",
                   "time_on_page", "pasted_fields")
CORS = [("Access-Control-Allow-Origin", "*")]


class Response(NamedTuple):
    status: int
    headers: list
    body: bytes
    drop: bool = False
    idempotency_key: str | None = None


def json_response(status, obj, headers=(), **kw) -> Response:
    return Response(status, [("Content-Type", "application/json"), *headers],
                    json.dumps(obj).encode(), **kw)


class Api:
    """Answers Stripe API requests against one in-memory account."""

    def __init__(self, state: State, idempotency: IdempotencyStore, faults: Faults):
        self.state = state
        self.idempotency = idempotency
        self.faults = faults
        #: In-process observers, called as ``observe(method, path)`` when a request
        #: arrives, before anything else: tests use them to look at the caller's state
        #: at the moment Stripe is called (``EmulatorServer(...).api.observers``).
        self.observers = []

    def handle(self, method, path, query, body, headers, client_ip, base_url) -> Response:
        """One ``/v1`` request: faults, auth, version, account, route, parameters, run."""
        rid = request_id()
        for observe in self.observers:
            observe(method, path)
        asked = (headers.get("Stripe-Version") or "").strip()
        base = [("Request-Id", rid),
                ("Stripe-Version", asked if versions.known(asked) else API_VERSION), *CORS]
        if method == "OPTIONS":
            allow = headers.get("Access-Control-Request-Headers") or \
                "Authorization, Content-Type, Idempotency-Key, Stripe-Version"
            return Response(204, base + [
                ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
                ("Access-Control-Allow-Headers", allow), ("Access-Control-Max-Age", "600"),
            ], b"")
        key = headers.get("Idempotency-Key") if method == "POST" else None
        fault = self.faults.take(method, path, ("status", "drop"))
        if fault:
            if fault["mode"] == "drop":
                return Response(0, [], b"", drop=True, idempotency_key=key)
            return json_response(fault["status"], Faults.error_body(fault["status"]), base,
                                 idempotency_key=key)
        try:
            params = decode(body.decode("utf-8") if method == "POST" else query)
            handler, args, accepted = resolve(method, path)
            browser = getattr(handler, "publishable", False)  # @route(…, publishable=True)
            api_key = authenticate(headers.get("Authorization"), params,
                                   allow_publishable=browser)
            versions.check(headers.get("Stripe-Version"))
            account = (headers.get("Stripe-Account") or "").strip()
            if account and account != ACCOUNT_ID:  # no connected accounts: only its own id
                raise no_access(api_key, account)
            if browser:
                for name in STRIPEJS_PARAMS:
                    params.pop(name, None)
            if handler is None:
                raise StripeError(404, "invalid_request_error",
                                  f"Unrecognized request URL ({method}: {path}). Please see "
                                  "https://stripe.com/docs or we can help at "
                                  "https://support.stripe.com/.", stored=False)
            parameters.check(params, accepted)
        except StripeError as exc:
            return json_response(exc.status, exc.body(rid), base, idempotency_key=key)
        api_version = asked or API_VERSION
        if key:
            response = self._idempotent(api_key, key, method, path, params, handler, args,
                                        rid, base, client_ip, base_url, api_version)
        else:
            response = self._execute(api_key, None, params, handler, args, rid, base,
                                     client_ip, base_url, api_version)[0]
        if self.faults.rules and self.faults.take(method, path, ("drop_response",)):
            return response._replace(drop=True)
        return response

    def _idempotent(self, api_key, key, method, path, params, handler, args, rid, base,
                    client_ip, base_url, api_version):
        scope = (api_key, key)
        fingerprint = idempotency_fingerprint(method, path, json.dumps(params, sort_keys=True))
        outcome, entry = self.idempotency.begin(scope, fingerprint)
        echo = [("Idempotency-Key", key)]
        if outcome == "replay":
            return Response(entry["status"], base + echo + [
                ("Content-Type", "application/json"), ("Idempotent-Replayed", "true"),
                ("Original-Request", entry["request_id"])], entry["body"], idempotency_key=key)
        if outcome == "conflict":
            exc = StripeError(400, "idempotency_error", CONFLICT.format(key=key), stored=False)
            return json_response(400, exc.body(rid), base + echo, idempotency_key=key)
        if outcome == "in_use":
            exc = StripeError(409, "idempotency_error", IN_USE.format(key=key),
                              code="idempotency_key_in_use", stored=False)
            return json_response(409, exc.body(rid), base + echo, idempotency_key=key)
        try:
            response, stored = self._execute(api_key, key, params, handler, args, rid,
                                             base + echo + [("Original-Request", rid)],
                                             client_ip, base_url, api_version)
        except BaseException:
            self.idempotency.finish(scope, fingerprint, 0, b"", rid, store=False)
            raise
        self.idempotency.finish(scope, fingerprint, response.status, response.body, rid,
                                store=stored, shape=getattr(handler, "__name__", ""))
        return response

    def _execute(self, api_key, key, params, handler, args, rid, headers, client_ip,
                 base_url, api_version=API_VERSION):
        """Run the handler under the state lock; return (response, store_for_idempotency)."""
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        ctx = Ctx(state=self.state, request_id=rid, base_url=base_url, api_key=api_key,
                  idempotency_key=key, client_ip=client_ip,
                  publishable=api_key.startswith("pk_"), api_version=api_version)
        try:
            with self.state.transaction():
                result = handler(ctx, params, **args)
                if params.get("expand"):
                    result = expand(result, params["expand"], self.state)
                body = json.dumps(result).encode()
            status, store = 200, True
        except StripeError as exc:
            status, store = exc.status, exc.stored
            body = json.dumps(exc.body(rid)).encode()
        except Exception:  # a bug in the emulator: answer like Stripe's api_error
            log.exception("handler failed")
            exc = StripeError(500, "api_error", "An unknown error occurred", stored=False)
            status, store, body = 500, False, json.dumps(exc.body(rid)).encode()
        response = Response(status, headers + [("Content-Type", "application/json")], body,
                            idempotency_key=key)
        return response, store
