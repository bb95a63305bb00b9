"""The test-card catalog: number -> brand, funding, country and behaviour (REFERENCE §1).

Magic tokens (``tok_visa``…) map onto catalog numbers, optionally with a behaviour override.
"""
import hashlib
from typing import NamedTuple

# pm brand -> legacy card.brand
LEGACY_BRAND = {
    "visa": "Visa", "mastercard": "MasterCard", "amex": "American Express",
    "discover": "Discover", "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay",
    "unknown": "Unknown",
}

# behaviour -> (code, decline_code, message, param, advice_code)
DECLINES = {
    "generic": ("card_declined", "generic_decline", "Your card was declined.", None,
                "try_again_later"),
    "insufficient_funds": ("card_declined", "insufficient_funds",
                           "Your card has insufficient funds.", None, "try_again_later"),
    "lost_card": ("card_declined", "lost_card", "Your card was declined.", None,
                  "do_not_try_again"),
    "stolen_card": ("card_declined", "stolen_card", "Your card was declined.", None,
                    "do_not_try_again"),
    "expired_card": ("expired_card", "expired_card", "Your card has expired.", "exp_month",
                     "confirm_card_data"),
    "incorrect_cvc": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.",
                      "cvc", "confirm_card_data"),
    "processing_error": ("processing_error", "processing_error",
                         "An error occurred while processing your card. Try again in a little "
                         "bit.", None, "try_again_later"),
    "velocity": ("card_declined", "card_velocity_exceeded",
                 "Your card was declined for making repeated attempts too frequently or "
                 "exceeding its amount limit.", None, "try_again_later"),
    "fraudulent": ("card_declined", "fraudulent", "Your card was declined.", None,
                   "do_not_try_again"),
    "authentication_required": ("card_declined", "authentication_required",
                                "Your card was declined. This transaction requires "
                                "authentication.", None, None),
}
# Attaching these to a customer fails with the same card error.
ATTACH_DECLINES = frozenset(DECLINES) - {"authentication_required"}
CUSTOMER_FAIL = {"customer_fail": "generic", "customer_fail_lost": "lost_card",
                 "customer_fail_stolen": "stolen_card"}


class CardInfo(NamedTuple):
    brand: str          # pm brand, lowercase ("visa")
    funding: str = "credit"
    country: str = "US"
    behaviour: str | None = None


CATALOG: dict[str, CardInfo] = {
    # §1.1 success cards by brand
    "4242424242424242": CardInfo("visa"),
    "4000056655665556": CardInfo("visa", "debit"),
    "5555555555554444": CardInfo("mastercard"),
    "2223003122003222": CardInfo("mastercard"),
    "5200828282828210": CardInfo("mastercard", "debit"),
    "5105105105105100": CardInfo("mastercard", "prepaid"),
    "378282246310005": CardInfo("amex"),
    "371449635398431": CardInfo("amex"),
    "6011111111111117": CardInfo("discover"),
    "6011000990139424": CardInfo("discover"),
    "6011981111111113": CardInfo("discover", "debit"),
    "3056930009020004": CardInfo("diners"),
    "36227206271667": CardInfo("diners"),
    "3566002020360505": CardInfo("jcb", country="JP"),
    "6200000000000005": CardInfo("unionpay", country="CN"),
    "6200000000000047": CardInfo("unionpay", "debit", "CN"),
    "6205500000000000004": CardInfo("unionpay", country="CN"),
    "4000002500001001": CardInfo("visa", country="FR"),
    "5555552500001001": CardInfo("mastercard", country="FR"),
    "4000050360000001": CardInfo("visa", "debit", "AU"),
    "5555050360000080": CardInfo("mastercard", "debit", "AU"),
    # by country
    "4000000760000002": CardInfo("visa", country="BR"),
    "4000001240000000": CardInfo("visa", country="CA"),
    "4000002760000016": CardInfo("visa", country="DE"),
    "4000002500000003": CardInfo("visa", country="FR"),
    "4000008260000000": CardInfo("visa", country="GB"),
    "4000003920000003": CardInfo("visa", country="JP"),
    "3530111333300000": CardInfo("jcb", country="JP"),
    "4000003560000008": CardInfo("visa", country="IN"),
    "4000000360000006": CardInfo("visa", country="AU"),
    # §1.2 issuer declines
    "4000000000000002": CardInfo("visa", behaviour="generic"),
    "4000000000009995": CardInfo("visa", behaviour="insufficient_funds"),
    "4000000000009987": CardInfo("visa", behaviour="lost_card"),
    "4000000000009979": CardInfo("visa", behaviour="stolen_card"),
    "4000000000000069": CardInfo("visa", behaviour="expired_card"),
    "4000000000000127": CardInfo("visa", behaviour="incorrect_cvc"),
    "4000000000000119": CardInfo("visa", behaviour="processing_error"),
    "4000000000006975": CardInfo("visa", behaviour="velocity"),
    "4000000000000341": CardInfo("visa", behaviour="customer_fail"),
    # §1.4 Radar
    "4100000000000019": CardInfo("visa", behaviour="radar_block"),
    "4000000000004954": CardInfo("visa", behaviour="risk_highest"),
    "4000000000009235": CardInfo("visa", behaviour="risk_elevated"),
    "4000000000000101": CardInfo("visa", behaviour="cvc_fail"),
    "4000000000000036": CardInfo("visa", behaviour="zip_fail"),
    "4000000000000028": CardInfo("visa", behaviour="line1_fail"),
    "4000000000000010": CardInfo("visa", behaviour="avs_fail"),
    "4000000000000044": CardInfo("visa", behaviour="avs_unchecked"),
    # §1.5 disputes and balance
    "4000000000000259": CardInfo("visa", behaviour="dispute_fraudulent"),
    "4000000000002685": CardInfo("visa", behaviour="dispute_product_not_received"),
    "4000000000001976": CardInfo("visa", behaviour="dispute_inquiry"),
    "4000000000000077": CardInfo("visa"),
    "4000003720000278": CardInfo("visa", country="MX"),
    # §1.6 3-D Secure (the Charges API cannot authenticate: those decline there)
    "4000002760003184": CardInfo("visa", country="DE", behaviour="authentication_required"),
    "4000002500003155": CardInfo("visa", country="FR", behaviour="auth_unless_set_up"),
    "4000003800000446": CardInfo("visa", country="IT", behaviour="set_up_for_off_session"),
    "4000008260003178": CardInfo("visa", country="GB",
                                 behaviour="auth_then_insufficient_funds"),
    "4000000000003220": CardInfo("visa", country="IE", behaviour="three_ds2_required"),
    "4000008400000027": CardInfo("visa", behaviour="three_ds2_required"),
    "4000008400001629": CardInfo("visa", behaviour="three_ds_then_declined"),
    "4000008400001280": CardInfo("visa", behaviour="three_ds_lookup_error"),
    "4000000000003055": CardInfo("visa"),  # 3-D Secure supported, not required
    "4000000000003097": CardInfo("visa"),
    "4000000032200000": CardInfo("visa"),  # frictionless: authenticates without a challenge
}


