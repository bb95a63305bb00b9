"""The dashboard: daily revenue chart, revenue per course, failed/pending counts, mode."""

import re
from datetime import timedelta
from pathlib import Path

from app.models._time import utcnow


def test_dashboard_aggregates_revenue_counts_and_mode(admin_client, insert_orders, make_course):
    """Net revenue per day and per course, failed and pending counts, test mode shown."""
    today = utcnow().replace(hour=0, minute=30, second=0, microsecond=0)
    make_course(slug="rust", title="Rust Basics")
    insert_orders([
        {"amount": 6900, "created_at": today},
        {"amount": 4900, "amount_refunded": 900, "status": "partially_refunded",
         "created_at": today},
        {"amount": 6900, "created_at": today - timedelta(days=2)},
        {"status": "failed", "paid": False, "created_at": today},
        {"status": "pending", "paid": False, "created_at": today},
        {"amount": 6900, "created_at": today - timedelta(days=45)},
        {"currency": "eur", "amount": 1000, "created_at": today},
    ])
    insert_orders([{"amount": 2500, "created_at": today - timedelta(days=1)}], course="rust")
    html = admin_client.get("/admin/").get_data(as_text=True)
    bars = dict(re.findall(r'data-day="([\d-]+)" data-amount="(\d+)"', html))
    assert len(bars) == 30
    assert bars[today.date().isoformat()] == str(6900 + 4000)
    assert bars[(today - timedelta(days=1)).date().isoformat()] == "2500"
    assert bars[(today - timedelta(days=2)).date().isoformat()] == "6900"
    assert sum(map(int, bars.values())) == 6900 + 4000 + 6900 + 2500
    assert '<strong data-testid="revenue-30d">$203.00</strong>' in html
    assert "Other currencies in the same 30 days (not in the chart):\n    €10.00" in html
    assert re.search(r'data-testid="count-failed"><a [^>]+>1</a>', html)
    assert re.search(r'data-testid="count-pending"><a [^>]+>1</a>', html)
    course_rows = re.findall(r'>([^<]+)</a></td>\s*<td class="num">(\d+)</td>'
                             r'<td class="num">([^<]+)</td>', html)
    assert ("Bulk course", "3", "$178.00") in course_rows  # last 30 days by default
    assert ("Rust Basics", "1", "$25.00") in course_rows
    all_time = admin_client.get("/admin/?period=all").get_data(as_text=True)
    assert "Revenue per course, all time" in all_time
    assert re.search(r'Bulk course</a></td>\s*<td class="num">4</td><td class="num">\$247.00',
                     all_time)
    assert "TEST" in html and "offline emulator" in html
    assert 'data-testid="test-mode-banner"' in html


def test_empty_dashboard_renders(admin_client):
    """No orders: zero bars, zero counts, no error."""
    response = admin_client.get("/admin/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="bar"') == 30
    assert "No paid orders yet." in html


def test_pages_are_usable_on_a_phone_width(admin_client, app):
    """The layout sets the viewport and loads the admin stylesheet with its phone rules."""
    html = admin_client.get("/admin/purchases").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width' in html
    assert "/static/css/admin.css" in html
    css = (Path(app.static_folder) / "css" / "admin.css").read_text(encoding="utf-8")
    assert "@media (max-width: 700px)" in css
