"""EmulatorServer: the HTTP transport (ThreadingHTTPServer, HTTP/1.1 keep-alive)."""
import contextlib
import logging
import secrets
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import hosted, receipts
from .api import CORS, Api, Response, json_response
from .control_api import Control
from .faults import Faults
from .idempotency import MAX_BYTES, MAX_ENTRIES, IdempotencyStore
from .ids import request_id
from .persist import StateFile
from .request_log import RequestLog
from .resources import checkout_sessions
from .state import Ctx, State
from .stripejs import PATHS as STRIPEJS_PATHS
from .stripejs import script
from .webhooks import WebhookDispatcher

_REASONS = {s.value: s.phrase for s in HTTPStatus}
log = logging.getLogger("stripe_emulator")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Connections the kernel holds before accept(): a launch's hundred checkouts connect
    # at once, and a full queue drops a SYN, which the client resends only after a second
    # (measured: 100 concurrent charges took 1.5 s at 64, 0.8 s at 1024). Stripe never
    # does that to a burst, so neither does its stand-in.
    request_queue_size = 1024

    def __init__(self, address, handler, emulator):
        self.emulator = emulator
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-emulator"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.emulator._track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_DELETE(self):
        self._serve("DELETE")

    def do_OPTIONS(self):
        self._serve("OPTIONS")

    def _serve(self, method):
        started = time.perf_counter()
        emu = self.server.emulator
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/v1/"):
            response = emu.api.handle(method, path, query, body, self.headers,
                                      self.client_address[0], emu.url)
        else:
            response = emu.serve_other(method, path, body, self.headers, query)
        status = "dropped" if response.drop else response.status
        if path.startswith("/v1/"):
            # Logged before the answer is written: a client that has its answer finds
            # its request in the log (a test that clears the log next clears it too).
            emu.requests.record(method, path, status, response.idempotency_key)
        if response.drop:
            self.close_connection = True
        else:
            self._write(response)
        if not emu.quiet:
            ms = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"{method} {path} {status} idem={response.idempotency_key or '-'}"
                             f" {ms:.1f}ms\n")

    def _write(self, response: Response):
        head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}",
                f"Content-Length: {len(response.body)}", "Server: stripe-emulator"]
        head += [f"{k}: {v}" for k, v in response.headers]
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)


