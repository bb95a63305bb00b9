"""Pages the emulator serves to browsers: the 3-D Secure test page and hosted Checkout."""
import re

from ..api import Response
from ..ids import request_id
from ..state import Ctx
from . import checkout, three_d_secure

PREFIXES = ("/3d_secure_2/", "/c/pay/")
CHECKOUT = re.compile(r"^/c/pay/(?P<id>cs_[A-Za-z0-9_]+)(?P<rest>/return)?/?$")


class Pages:
    """Routes browser page requests to their module; state changes run as API requests do."""

    def __init__(self, emulator):
        """Pages of this emulator (its state, its URL for links)."""
        self.emu = emulator

    def ctx(self) -> Ctx:
        """A request context for changes a page makes (events carry no API request id)."""
        return Ctx(state=self.emu.state, request_id=None, base_url=self.emu.url, api_key="")

    def handle(self, method, path, query, body, headers) -> Response:
        """Answer one page request (``None`` when no page has this path)."""
        state = self.emu.state
        if path == "/3d_secure_2/hosted" and method == "GET":
            with state.lock:
                status, head, text = three_d_secure.render(state, query)
        elif path == "/3d_secure_2/authenticate" and method == "POST":
            status, head, text = three_d_secure.submit(state, self.ctx, body)
        elif CHECKOUT.match(path):
            match = CHECKOUT.match(path)
            if match["rest"] and method == "GET":
                status, head, text = checkout.returned(state, self.ctx, match["id"])
            elif method == "GET":
                status, head, text = checkout.show(state, self.ctx, match["id"])
            elif method == "POST" and not match["rest"]:
                status, head, text = checkout.submit(state, self.ctx, match["id"], body)
            else:
                return None
        else:
            return None
        return Response(status, head + [("Request-Id", request_id())], text)
