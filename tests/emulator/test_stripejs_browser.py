"""The Stripe.js v3 stand-in in real Chromium, loaded by a page on another origin."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from .helpers import PUBLISHABLE_KEY

PAGE = """<!doctype html><html><head>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head><body>
<form id="f"><div id="card"></div><button id="pay" type="button">Pay</button></form>
<pre id="out" style="white-space: pre-wrap; overflow-wrap: anywhere"></pre>
<script src="{emulator}/js.stripe.com/v3/"></script>
<script>
  const stripe = Stripe("{key}");
  const card = stripe.elements().create("card", {{hidePostalCode: true}});
  window.events = [];
  card.on("ready", () => window.events.push("ready"));
  card.on("change", (e) => window.lastChange = e);
  card.mount("#card");
  document.getElementById("pay").addEventListener("click", async () => {{
    window.result = null;
    window.result = await stripe.createToken(card, {{name: "Jenny Rosen"}});
    document.getElementById("out").textContent = JSON.stringify(window.result);
  }});
</script></body></html>"""


@pytest.fixture(scope="module")
def shop_origin(emu):
    """A page server on another origin (localhost:<port> vs the emulator's 127.0.0.1)."""
    body = PAGE.format(emulator=emu.url, key=PUBLISHABLE_KEY).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}/checkout"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def chromium(browser):
    """The suite's shared Chromium (one Playwright driver per process)."""
    return browser


def _pay(page):
    page.click("#pay")
    page.wait_for_function("window.result")
    return page.evaluate("window.result")


def test_script_is_served_with_cors(emu):
    for path in ("/js.stripe.com/v3/", "/v3/", "/v3"):
        resp = requests.get(emu.url + path, timeout=5)
        assert resp.status_code == 200 and "window.Stripe" in resp.text
        assert resp.headers["Content-Type"].startswith("application/javascript")


@pytest.mark.browser
def test_card_element_tokenizes_from_another_origin(chromium, shop_origin):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(shop_origin)
        page.wait_for_function("window.events.includes('ready')")
        for name in ("cardnumber", "exp-date", "cvc"):
            assert page.locator(f"input[name={name}]").is_visible()
        assert not page.locator("input[name=postal]").is_visible()

        page.fill("input[name=cardnumber]", "4242")
        error = _pay(page)["error"]
        assert (error["type"], error["code"], error["message"]) == \
            ("validation_error", "incomplete_number", "Your card number is incomplete.")

        page.fill("input[name=cardnumber]", "4242424242424241")
        assert _pay(page)["error"]["code"] == "invalid_number"

        page.fill("input[name=cardnumber]", "4242424242424242")
        assert _pay(page)["error"]["code"] == "incomplete_expiry"
        page.fill("input[name=exp-date]", "12 / 34")
        page.fill("input[name=cvc]", "1")
        assert _pay(page)["error"]["code"] == "incomplete_cvc"
        page.fill("input[name=cvc]", "123")
        change = page.evaluate("window.lastChange")
        assert change["complete"] is True and change["brand"] == "visa"
        assert page.input_value("input[name=cardnumber]") == "4242 4242 4242 4242"

        token = _pay(page)["token"]
        assert token["id"].startswith("tok_") and token["card"]["last4"] == "4242"
        assert token["card"]["brand"] == "Visa" and token["card"]["name"] == "Jenny Rosen"
        assert (token["card"]["exp_month"], token["card"]["exp_year"]) == (12, 2034)
        assert stripe.Token.retrieve(token["id"]).used is False

        # Like Stripe's iframe, the card fields belong to no form: the shop's form never
        # submits them to the shop.
        submitted = page.evaluate("[...new FormData(document.getElementById('f')).keys()]")
        assert not {"cardnumber", "exp-date", "cvc", "postal"} & set(submitted)
    finally:
        context.close()


@pytest.mark.browser
def test_expired_year_is_a_validation_error(chromium, shop_origin):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(shop_origin)
        page.fill("input[name=cardnumber]", "4000000000000002")
        page.fill("input[name=exp-date]", "01 / 20")
        page.fill("input[name=cvc]", "123")
        error = _pay(page)["error"]
        assert error["code"] == "invalid_expiry_year_past"
        assert error["message"] == "Your card's expiration year is in the past."
        page.evaluate("card.clear()")
        assert page.input_value("input[name=cardnumber]") == ""
        assert page.evaluate("window.lastChange.empty") is True
        page.evaluate("card.unmount()")
        assert page.locator("input[name=cardnumber]").count() == 0
        page.evaluate("card.mount('#card')")
        assert page.locator("input[name=cardnumber]").count() == 1
        page.evaluate("card.destroy()")
        assert page.locator("#card input").count() == 0
    finally:
        context.close()
