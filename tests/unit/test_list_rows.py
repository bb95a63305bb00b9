"""The admin purchases list's rows, built in Python (app/admin/list_rows.py): every value
from the database is escaped, and each cell reads as the template filters write it."""

from datetime import UTC, datetime, timedelta, timezone

from app.admin.list_rows import list_rows
from app.models import OrderStatus
from app.templating import format_datetime

EVIL = '<script>alert("x")</script>&\''


def _row(**values):
    row = dict(id=1, reference="ORD-00000000AB", created_at=datetime(2026, 12, 3, 14, 5, 59),
               email="ada@example.com", course_title="Python", amount=6900, currency="usd",
               status=OrderStatus.PAID, livemode=False, withdrawn_at=None, card_brand="visa",
               card_last4="4242", charge_id="ch_123")
    row.update(values)
    return tuple(row.values())


def test_every_database_value_is_escaped():
    html = "".join(list_rows([_row(reference=EVIL, email=EVIL, course_title=EVIL,
                                   currency=EVIL, card_brand=EVIL, card_last4=EVIL,
                                   charge_id=EVIL)], '/admin/"purchases"/'))
    assert "<script" not in html and '"x"' not in html and "&'" not in html
    assert html.count("&lt;script&gt;") == 7  # reference twice, email, course, card, charge twice
    assert 'href="/admin/&#34;purchases&#34;/%3Cscript%3E' in html  # quoted, then escaped


def test_cells_read_as_the_filters_write_them():
    html = "".join(list_rows([_row(), _row(status=OrderStatus.PARTIALLY_REFUNDED,
                                           livemode=True, withdrawn_at=datetime(2026, 12, 4),
                                           card_last4=None, charge_id=None)],
                             "/admin/purchases/"))
    assert '<a href="/admin/purchases/ORD-00000000AB">ORD-00000000AB</a>' in html
    assert "2026-12-03 14:05 UTC" in html and "$69.00 <span class=\"currency\">USD</span>" in html
    assert '<span class="status status-paid">Paid</span></td>' in html
    assert ('<span class="status status-partially_refunded">Partially refunded</span> '
            '<span class="badge-withdrawn" data-testid="withdrawn">withdrawn</span> '
            '<span class="badge-live">live</span>') in html
    assert "Visa •••• 4242" in html and 'title="ch_123"' in html
    assert html.count('<td data-label="Charge"></td>') == 1  # no charge: an empty cell


def test_dates_in_utc_whatever_zone_they_come_in():
    moment = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
    for value in (moment, moment.replace(tzinfo=None),
                  moment.astimezone(timezone(timedelta(hours=-7, minutes=-30)))):
        assert format_datetime(value) == "2026-12-03 14:05 UTC"
    assert format_datetime(datetime(2000, 1, 1, 0, 0, 59, 999999)) == "2000-01-01 00:00 UTC"
