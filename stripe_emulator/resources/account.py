"""The emulated account (``GET /v1/account``) and Connect's account reads, which find none
but it: every test key the emulator accepts belongs to this one US test-mode account."""
from ..auth import mask
from ..errors import StripeError
from ..parameters import LIST
from ..router import route
from .common import filter_created, paginate

ACCOUNT_ID = "acct_1OfflineEmulator"
#: What charges show (``calculated_statement_descriptor``) and the balance fees assume.
STATEMENT_DESCRIPTOR = "EMULATOR"
COUNTRY, CURRENCY = "US", "usd"
CREATED = 1577836800  # 2020-01-01, fixed so a synced copy never changes
_NO_REQUIREMENTS = {"alternatives": [], "current_deadline": None, "currently_due": [],
                    "disabled_reason": None, "errors": [], "eventually_due": [],
                    "past_due": [], "pending_verification": []}


def account() -> dict:
    """A standard US account in test mode that may take card payments and pay out."""
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "business_profile": {
            "annual_revenue": None, "estimated_worker_count": None, "mcc": "5734",
            "name": "Offline Stripe emulator", "product_description": None,
            "support_address": None, "support_email": None, "support_phone": None,
            "support_url": None, "url": None},
        "business_type": None,
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": COUNTRY,
        "created": CREATED,
        "default_currency": CURRENCY,
        "details_submitted": True,
        "email": "emulator@example.com",
        "external_accounts": {"object": "list", "data": [], "has_more": False,
                              "url": f"/v1/accounts/{ACCOUNT_ID}/external_accounts"},
        "future_requirements": dict(_NO_REQUIREMENTS),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": dict(_NO_REQUIREMENTS),
        "settings": {
            "bacs_debit_payments": {"display_name": None},
            "branding": {"icon": None, "logo": None, "primary_color": None,
                         "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                              "statement_descriptor_prefix": STATEMENT_DESCRIPTOR,
                              "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": "Offline emulator", "timezone": "Etc/UTC"},
            "payments": {"statement_descriptor": STATEMENT_DESCRIPTOR,
                         "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None},
            "payouts": {"debit_negative_balances": True,
                        "schedule": {"delay_days": 2, "interval": "daily"},
                        "statement_descriptor": None},
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": CREATED, "ip": None, "user_agent": None},
        "type": "standard",
    }


def no_access(api_key: str, account_id: str) -> StripeError:
    """Stripe's 403 for an account the key cannot reach (``Stripe-Account``, Connect reads)."""
    return StripeError(403, "invalid_request_error",
                       f"The provided key '{mask(api_key)}' does not have access to account "
                       f"'{account_id}' (or that account does not exist). Application access "
                       "may have been revoked.", code="account_invalid", stored=False)


@route("GET", "/v1/account")
def retrieve_own_account(ctx, params):
    """The account the API key belongs to."""
    return account()


@route("GET", "/v1/accounts", LIST)
def list_connected_accounts(ctx, params):
    """Connected accounts: the emulator has none (``Stripe-Account`` is its own id only)."""
    return paginate(filter_created([], params), params, "/v1/accounts", "account")


@route("GET", "/v1/accounts/{account_id}")
def retrieve_account(ctx, params, account_id):
    """The own account by id; any other id is one the key cannot reach."""
    if account_id != ACCOUNT_ID:
        raise no_access(ctx.api_key, account_id)
    return account()
