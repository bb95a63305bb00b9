"""The purchases list's rows as the table shows them: each row's HTML built once, in Python.

Rendering 50 rows through Jinja cost more than the query: a `url_for` per row, each cell
a lookup on a database row and an escape through Jinja's autoescape (with strftime the
slowest part). Each row is now one string: its cells formatted with the same functions
as the template filters, every value from the database escaped exactly once
(`markupsafe.escape`, as Jinja's autoescape does), links built from one prefix. The
template prints the rows as they are (`Markup`).
"""

import functools
from urllib.parse import quote

from markupsafe import Markup, escape

from app.models import OrderStatus
from app.money import format_money
from app.templating import format_card, format_datetime, format_status

#: One row of the table (the markup templates/admin/purchases.html used to hold).
ROW = """
    <tr data-reference="{reference}">
      <td data-label="Order" class="nowrap"><a href="{url}">{reference}</a></td>
      <td data-label="Date">{created}</td>
      <td data-label="Buyer">{email}</td>
      <td data-label="Course">{course_title}</td>
      <td data-label="Amount" class="num"><span>{amount} <span class="currency">{currency}</span></span></td>
      <td data-label="Status">{status}{badges}</td>
      <td data-label="Card" class="nowrap">{card}</td>
      <td data-label="Charge">{charge}</td>
    </tr>
  """  # noqa: E501  (the HTML as the browser gets it)
CHARGE = '<span class="mono id" title="{0}">{0}</span>'
WITHDRAWN = ' <span class="badge-withdrawn" data-testid="withdrawn">withdrawn</span>'
LIVE = ' <span class="badge-live">live</span>'
#: The status cell's label of each status, escaped (statuses are few and fixed).
STATUS_CELLS = {
    status: f'<span class="status status-{escape(status.value)}">'
            f"{escape(format_status(status))}</span>"
    for status in OrderStatus
}


@functools.lru_cache(maxsize=4096)
def _amount(minor, currency):
    """The amount and currency cells' text, escaped (prices repeat: kept)."""
    return escape(format_money(minor, currency)), escape(currency.upper())


@functools.lru_cache(maxsize=1024)
def _card(brand, last4):
    return escape(format_card(brand, last4)) if last4 else ""


def list_rows(rows, purchase_url_prefix):
    """The table rows (`Markup`, one per purchase) of rows of `purchases.LIST_COLUMNS`;
    `purchase_url_prefix` is the purchase page's address without its reference (the
    reference is appended, quoted)."""
    prefix = escape(purchase_url_prefix)
    out = []
    for (_id, reference, created_at, email, course_title, amount, currency, status,
         livemode, withdrawn_at, card_brand, card_last4, charge_id) in rows:
        amount_text, currency_text = _amount(amount, currency)
        # Every value below is escaped (or one of this module's constants): safe markup.
        out.append(Markup(ROW.format(  # noqa: S704
            reference=escape(reference),
            url=prefix + escape(quote(reference, safe="")),
            created=escape(format_datetime(created_at)),
            email=escape(email),
            course_title=escape(course_title),
            amount=amount_text,
            currency=currency_text,
            status=STATUS_CELLS[status],
            badges=(WITHDRAWN if withdrawn_at is not None else "")
            + (LIVE if livemode else ""),
            card=_card(card_brand, card_last4),
            charge=CHARGE.format(escape(charge_id)) if charge_id else "",
        )))
    return out
