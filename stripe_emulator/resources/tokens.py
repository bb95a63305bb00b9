"""Tokens and card objects: tokenization checks (§1.3), magic tokens, single use (§1.7)."""
import time

from .. import cards
from ..currencies import parse_int
from ..errors import StripeError, card_error, invalid, missing_param, no_such
from ..ids import new_id
from ..parameters import STR, UNSUPPORTED
from ..router import route

END_OF_LIFE = (
    "Card Token usage on the Customers API and Charges API has reached end of life. In order "
    "to continue processing your payments, you will need to use the Payment Intents and Payment "
    "Methods API. Learn more about migrating to the Payment Intents API: "
    "https://docs.stripe.com/payments/payment-intents/migration/charges. If you need to "
    "continue to use Card Tokens on the Customers and Charges API, enable this functionality "
    "in your API policies settings: https://dashboard.stripe.com/settings/developers/api-policies"
)
RAW_PAN = (
    "Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you "
    "use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. "
    "To enable testing raw card data APIs, see "
    "https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis."
)
CARD_PARAMS = dict.fromkeys((
    "number", "exp_month", "exp_year", "cvc", "name", "currency", "address_line1",
    "address_line2", "address_city", "address_state", "address_zip", "address_country"), STR)
#: ``source`` on charges and customers: an id, or raw card details (refused as unsafe).
SOURCE_PARAM = {**CARD_PARAMS, "object": STR}
_CHECKS = {  # behaviour -> (cvc_check, address_zip_check, address_line1_check) overrides
    "cvc_fail": ("fail", None, None),
    "zip_fail": (None, "fail", None),
    "line1_fail": (None, None, "fail"),
    "avs_fail": (None, "fail", "fail"),
    "avs_unchecked": (None, "unavailable", "unavailable"),
}


def make_card(state, number, exp_month, exp_year, *, cvc=None, address=None, name=None,
              behaviour=None):
    """Store and return a legacy ``card`` object for ``number``."""
    info = cards.lookup(number)
    address = address or {}
    beh = behaviour or info.behaviour
    _, zip_check, line1_check = _CHECKS.get(beh, (None, None, None))
    card = {
        "id": new_id("card_"),
        "object": "card",
        "address_city": address.get("city"),
        "address_country": address.get("country"),
        "address_line1": address.get("line1"),
        "address_line1_check": (line1_check or "pass") if address.get("line1") else None,
        "address_line2": address.get("line2"),
        "address_state": address.get("state"),
        "address_zip": address.get("zip"),
        "address_zip_check": (zip_check or "pass") if address.get("zip") else None,
        "allow_redisplay": "unspecified",
        "brand": cards.LEGACY_BRAND[info.brand],
        "country": info.country,
        "customer": None,
        "cvc_check": "unchecked" if cvc else None,
        "dynamic_last4": None,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": cards.fingerprint(number),
        "funding": info.funding,
        "last4": number[-4:],
        "metadata": {},
        "name": name,
        "networks": {"preferred": None},
        "regulated_status": "unregulated",
        "tokenization_method": None,
    }
    state.cards[card["id"]] = card
    state.card_behaviour[card["id"]] = beh
    state.card_numbers[card["id"]] = number
    return card


def verify_cvc(state, card):
    """The issuer checks the CVC on first use (charge or attach): ``unchecked`` -> result."""
    if card["cvc_check"] == "unchecked":
        card["cvc_check"] = _CHECKS.get(state.card_behaviour.get(card["id"]),
                                        (None,))[0] or "pass"


def card_network(state, card) -> str:
    return cards.lookup(state.card_numbers.get(card["id"], "")).brand


def _token(card, client_ip, now):
    return {"id": new_id("tok_"), "object": "token", "card": card, "client_ip": client_ip,
            "created": now, "livemode": False, "type": "card", "used": False}