class EmulatorServer:
    """A stateful Stripe test-mode API on ``host:port`` (``port=0`` picks a free one)."""

    def __init__(self, host="127.0.0.1", port=0, forward_to=None, webhook_secret=None,
                 quiet=True, webhook_retry_base=1.0, webhook_max_attempts=4,
                 idempotency_max_entries=MAX_ENTRIES, idempotency_max_bytes=MAX_BYTES,
                 state_file=None, reset_state=False, sweep_interval=1.0):
        """Build the parts (state, idempotency, faults, webhooks, control); ``start`` binds."""
        self.host, self.port, self.quiet = host, port, quiet
        self.state = State()
        self.idempotency = IdempotencyStore(max_entries=idempotency_max_entries,
                                            max_bytes=idempotency_max_bytes)
        self.faults = Faults()
        self.requests = RequestLog()
        self.webhooks = WebhookDispatcher(self.state, retry_base=webhook_retry_base,
                                          max_attempts=webhook_max_attempts)
        self.state.event_listeners.append(self.webhooks.on_event)
        self.state.endpoint_count = lambda type_=None: len(self.webhooks.targets(type_))
        self.webhook_secret = None
        if forward_to:
            self.webhook_secret = webhook_secret or "whsec_" + secrets.token_hex(16)
            self.webhooks.add_endpoint(forward_to, self.webhook_secret)
        self.state_file = None
        if state_file:
            self._open_state_file(state_file, reset_state)
        self.api = Api(self.state, self.idempotency, self.faults)
        self.control = Control(self)
        self.pages = hosted.Pages(self)
        # Seconds between checks for expired Checkout Sessions (None: only on request).
        self.sweep_interval = sweep_interval
        self._sweeping = threading.Event()
        self._sweeper = None
        self._httpd = None
        self._thread = None
        self._conns: set = set()
        self._conns_lock = threading.Lock()

    def _open_state_file(self, path, reset):
        """Load the state saved in ``path`` (SQLite; created if missing) and keep saving."""
        sf = StateFile(path)
        if reset:
            sf.clear()
        sf.load(self.state, self.idempotency)
        self.state.persistence = sf
        self.state_file = sf
        bounds = (self.idempotency.max_entries, self.idempotency.ttl)
        self.idempotency.on_store = lambda scope, *answer: sf.write_idempotency(
            scope, *answer, bounds)

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    def start(self) -> "EmulatorServer":
        """Bind and serve in a background thread."""
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self.webhooks.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="stripe-emulator", daemon=True)
        self._thread.start()
        self._sweeping.clear()
        if self.sweep_interval:
            self._sweeper = threading.Thread(target=self._sweep, name="stripe-emulator-clock",
                                             daemon=True)
            self._sweeper.start()
        return self

    def expire_due(self) -> list:
        """Expire the open Checkout Sessions whose ``expires_at`` has passed; their ids."""
        with self.state.transaction():
            ctx = Ctx(state=self.state, request_id=None, base_url=self.url, api_key="")
            return checkout_sessions.expire_due(ctx)

    def _sweep(self):
        """Background: Checkout Sessions expire when their time comes, requests or not."""
        while not self._sweeping.wait(self.sweep_interval):
            if self.state.checkout_sessions.ids("status", "open"):
                try:
                    self.expire_due()
                except Exception:  # a bug: keep the clock running, say what happened
                    log.exception("expiring checkout sessions failed")

    def stop(self):
        """Stop serving, close open keep-alive connections, the webhook thread and the state
        file (everything is already saved in it: each request's changes are)."""
        if self._httpd is None:
            self.close_state_file()
            return
        self._sweeping.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
        self._httpd.shutdown()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self.webhooks.stop()
        deadline = time.monotonic() + 2
        while self._conns and time.monotonic() < deadline:
            time.sleep(0.01)
        self._httpd = None
        self.close_state_file()

    def close_state_file(self):
        if self.state_file is not None:
            with self.state.lock:
                self.state.persistence = None
                self.idempotency.on_store = None
                self.state_file.close()
                self.state_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        """Forget every object, idempotency key, fault, latency, policy and delivery."""
        self.state.reset()
        self.idempotency.reset()
        self.faults.reset()
        self.requests.clear()
        self.webhooks.reset_log()

    def _track(self, conn, opened):
        with self._conns_lock:
            (self._conns.add if opened else self._conns.discard)(conn)

    def serve_other(self, method, path, body, headers=None, query="") -> Response:
        """Control API, the Stripe.js stand-in, receipts, pages, and 404 for anything else."""
        if path.startswith(hosted.PREFIXES):
            page = self.pages.handle(method, path, query, body, headers or {})
            if page is not None:
                return page
        if path.startswith("/_emulator/"):
            status, data = self.control.handle(method, path, body)
            return json_response(status, data, [("Request-Id", request_id())])
        if path in STRIPEJS_PATHS and method in ("GET", "OPTIONS"):
            return Response(200, [("Content-Type", "application/javascript; charset=utf-8"),
                                  ("Cache-Control", "no-cache"), *CORS], script())
        if path.startswith("/receipts/payment/") and method == "GET":
            referer = headers.get("Referer") if headers is not None else None
            return self._receipt(path.rsplit("/", 1)[-1], referer)
        rid = request_id()
        return json_response(404, {"error": {
            "type": "invalid_request_error",
            "message": f"Unrecognized request URL ({method}: {path}). Please see "
                       "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        }}, [("Request-Id", rid)])

    def _receipt(self, charge_id, referer=None) -> Response:
        with self.state.lock:
            charge = self.state.charges.get(charge_id)
        headers = [("Content-Type", "text/html; charset=utf-8"),
                   ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        if charge is None:
            return Response(404, headers, receipts.not_found())
        return Response(200, headers, receipts.render(charge, referer))
