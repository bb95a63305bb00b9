"""A tiny shop on another origin for the Stripe.js stand-in's browser tests.

It serves ``pages/shop.html`` (the flow and client secret in data attributes) and
``pages/shop.js`` under the store's own Content-Security-Policy (so the stand-in is proven
to work within it), ``/return`` for redirects, and ``POST /create-intent`` (a deferred
intent made on the "server" with stripe-python, as a shop's backend does).
"""
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import stripe

from app.security_headers import content_security_policy

from .helpers import API_KEY, PUBLISHABLE_KEY

PAGES = Path(__file__).with_name("pages")


class ShopServer:
    """Serves the test shop on ``http://localhost:<port>`` (the emulator is on 127.0.0.1)."""

    def __init__(self, emulator_url):
        """A shop whose pages load the stand-in from the emulator at emulator_url."""
        self.emulator_url = emulator_url
        self.policy = content_security_policy({
            "STRIPE_JS_URL": f"{emulator_url}/js.stripe.com/v3/",
            "STRIPE_API_BASE": emulator_url})
        self.created = []  # client secrets of intents made by POST /create-intent
        shop = self

        class Handler(BaseHTTPRequestHandler):
            """The shop's pages and its one backend endpoint."""
            def do_GET(self):  # noqa: N802 - the stdlib's name
                """The shop page, its script, or the return page."""
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/shop.js":
                    self._send(200, "application/javascript", (PAGES / "shop.js").read_bytes())
                elif parts.path == "/shop.css":
                    self._send(200, "text/css", (PAGES / "shop.css").read_bytes())
                elif parts.path in ("/shop", "/return"):
                    flow = "return" if parts.path == "/return" else query.get("flow", "payment")
                    self._send(200, "text/html; charset=utf-8", shop.page(flow, query))
                else:
                    self._send(404, "text/plain", b"not found")

            def do_POST(self):  # noqa: N802 - the stdlib's name
                """The shop's backend: create a PaymentIntent for the deferred flow."""
                if urlsplit(self.path).path != "/create-intent":
                    self._send(404, "text/plain", b"not found")
                    return
                client = stripe.StripeClient(API_KEY, base_addresses={"api": emulator_url})
                pi = client.v1.payment_intents.create(params={
                    "amount": 2500, "currency": "usd", "metadata": {"flow": "deferred"}})
                shop.created.append(pi.client_secret)
                self._send(200, "application/json",
                           json.dumps({"client_secret": pi.client_secret}).encode())

            def _send(self, status, kind, body):
                """Answer with the store's security headers."""
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", shop.policy)
                self.send_header("X-Frame-Options", "DENY")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        """The shop's origin: ``localhost``, another origin than the emulator's 127.0.0.1."""
        return f"http://localhost:{self.httpd.server_address[1]}"

    def page(self, flow, query) -> bytes:
        """The shop page for one flow, its data in data attributes (no inline script)."""
        text = (PAGES / "shop.html").read_text()
        for name, value in (("key", PUBLISHABLE_KEY), ("flow", flow),
                            ("secret", query.get("secret", "")),
                            ("redirect", query.get("redirect", "")),
                            ("emulator", self.emulator_url)):
            text = text.replace("{" + name + "}", html.escape(value, quote=True))
        return text.encode()

    def start(self):
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
