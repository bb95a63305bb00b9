"""Small helpers shared by the emulator tests."""
import stripe

API_KEY = "sk_test_emulator0000000000004242"
PUBLISHABLE_KEY = "pk_test_emulator0000000000004242"


def charge(**params):
    """Create a charge with sensible defaults through the global SDK."""
    params.setdefault("amount", 2000)
    params.setdefault("currency", "usd")
    return stripe.Charge.create(**params)


def card_token(number, exp_month=12, exp_year=2034, cvc="123", **extra):
    return stripe.Token.create(card={"number": number, "exp_month": exp_month,
                                     "exp_year": exp_year, "cvc": cvc, **extra})


def authenticate(next_action, outcome="complete"):
    """Press Complete or Fail on the emulator's test authentication page, as a buyer does:
    GET the page named by the intent's ``next_action``, then POST its form. Returns the
    POST's response (303 to the return URL, or the page telling Stripe.js)."""
    import re

    import requests

    action = next_action.to_dict() if hasattr(next_action, "to_dict") else next_action
    url = (action["redirect_to_url"]["url"] if action["type"] == "redirect_to_url"
           else action["use_stripe_sdk"]["stripe_js"])
    page = requests.get(url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert {"source"} <= set(fields), page.text
    origin = url.split("/3d_secure_2/")[0]
    return requests.post(f"{origin}/3d_secure_2/authenticate", data={**fields,
                                                                      "outcome": outcome},
                         timeout=10, allow_redirects=False)


def event_types(since=None):
    """Types of the events emitted so far, oldest first (after event id ``since``)."""
    events = [e for e in stripe.Event.list(limit=100).auto_paging_iter()]
    events.reverse()
    if since:
        ids = [e.id for e in events]
        events = events[ids.index(since) + 1:]
    return [e.type for e in events]
