"""The purchases list's rows as the table shows them: each cell formatted once, in Python.

Rendering 50 rows through Jinja's filters and `url_for` cost more than the query (a
`url_for` per row, and each cell a lookup on a database row): the list now gets plain
tuples of text, formatted with the same functions as the filters, and one link prefix.
"""

from typing import NamedTuple
from urllib.parse import quote

from app.money import format_money
from app.templating import format_card, format_datetime, format_status


class ListRow(NamedTuple):
    """One purchase of the list, ready to print (Jinja still escapes every value)."""

    reference: str
    url: str
    created: str
    email: str
    course_title: str
    amount: str
    currency: str
    status: str
    status_label: str
    withdrawn: bool
    livemode: bool
    card: str
    charge_id: str


def list_rows(rows, purchase_url_prefix):
    """ListRows of rows of `purchases.LIST_COLUMNS`; `purchase_url_prefix` is the purchase
    page's address without its reference (the reference is appended, quoted)."""
    return [ListRow(
        reference=row.reference,
        url=purchase_url_prefix + quote(row.reference, safe=""),
        created=format_datetime(row.created_at),
        email=row.email,
        course_title=row.course_title,
        amount=format_money(row.amount, row.currency),
        currency=row.currency.upper(),
        status=row.status.value,
        status_label=format_status(row.status),
        withdrawn=row.withdrawn_at is not None,
        livemode=bool(row.livemode),
        card=format_card(row.card_brand, row.card_last4) if row.card_last4 else "",
        charge_id=row.charge_id or "",
    ) for row in rows]
