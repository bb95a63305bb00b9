"""The tax and invoice settings, checked at start-up (one ConfigError line each).

Invoices are issued once the seller is named (SELLER_LEGAL_NAME); TAX_MODE other than
"off" also needs the seller's address and country. With everything left empty nothing
changes: no tax, no invoice, the emails as before.
"""

import re

from config import ConfigError

TAX_MODES = ("off", "inclusive", "exclusive")
#: ISO 3166-1 alpha-2; Stripe's country codes (and "EL" is not one: Greece is GR).
COUNTRY = re.compile(r"[A-Z]{2}")
#: A registration as printed on an invoice: a country prefix and 2 to 18 letters or
#: digits (EU VAT numbers, GB VAT, NO…MVA, CHE…, AU ABNs written without spaces).
TAX_ID = re.compile(r"[A-Z]{2}[A-Z0-9]{2,18}")
TAX_CODE = re.compile(r"txcd_\d{8}")
PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,11}")


def seller_tax_ids(config):
    """SELLER_TAX_IDS as a list ("DE 123 456 789" is read as "DE123456789")."""
    raw = config.get("SELLER_TAX_IDS") or ""
    return [re.sub(r"[\s.]", "", part).upper() for part in raw.split(",") if part.strip()]


def seller_address_lines(config):
    """SELLER_ADDRESS split into lines (by a real or written "\\n", or " | ")."""
    raw = (config.get("SELLER_ADDRESS") or "").replace("\\n", "\n").replace(" | ", "\n")
    return [line.strip() for line in raw.splitlines() if line.strip()]


def invoicing_on(config):
    """Whether the store issues invoices and credit notes (the seller is named)."""
    return bool(config.get("SELLER_LEGAL_NAME"))


def check_tax_config(config):
    """Refuse tax and invoice settings that cannot work."""
    mode = config.get("TAX_MODE", "off")
    if mode not in TAX_MODES:
        raise ConfigError(f"TAX_MODE={mode!r} is not a tax mode; use one of "
                          f"{', '.join(TAX_MODES)} (off: prices carry no tax).")
    country = config.get("SELLER_COUNTRY") or ""
    if country and not COUNTRY.fullmatch(country):
        raise ConfigError(f"SELLER_COUNTRY={country!r} is not a two-letter country code "
                          "(ISO 3166-1, e.g. DE, FR, GB, US).")
    for tax_id in seller_tax_ids(config):
        if not TAX_ID.fullmatch(tax_id):
            raise ConfigError(f"SELLER_TAX_IDS: {tax_id!r} is not a tax registration "
                              "number; write each with its country prefix, separated by "
                              "commas (e.g. DE123456789,GB123456789).")
    code = config.get("TAX_CODE_ELEARNING") or ""
    if not TAX_CODE.fullmatch(code):
        raise ConfigError(f"TAX_CODE_ELEARNING={code!r} is not a Stripe product tax code "
                          "(txcd_ and eight digits, e.g. txcd_10000000).")
    prefix = config.get("INVOICE_PREFIX") or ""
    if not PREFIX.fullmatch(prefix):
        raise ConfigError(f"INVOICE_PREFIX={prefix!r} must be 1 to 12 letters, digits, "
                          "'-' or '_', starting with a letter or digit (e.g. INV-).")
    if len(config.get("SELLER_LEGAL_NAME") or "") > 200:
        raise ConfigError("SELLER_LEGAL_NAME is longer than 200 characters.")
    if mode != "off":
        missing = [name for name in ("SELLER_LEGAL_NAME", "SELLER_ADDRESS",
                                     "SELLER_COUNTRY") if not config.get(name)]
        if missing:
            raise ConfigError(f"TAX_MODE={mode} needs {', '.join(missing)}: invoices of a "
                              "store that charges tax name the seller, its address and "
                              "its country.")
