"""A business buyer's VAT number: its format checked per country prefix, the way Stripe
Tax is told about it (`customer_details.tax_ids`).

EU numbers (Greece's prefix is EL, Northern Ireland's XI), the UK's, Switzerland's and
Norway's are accepted; the number's country must be the one the buyer declared (both
are evidence of where the buyer is). Only the format is checked here; whether the number
is registered (VIES) is the seller's to check before relying on the reverse charge.
"""

import re
from dataclasses import dataclass

from app.countries import country_name

#: Country prefix -> (pattern of what follows, what the buyer is told it looks like).
FORMATS = {
    "AT": (r"U\d{8}", "ATU and 8 digits"),
    "BE": (r"[01]\d{9}", "BE and 10 digits"),
    "BG": (r"\d{9,10}", "BG and 9 or 10 digits"),
    "CY": (r"\d{8}[A-Z]", "CY, 8 digits and a letter"),
    "CZ": (r"\d{8,10}", "CZ and 8 to 10 digits"),
    "DE": (r"\d{9}", "DE and 9 digits"),
    "DK": (r"\d{8}", "DK and 8 digits"),
    "EE": (r"\d{9}", "EE and 9 digits"),
    "EL": (r"\d{9}", "EL and 9 digits"),
    "ES": (r"[A-Z0-9]\d{7}[A-Z0-9]", "ES and 9 letters or digits"),
    "FI": (r"\d{8}", "FI and 8 digits"),
    "FR": (r"[A-HJ-NP-Z0-9]{2}\d{9}", "FR, 2 letters or digits and 9 digits"),
    "HR": (r"\d{11}", "HR and 11 digits"),
    "HU": (r"\d{8}", "HU and 8 digits"),
    "IE": (r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]", "IE, 7 digits and 1 or 2 letters"),
    "IT": (r"\d{11}", "IT and 11 digits"),
    "LT": (r"\d{9}|\d{12}", "LT and 9 or 12 digits"),
    "LU": (r"\d{8}", "LU and 8 digits"),
    "LV": (r"\d{11}", "LV and 11 digits"),
    "MT": (r"\d{8}", "MT and 8 digits"),
    "NL": (r"\d{9}B\d{2}", "NL, 9 digits, B and 2 digits"),
    "PL": (r"\d{10}", "PL and 10 digits"),
    "PT": (r"\d{9}", "PT and 9 digits"),
    "RO": (r"\d{2,10}", "RO and 2 to 10 digits"),
    "SE": (r"\d{10}01", "SE and 12 digits ending in 01"),
    "SI": (r"\d{8}", "SI and 8 digits"),
    "SK": (r"\d{10}", "SK and 10 digits"),
    "XI": (r"\d{9}|\d{12}", "XI and 9 or 12 digits"),
    "GB": (r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", "GB and 9 or 12 digits"),
    "CH": (r"E\d{9}(?:MWST|TVA|IVA)?", "CHE, 9 digits and MWST, TVA or IVA"),
    "NO": (r"\d{9}(?:MVA)?", "NO, 9 digits and MVA"),
}
#: Prefixes that are not the country's ISO code.
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
MAX_LENGTH = 40


class VatNumberError(ValueError):
    """What the buyer is told about a VAT number that cannot be used."""


@dataclass(frozen=True)
class VatNumber:
    value: str  # as printed on the invoice: "DE123456789"
    country: str  # ISO code of its country ("GR" for EL…)

    @property
    def stripe_tax_id(self):
        """The number as Stripe Tax's `customer_details.tax_ids[]` takes it."""
        if self.value.startswith("CHE"):
            digits = self.value[3:12]
            return {"type": "ch_vat", "value": f"CHE-{digits[:3]}.{digits[3:6]}."
                                               f"{digits[6:]} {self.value[12:] or 'MWST'}"}
        if self.value.startswith("NO"):
            return {"type": "no_vat", "value": self.value[2:11] + "MVA"}
        if self.value.startswith("GB"):
            return {"type": "gb_vat", "value": self.value}
        return {"type": "eu_vat", "value": self.value}


def parse(raw, *, country=None):
    """The VatNumber in `raw` (spaces, dots and dashes ignored), None when empty; raises
    VatNumberError saying what is wrong, also when it is another country's than the
    declared `country`."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw)
    if len(text) > MAX_LENGTH:
        raise VatNumberError("That VAT number is too long.")
    value = re.sub(r"[\s.\-]", "", text).upper()
    prefix = value[:2]
    if prefix not in FORMATS or not value.isascii() or not value.isalnum():
        raise VatNumberError(
            "A VAT number starts with its country's two letters, like DE123456789 or "
            "FR12345678901 (we take EU, UK, Swiss and Norwegian numbers). Leave the field "
            "empty if you buy as a private person.")
    pattern, shape = FORMATS[prefix]
    if not re.fullmatch(pattern, value[2:]):
        name = country_name(PREFIX_COUNTRY.get(prefix, prefix))
        raise VatNumberError(f"That is not a VAT number of {name}: it is {shape}.")
    number = VatNumber(value=value, country=PREFIX_COUNTRY.get(prefix, prefix))
    if country and country != number.country:
        raise VatNumberError(
            f"This VAT number is from {country_name(number.country)}, but you chose "
            f"{country_name(country)} as your country: choose the country of the "
            "business, or check the number.")
    return number
