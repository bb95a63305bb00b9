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