def _validated_card(raw: dict):
    """Check number, expiry and CVC as Stripe does at tokenization (402 card_error)."""
    for field in ("number", "exp_month", "exp_year"):
        if raw.get(field) in (None, ""):
            raise missing_param(f"card[{field}]")
    number = "".join(str(raw["number"]).split()).replace("-", "")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not cards.luhn_ok(number):
        raise card_error("incorrect_number", "Your card number is incorrect.", param="number")
    try:
        month = parse_int(raw["exp_month"], "exp_month")
    except StripeError:
        month = 0
    if not 1 <= month <= 12:
        raise card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                         param="exp_month")
    try:
        year = parse_int(raw["exp_year"], "exp_year")
    except StripeError:
        year = 0
    if year < 100:
        year += 2000
    now = time.gmtime()
    if year < now.tm_year or year > now.tm_year + 50:
        raise card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                         param="exp_year")
    if year == now.tm_year and month < now.tm_mon:
        raise card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                         param="exp_month")
    cvc = raw.get("cvc")
    if cvc not in (None, ""):
        want = 4 if cards.lookup(number).brand == "amex" else 3
        if not str(cvc).isdigit() or len(str(cvc)) != want:
            raise card_error("invalid_cvc", "Your card's security code is invalid.", param="cvc")
    return number, month, year, cvc


NETWORKS = ("cartes_bancaires", "mastercard", "visa")


def preferred_network(raw, param="card[networks]"):
    """``card[networks][preferred]`` (cartes_bancaires, mastercard or visa), or None."""
    networks = raw or {}
    if not isinstance(networks, dict):
        raise invalid("Invalid object", param=param)
    preferred = networks.get("preferred") or None
    if preferred is not None and preferred not in NETWORKS:
        raise invalid(f"Invalid {param}[preferred]: must be one of "
                      f"{', '.join(NETWORKS)}", param=f"{param}[preferred]")
    return preferred


@route("POST", "/v1/tokens", {
    "card": {**CARD_PARAMS, "networks": {"preferred": STR}},
    # bank accounts, Connect account and person tokens, PII and CVC-update tokens
    **dict.fromkeys(("bank_account", "account", "person", "pii", "cvc_update", "customer"),
                    UNSUPPORTED)}, publishable=True)
def create_token(ctx, params):
    """A single-use card token, after Stripe's tokenization checks; ``card[networks]
    [preferred]`` is kept on the card."""
    raw = params.get("card")
    if raw in (None, ""):
        raise missing_param("card")
    if isinstance(raw, str):
        raise invalid("Creating a token from an existing card requires a customer.",
                      param="card")
    number, month, year, cvc = _validated_card(raw)
    address = {k[len("address_"):]: v for k, v in raw.items()
               if k.startswith("address_") and v != ""}
    preferred = preferred_network(raw.get("networks"))
    card = make_card(ctx.state, number, month, year, cvc=cvc, address=address,
                     name=raw.get("name") or None)
    card["networks"] = {"preferred": preferred}
    token = _token(card, ctx.client_ip, ctx.now)
    ctx.state.tokens[token["id"]] = token
    return token


@route("GET", "/v1/tokens/{token_id}")
def retrieve_token(ctx, params, token_id):
    token = ctx.state.tokens.get(token_id)
    if token is None and token_id in cards.MAGIC_TOKENS:
        return _token(_mint(ctx.state, token_id), None, ctx.now)
    if token is None:
        raise no_such("token", token_id)
    return token


def _mint(state, token_id):
    number, override = cards.MAGIC_TOKENS[token_id]
    year = time.gmtime().tm_year + 5
    return make_card(state, number, 12, year, cvc="123", behaviour=override)


def check_token_policy(ctx, source):
    if isinstance(source, str) and source.startswith("tok_") and \
            ctx.state.policy.get("card_tokens_end_of_life"):
        raise invalid(END_OF_LIFE, param="source")


def consume_source(ctx, source, param="source"):
    """Resolve a ``source`` parameter to a stored card, spending a token if it is one."""
    if isinstance(source, dict):
        raise StripeError(402, "invalid_request_error", RAW_PAN, param=param, stored=False)
    state = ctx.state
    if source in cards.MAGIC_TOKENS:
        return _mint(state, source)
    if source.startswith("tok_"):
        token = state.tokens.get(source)
        if token is None:
            raise no_such("token", source, param)
        if token["used"]:
            raise StripeError(400, "invalid_request_error",
                              f"You cannot use a Stripe token more than once: {source}.",
                              code="token_already_used", param=param)
        token["used"] = True
        return state.cards[token["card"]["id"]]
    card = state.cards.get(source)
    if card is None:
        raise no_such("source", source, param)
    return card
