"""The purchases list's rows as the table shows them: each row's HTML built once, in Python.

Rendering 50 rows through Jinja cost more than the query: a `url_for` per row, each cell
a lookup on a database row and an escape through Jinja's autoescape (with strftime the
slowest part). Each row is now one f-string: its cells formatted with the same functions
as the template filters, every value from the database escaped as autoescape does
(`markupsafe.escape`, skipped for text with nothing to escape), links built from one
prefix. The template prints the rows as they are (`Markup`); tests/unit/test_list_rows.py
checks the escaping.
"""

import functools
import re
from urllib.parse import quote

from markupsafe import Markup, escape

from app.models import OrderStatus
from app.money import format_money
from app.templating import format_card, format_datetime, format_status

#: A character that HTML text or an attribute value must not hold as it is.
_SPECIAL = re.compile(r"[&<>\"']")
#: A reference that `quote(…, safe="")` leaves as it is (the store's ORD-… all are).
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]+")

CHARGE = '<span class="mono id" title="{0}">{0}</span>'
WITHDRAWN = ' <span class="badge-withdrawn" data-testid="withdrawn">withdrawn</span>'
LIVE = ' <span class="badge-live">live</span>'


def _text(value):
    """`value` escaped as Jinja's autoescape does (`markupsafe.escape`); most values
    have nothing to escape and are returned as they are (a third of escape's cost)."""
    return value if _SPECIAL.search(value) is None else str(escape(value))


#: The status cell's label of each status, escaped (statuses are few and fixed).
STATUS_CELLS = {
    status: f'<span class="status status-{_text(status.value)}">'
            f"{_text(format_status(status))}</span>"
    for status in OrderStatus
}


@functools.lru_cache(maxsize=4096)
def _amount(minor, currency):
    """The amount cell's text, escaped (prices repeat: kept)."""
    return (f'{_text(format_money(minor, currency))} '
            f'<span class="currency">{_text(currency.upper())}</span>')


@functools.lru_cache(maxsize=1024)
def _card(brand, last4):
    return _text(format_card(brand, last4)) if last4 else ""


def list_rows(rows, purchase_url_prefix):
    """The table rows (`Markup`, one per purchase) of rows of `purchases.LIST_COLUMNS`;
    `purchase_url_prefix` is the purchase page's address without its reference (the
    reference is appended, quoted)."""
    prefix = _text(purchase_url_prefix)
    out = []
    for (_id, reference, created_at, email, course_title, amount, currency, status,
         livemode, withdrawn_at, card_brand, card_last4, charge_id) in rows:
        # quote's output holds no character to escape
        url = prefix + (reference if _URL_SAFE.fullmatch(reference)
                        else quote(reference, safe=""))
        reference = _text(reference)
        badges = (WITHDRAWN if withdrawn_at is not None else "") + (LIVE if livemode else "")
        charge = CHARGE.format(_text(charge_id)) if charge_id else ""
        # Every value is escaped above or here, or is this module's own markup.
        out.append(Markup(f"""
    <tr data-reference="{reference}">
      <td data-label="Order" class="nowrap"><a href="{url}">{reference}</a></td>
      <td data-label="Date">{_text(format_datetime(created_at))}</td>
      <td data-label="Buyer">{_text(email)}</td>
      <td data-label="Course">{_text(course_title)}</td>
      <td data-label="Amount" class="num"><span>{_amount(amount, currency)}</span></td>
      <td data-label="Status">{STATUS_CELLS[status]}{badges}</td>
      <td data-label="Card" class="nowrap">{_card(card_brand, card_last4)}</td>
      <td data-label="Charge">{charge}</td>
    </tr>
  """))  # noqa: S704
    return out