class ThreeDS(NamedTuple):
    """How a 3-D Secure test card behaves in PaymentIntent and SetupIntent flows."""

    off_session: str  # when off-session payments need authentication: always/unless_set_up/never
    then: str | None = None  # the ``DECLINES`` behaviour a payment gets after authenticating


#: Cards that ask for authentication on every on-session payment and setup (§1.6).
THREE_D_SECURE = {
    "authentication_required": ThreeDS("always"),  # 3184: every transaction
    "auth_unless_set_up": ThreeDS("unless_set_up"),  # 3155: off-session fine once set up
    "set_up_for_off_session": ThreeDS("never"),  # 0446: already set up for off-session
    "auth_then_insufficient_funds": ThreeDS("always", "insufficient_funds"),  # 3178
    "three_ds2_required": ThreeDS("always"),  # 3220, 0027
    "three_ds_then_declined": ThreeDS("always", "generic"),  # 1629
    "three_ds_lookup_error": ThreeDS("always", "generic"),  # 1280: lookup fails, declined
}
#: 3-D Secure cannot run for these (``request_three_d_secure=any`` is ignored).
NO_THREE_D_SECURE = frozenset({"three_ds_not_supported"})

# token name -> (card number, behaviour override or None)
MAGIC_TOKENS: dict[str, tuple[str, str | None]] = {
    "tok_visa": ("4242424242424242", None),
    "tok_us": ("4242424242424242", None),
    "tok_visa_debit": ("4000056655665556", None),
    "tok_mastercard": ("5555555555554444", None),
    "tok_mastercard_debit": ("5200828282828210", None),
    "tok_mastercard_prepaid": ("5105105105105100", None),
    "tok_amex": ("378282246310005", None),
    "tok_amex_threeDSecureNotSupported": ("378282246310005", None),
    "tok_discover": ("6011111111111117", None),
    "tok_diners": ("3056930009020004", None),
    "tok_jcb": ("3566002020360505", None),
    "tok_unionpay": ("6200000000000005", None),
    "tok_visa_cartesBancaires": ("4000002500001001", None),
    "tok_mastercard_cartesBancaires": ("5555552500001001", None),
    "tok_br": ("4000000760000002", None),
    "tok_ca": ("4000001240000000", None),
    "tok_de": ("4000002760000016", None),
    "tok_fr": ("4000002500000003", None),
    "tok_gb": ("4000008260000000", None),
    "tok_jp": ("4000003920000003", None),
    "tok_in": ("4000003560000008", None),
    "tok_au": ("4000000360000006", None),
    "tok_bypassPending": ("4000000000000077", None),
    "tok_bypassPendingInternational": ("4000003720000278", None),
    "tok_chargeDeclined": ("4000000000000002", None),
    "tok_visa_chargeDeclined": ("4000000000000002", None),
    "tok_chargeDeclinedInsufficientFunds": ("4000000000009995", None),
    "tok_visa_chargeDeclinedInsufficientFunds": ("4000000000009995", None),
    "tok_visa_debit_chargeDeclinedInsufficientFunds": ("4000000000009995", None),
    "tok_chargeDeclinedLostCard": ("4000000000009987", None),
    "tok_visa_chargeDeclinedLostCard": ("4000000000009987", None),
    "tok_chargeDeclinedStolenCard": ("4000000000009979", None),
    "tok_visa_chargeDeclinedStolenCard": ("4000000000009979", None),
    "tok_chargeDeclinedExpiredCard": ("4000000000000069", None),
    "tok_visa_chargeDeclinedExpiredCard": ("4000000000000069", None),
    "tok_chargeDeclinedIncorrectCvc": ("4000000000000127", None),
    "tok_visa_chargeDeclinedIncorrectCvc": ("4000000000000127", None),
    "tok_chargeDeclinedProcessingError": ("4000000000000119", None),
    "tok_visa_chargeDeclinedProcessingError": ("4000000000000119", None),
    "tok_visa_chargeDeclinedVelocityLimitExceeded": ("4000000000006975", None),
    "tok_visa_chargeDeclinedFraudulent": ("4000000000000002", "fraudulent"),
    "tok_chargeCustomerFail": ("4000000000000341", None),
    "tok_visa_chargeCustomerFail": ("4000000000000341", None),
    "tok_visa_chargeCustomerFailLostCard": ("4000000000000341", "customer_fail_lost"),
    "tok_visa_chargeCustomerFailStolenCard": ("4000000000000341", "customer_fail_stolen"),
    "tok_radarBlock": ("4100000000000019", None),
    "tok_chargeDeclinedFraudulent": ("4100000000000019", None),
    "tok_riskLevelHighest": ("4000000000004954", None),
    "tok_riskLevelElevated": ("4000000000009235", None),
    "tok_cvcCheckFail": ("4000000000000101", None),
    "tok_avsZipFail": ("4000000000000036", None),
    "tok_avsLine1Fail": ("4000000000000028", None),
    "tok_avsFail": ("4000000000000010", None),
    "tok_avsUnchecked": ("4000000000000044", None),
    "tok_createDispute": ("4000000000000259", None),
    "tok_createDisputeProductNotReceived": ("4000000000002685", None),
    "tok_createDisputeInquiry": ("4000000000001976", None),
    "tok_threeDSecure2Required": ("4000000000003220", None),
    "tok_threeDSecureRequiredChargeDeclined": ("4000008400001629", None),
    "tok_threeDSecureRequiredProcessingError": ("4000008400001280", None),
    "tok_threeDSecureOptional": ("4000000000003055", None),
}

