"""The test authentication page behind an intent's ``next_action`` (INTENTS §3.8).

Like Stripe's test-mode page it offers Complete and Fail (``#test-source-authorize-3ds``,
``#test-source-fail-3ds``). The choice is a POST that moves the intent on; then, for a
``redirect_to_url`` next action, the browser goes to the ``return_url`` with
``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status`` (or the
``setup_intent`` ones); in Stripe.js's modal (``use_stripe_sdk``) the page tells its parent
window with ``postMessage({type: "stripe-emulator-3ds", source, outcome})``.
"""
import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..receipts import format_amount
from ..resources import payment_intents, setup_intents
from . import html

#: Intent kinds the page serves: the parameter naming it -> (collection, authenticate).
KINDS = {"payment_intent": ("payment_intents", payment_intents.authenticate),
         "setup_intent": ("setup_intents", setup_intents.authenticate)}
SUCCEEDED = ("succeeded", "requires_capture", "processing", "requires_confirmation")


def _intent(state, fields):
    """``(kind, intent)`` named by the page's parameters, the secret checked, or None."""
    for kind, (collection, _) in KINDS.items():
        intent_id = fields.get(kind)
        if intent_id:
            intent = getattr(state, collection).get(intent_id)
            if intent is not None and fields.get(f"{kind}_client_secret") == \
                    intent["client_secret"]:
                return kind, intent
            return kind, None
    return None, None


def _pending(intent, source):
    """Whether the intent is waiting for this authentication attempt."""
    auth = (intent or {}).get("_auth") or {}
    return intent is not None and intent["status"] == "requires_action" and \
        auth.get("source") == source


def _card_text(state, intent):
    """The card being authenticated, as the page shows it (Visa •••• 3184)."""
    pm_id = ((intent.get("_auth") or {}).get("pm"))
    pm = state.get(pm_id) if pm_id else None
    if not pm:
        return "your card"
    card = pm.get("card") or pm
    brand = str(card.get("brand") or "card")
    return f"{brand.title()} •••• {card.get('last4', '')}"


def render(state, query: str):
    """GET: the Complete / Fail page, or a note that nothing is pending any more."""
    fields = dict(parse_qsl(query))
    kind, intent = _intent(state, fields)
    source = fields.get("source", "")
    if not _pending(intent, source):
        return 404, *html.page("Nothing to authenticate", (
            "<main><h1>Nothing to authenticate</h1><p>This authentication was already "
            "completed or failed, or its link is wrong. You can close this window.</p>"
            "</main>"), frameable=True)
    if kind == "payment_intent":
        what = (f'<p class="amount">{html.esc(format_amount(intent["amount"], intent["currency"]))}'
                "</p>")
    else:
        what = "<p class=amount>Save your card</p>"
    hidden = "".join(f'<input type="hidden" name="{html.esc(k)}" value="{html.esc(v)}">'
                     for k, v in ((kind, intent["id"]),
                                  (f"{kind}_client_secret", intent["client_secret"]),
                                  ("source", source)))
    body = (
        "<main><h1>3D Secure 2 Test Page</h1>"
        f"{what}<p>{html.esc(_card_text(state, intent))}</p>"
        '<p class="muted">This is a test authentication page of the offline Stripe emulator: '
        "no bank is asked. Complete simulates a successful authentication, Fail a failed "
        "one.</p>"
        f'<form method="post" action="/3d_secure_2/authenticate">{hidden}'
        '<div class="actions">'
        '<button class="complete" id="test-source-authorize-3ds" name="outcome" '
        'value="complete" type="submit">Complete</button>'
        '<button class="fail" id="test-source-fail-3ds" name="outcome" value="fail" '
        'type="submit">Fail</button></div></form></main>')
    return 200, *html.page("3D Secure 2 Test Page", body, frameable=True)


def with_params(url: str, params: dict) -> str:
    """``url`` with ``params`` added to its query (what it had is kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def submit(state, make_ctx, body: bytes):
    """POST: apply Complete or Fail, then redirect to the return URL or tell Stripe.js."""
    fields = dict(parse_qsl(body.decode("utf-8", "replace")))
    outcome = fields.get("outcome")
    source = fields.get("source", "")
    with state.transaction():
        kind, intent = _intent(state, fields)
        if outcome not in ("complete", "fail") or not _pending(intent, source):
            return 404, *html.page("Nothing to authenticate", (
                "<main><h1>Nothing to authenticate</h1><p>This authentication was already "
                "completed or failed. You can close this window.</p></main>"),
                frameable=True)
        auth = dict(intent["_auth"])
        KINDS[kind][1](make_ctx(), intent, source, outcome == "complete")
        status = intent["status"]
        secret = intent["client_secret"]
        intent_id = intent["id"]
    redirect_status = "succeeded" if status in SUCCEEDED else "failed"
    if auth.get("flow") == "redirect_to_url" and auth.get("return_url"):
        target = with_params(auth["return_url"], {
            kind: intent_id, f"{kind}_client_secret": secret,
            "redirect_status": redirect_status})
        return 303, [("Location", target), ("Cache-Control", "no-store"),
                     ("Content-Type", "text/plain; charset=utf-8")], b"See " + target.encode()
    message = json.dumps({"type": "stripe-emulator-3ds", "source": source,
                          "outcome": outcome})
    script = (f"(function(){{var m={message};"
              "try{if(window.parent&&window.parent!==window)window.parent.postMessage(m,'*');}"
              "catch(e){}"
              "try{if(window.opener)window.opener.postMessage(m,'*');}catch(e){}})();")
    done = "Authentication complete" if outcome == "complete" else "Authentication failed"
    return 200, *html.page(done, (f"<main><h1>{done}</h1><p>You can close this window.</p>"
                                  "</main>"), script=script, frameable=True)


