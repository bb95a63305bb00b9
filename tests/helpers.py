"""Small helpers shared by test modules."""

import re
import time

import requests

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def new_tab():
    """A browser tab against a served store (a requests session) that opens a connection
    per request. A kept-alive connection that sat idle while a race test prepared its
    other tabs can be closed by gunicorn (`keepalive`) just as the tab sends its POST on
    it: the request never reaches the store and comes back "connection reset", which
    says nothing about the store (a browser sends it again on a new connection)."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def csrf_from(html):
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def eventually(condition, timeout=10, every=0.1):
    """Wait until `condition()` is true (a webhook's or another process's effect); its
    last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def confirm_intent(emulator_url, client_secret, payment_method="pm_card_visa"):
    """Confirm a PaymentIntent the way Stripe.js does (publishable key + client secret);
    (status code, JSON)."""
    import requests

    from config import EMULATOR_PUBLISHABLE_KEY

    intent_id = client_secret.split("_secret_")[0]
    response = requests.post(f"{emulator_url}/v1/payment_intents/{intent_id}/confirm",
                             data={"key": EMULATOR_PUBLISHABLE_KEY,
                                   "client_secret": client_secret,
                                   "payment_method": payment_method,
                                   "use_stripe_sdk": "true"}, timeout=10)
    return response.status_code, response.json()


def pay_hosted_page(url, number="4242424242424242", email="hosted@example.com"):
    """Pay on the emulator's hosted Checkout page as the buyer's browser would; its
    answer (the 303 to the store's success page for a payment that went through)."""
    import requests

    session = requests.Session()
    page = session.get(url, timeout=10)
    assert page.status_code == 200 and "cardNumber" in page.text
    action = re.search(r'<form[^>]+action="([^"]+)"', page.text)
    target = requests.compat.urljoin(url, action.group(1).replace("&amp;", "&")) \
        if action else url
    return session.post(target, allow_redirects=False, timeout=10, data={
        "email": email, "cardNumber": number, "cardExpiry": "12 / 34", "cardCvc": "123",
        "billingName": "Ada Lovelace", "billingPostalCode": "12345"})


def check_again(client, public_id):
    """Press "Check again now" on a pending receipt (the POST that may repeat the order's
    stored request); returns the receipt it redirects to."""
    page = client.get(f"/orders/{public_id}")
    assert page.status_code == 200, page.status_code
    if 'data-testid="check-again"' not in page.get_data(as_text=True):
        return page  # opening the receipt found the outcome (read-only): nothing to press
    return client.post(f"/orders/{public_id}/check", follow_redirects=True,
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def sign_in_by_link(client, app, email):
    """Sign a test client in as `email` through a real one-time link (a proven session):
    the link is minted as the sign-in email would carry it, opened and used."""
    from app.access import mint_link

    with app.app_context():
        raw = mint_link(email=email, purpose="sign_in")
    page = client.get(f"/account/link/{raw}")
    assert page.status_code == 200, page.status_code
    done = client.post(f"/account/link/{raw}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 302, done.get_data(as_text=True)
    return done


def sign_in_on_server(app, server, email, session=None):
    """Sign a requests session in as `email` on a served store (tests.server_process,
    started with the test app's SECRET_KEY) with a real one-time link; returns it."""
    import requests

    from app.access import mint_link

    with app.app_context():
        raw = mint_link(email=email, purpose="sign_in")
    session = session or requests.Session()
    page = session.get(f"{server.url}/account/link/{raw}", timeout=30)
    assert page.status_code == 200, server.log()
    done = session.post(f"{server.url}/account/link/{raw}", allow_redirects=False,
                        data={"csrf_token": csrf_from(page.text)}, timeout=30)
    assert done.status_code == 302, server.log()
    return session


_AXE = []


def serious_axe_violations(page):
    """axe-core's critical and serious violations on the page, one line each (the copy
    bundled in the pinned axe-playwright-python; nothing is downloaded)."""
    if not _AXE:
        from axe_playwright_python.sync_playwright import Axe

        _AXE.append(Axe())
    results = _AXE[0].run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


WEBHOOK_SECRET = "whsec_test_secret"  # TestConfig's


def post_event(client, event, secret=WEBHOOK_SECRET):
    """POST one event (a dict) to the store's webhook, signed as Stripe signs it."""
    import json
    import time

    import stripe

    payload = json.dumps(event)
    stamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}", secret)
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                "Content-Type": "application/json"})


def stripe_events(stripe_sdk, *types):
    """The emulator's events of these types (all when none are named), oldest first, as
    plain dicts (what Stripe would deliver)."""
    params = {"limit": 100}
    if types:
        params["types"] = list(types)
    # Stripe lists newest first.
    return [e.to_dict() for e in stripe_sdk.v1.events.list(params=params).data][::-1]


def deliver_events(client, stripe_sdk, *types):
    """Deliver the emulator's events of these types to the store's webhook, oldest first
    (as `stripe listen` would); returns each answer's `result`."""
    results = []
    for event in stripe_events(stripe_sdk, *types):
        response = post_event(client, event)
        assert response.status_code == 200, response.get_data(as_text=True)
        results.append(response.get_json()["result"])
    return results


def backfill_saved_cards(app):
    """`flask cards backfill`: store the cards of buyers whose customer was given to them
    directly (as cards saved before the store kept them); returns its output."""
    result = app.test_cli_runner().invoke(args=["cards", "backfill"])
    assert result.exit_code == 0, result.output
    return result.output