#: Test PaymentMethod ids (``pm_card_visa``…): every magic token's ``pm_card_`` twin plus
#: the 3-D Secure cards that have no token. Each use makes a new ``pm_…`` copy (§2.3).
TEST_PAYMENT_METHODS: dict[str, tuple[str, str | None]] = {
    "pm_card_" + name[len("tok_"):]: value for name, value in MAGIC_TOKENS.items()
}
TEST_PAYMENT_METHODS.update({
    "pm_card_authenticationRequired": ("4000002760003184", None),
    "pm_card_authenticationRequiredOnSetup": ("4000002500003155", None),
    "pm_card_authenticationRequiredSetupForOffSession": ("4000003800000446", None),
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": ("4000008260003178", None),
    "pm_card_threeDSecure2Required": ("4000000000003220", None),
    "pm_card_amex_threeDSecureNotSupported": ("378282246310005", "three_ds_not_supported"),
})

_PREFIX_BRANDS = (
    ("34", "amex"), ("37", "amex"), ("6011", "discover"), ("65", "discover"),
    ("644", "discover"), ("300", "diners"), ("301", "diners"), ("302", "diners"),
    ("303", "diners"), ("304", "diners"), ("305", "diners"), ("36", "diners"),
    ("38", "diners"), ("35", "jcb"), ("62", "unionpay"), ("4", "visa"), ("5", "mastercard"),
    ("2", "mastercard"),
)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def lookup(number: str) -> CardInfo:
    """Catalog entry, or a plain successful card whose brand comes from the number prefix."""
    info = CATALOG.get(number)
    if info:
        return info
    for prefix, brand in _PREFIX_BRANDS:
        if number.startswith(prefix):
            return CardInfo(brand)
    return CardInfo("unknown")


def fingerprint(number: str) -> str:
    """Stable 16-character fingerprint per card number."""
    digest = hashlib.sha256(b"stripe-emulator:" + number.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % 62] for b in digest[:16])
