"""The purchases list, its filters, search, keyset pages, totals, and the detail page."""

import re
from datetime import UTC, datetime, timedelta

import pytest

PAGE_ROW = re.compile(r'<tr data-reference="(ORD-[A-Z0-9]+)"')


def _references(response):
    return PAGE_ROW.findall(response.get_data(as_text=True))


def _link(response, rel):
    match = re.search(rf'href="([^"]+)" rel="{rel}"', response.get_data(as_text=True))
    return match.group(1).replace("&amp;", "&") if match else None


def test_list_shows_real_purchases_newest_first_with_their_columns(admin_client, buy,
                                                                   order_row):
    """Order id, date, email, course, amount, status, card and charge id are listed."""
    first = buy(email="ada@example.com")
    second = buy(email="grace@example.com")
    response = admin_client.get("/admin/purchases")
    assert response.status_code == 200
    assert _references(response) == [second, first]
    html = response.get_data(as_text=True)
    order = order_row(second)
    for text in (order.reference, "grace@example.com", "Python Jumpstart", "$69.00",
                 "USD", "Paid", "Visa •••• 4242", order.charge_id, " UTC"):
        assert text in html


@pytest.mark.parametrize("query, expected", [
    ("status=failed", ["failed"]),
    ("status=paid", ["paid", "live", "feb"]),
    ("mode=live", ["live"]),
    ("mode=test", ["paid", "failed", "feb"]),
    ("status=paid&mode=test&from=2026-01-01&to=2026-01-01", ["paid"]),
    ("from=2026-02-01&to=2026-02-28", ["feb"]),
    ("to=2026-01-31", ["paid", "failed"]),
])
def test_filters(admin_client, insert_orders, query, expected):
    """Status, mode and date range (inclusive UTC days) narrow the list."""
    rows = insert_orders([
        {"status": "paid", "email": "paid@example.com"},
        {"status": "failed", "paid": False, "email": "failed@example.com",
         "created_at": datetime(2026, 1, 2, tzinfo=UTC)},
        {"livemode": True, "email": "live@example.com",
         "created_at": datetime(2026, 3, 1, tzinfo=UTC)},
        {"email": "feb@example.com", "created_at": datetime(2026, 2, 28, 23, 59, tzinfo=UTC)},
    ])
    by_name = {r["email"].split("@")[0]: r["reference"] for r in rows}
    response = admin_client.get(f"/admin/purchases?{query}")
    assert response.status_code == 200
    assert sorted(_references(response)) == sorted(by_name[n] for n in expected)


def test_course_filter(admin_client, insert_orders, make_course):
    """Only the chosen course's purchases are listed; the course select offers it."""
    make_course(slug="rust", title="Rust Basics")
    [mine] = insert_orders([{}], course="rust")
    insert_orders([{}])
    response = admin_client.get(f"/admin/purchases?course={mine['course_id']}")
    assert _references(response) == [mine["reference"]]
    option = f'<option value="{mine["course_id"]}" selected>Rust Basics</option>'
    assert option in response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["email", "EMAIL", "reference", "lower-reference", "charge"])
def test_search_by_email_reference_or_charge_id(admin_client, buy, order_row, how):
    """Exact match; email and order id are case-insensitive."""
    target = buy(email="Find.Me@Example.com")
    buy(email="someone@example.com")
    order = order_row(target)
    q = {"email": "find.me@example.com", "EMAIL": "FIND.ME@EXAMPLE.COM",
         "reference": target, "lower-reference": target.lower(),
         "charge": order.charge_id}[how]
    response = admin_client.get("/admin/purchases", query_string={"q": q})
    assert _references(response) == [target]


@pytest.mark.parametrize(("q", "found"), [
    ("alice", ["alice@example.com", "alice.b@other.org"]),
    ("ALICE@EX", ["alice@example.com"]),
    ("alice@example.com", ["alice@example.com"]),
    ("example.com", ["alice@example.com", "bob@example.com"]),
    ("@Other.org", ["alice.b@other.org"]),
    ("alice.b", ["alice.b@other.org"]),  # looks like a domain, no buyer has it: a prefix
    ("ali%", []), ("a_ice", []), ("zed", []),
])
def test_search_by_email_prefix_or_domain(admin_client, insert_orders, q, found):
    """An email's beginning or a domain finds its purchases; LIKE wildcards are literal."""
    insert_orders([{"email": e} for e in ("alice@example.com", "bob@example.com",
                                          "alice.b@other.org", "carol@alice.net")])
    html = admin_client.get("/admin/purchases", query_string={"q": q}).get_data(as_text=True)
    shown = sorted(e for e in ("alice@example.com", "bob@example.com", "alice.b@other.org",
                               "carol@alice.net") if f"<td data-label=\"Buyer\">{e}<" in html)
    assert shown == sorted(found)


def test_prefix_and_domain_searches_use_an_index(app, insert_orders):
    """The database answers the prefix and the domain search from an index (the plan
    names ix_orders_email_created / ix_orders_domain_created), on SQLite and PostgreSQL."""
    from sqlalchemy import select, text

    from app.admin.purchases import parse_filters
    from app.extensions import db
    from app.models import Order

    insert_orders([{"email": f"user{n}@site{n % 3}.example"} for n in range(30)])
    with app.app_context():
        dialect = db.engine.dialect.name
        for q, index in (("user1", "ix_orders_email_created"),
                         ("@site1.example", "ix_orders_domain_created")):
            query = select(Order.id).where(*parse_filters(q=q).conditions())
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            if dialect == "postgresql":
                db.session.execute(text("SET LOCAL enable_seqscan = off"))
                plan = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
            else:
                plan = [row[-1] for row in db.session.execute(
                    text(f"EXPLAIN QUERY PLAN {compiled}"))]
            db.session.rollback()
            assert any(index in line for line in plan), (q, plan)


@pytest.mark.parametrize("query, message", [
    ("status=bogus", "Unknown status"),
    ("from=yesterday", "is not a date"),
    ("from=2026-03-01&to=2026-02-01", "From date is after the To date"),
    ("mode=sandbox", "Unknown mode"),
    ("course=abc", "Unknown course"),
    ("after=not-a-cursor", "page link is not valid"),
])
def test_bad_filter_input_gets_a_message_not_a_500(admin_client, query, message):
    """Bad query strings are explained with a 400."""
    response = admin_client.get(f"/admin/purchases?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert admin_client.get(f"/admin/purchases.csv?{query}").status_code in (200, 400)


def test_keyset_pages_walk_older_and_back_newer(admin_client, insert_orders, app,
                                                monkeypatch):
    """Pages of 3 over 8 rows (two sharing a timestamp) show each row exactly once."""
    monkeypatch.setitem(app.config, "ADMIN_PAGE_SIZE", 3)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    stamps = [base + timedelta(minutes=n) for n in range(7)] + [base + timedelta(minutes=3)]
    rows = insert_orders([{"created_at": s} for s in stamps])
    expected = [r["reference"] for r in sorted(
        rows, key=lambda r: (r["created_at"], _id_of(app, r["reference"])), reverse=True)]
    pages, url = [], "/admin/purchases"
    while url:
        response = admin_client.get(url)
        pages.append(_references(response))
        url = _link(response, "next")
    assert [len(p) for p in pages] == [3, 3, 2]
    assert sum(pages, []) == expected
    assert _link(admin_client.get("/admin/purchases"), "prev") is None
    back = admin_client.get(_link(response, "prev"))
    assert _references(back) == pages[1]
    first = admin_client.get(_link(back, "prev"))
    assert _references(first) == pages[0]
    assert _link(first, "prev") is None


def _id_of(app, reference):
    from app.admin.purchases import get_purchase

    with app.app_context():
        return get_purchase(reference).id


def test_pages_keep_the_filters(admin_client, insert_orders, app, monkeypatch):
    """The Older link carries the filters along."""
    monkeypatch.setitem(app.config, "ADMIN_PAGE_SIZE", 1)
    insert_orders([{"status": "failed", "paid": False},
                   {"status": "failed", "paid": False}, {}])
    response = admin_client.get("/admin/purchases?status=failed")
    nxt = _link(response, "next")
    assert "status=failed" in nxt
    second = admin_client.get(nxt)
    assert len(_references(second)) == 1 and _link(second, "next") is None


def test_totals_count_and_sum_per_currency_for_the_filter(admin_client, insert_orders):
    """Totals: orders per currency, captured and refunded money, failed not captured."""
    insert_orders([
        {"amount": 6900}, {"amount": 4900, "amount_refunded": 1000,
                           "status": "partially_refunded"},
        {"status": "failed", "paid": False, "amount": 6900},
        {"currency": "jpy", "amount": 5000},
    ])
    list_page = admin_client.get("/admin/purchases").get_data(as_text=True)
    assert 'data-totals-src="/admin/purchases/totals?fragment=1"' in list_page
    html = admin_client.get("/admin/purchases/totals?fragment=1").get_data(as_text=True)
    usd = re.search(r'<tr data-currency="usd">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="num">([^<]+)<', usd) == ["3", "$118.00", "$10.00", "$108.00"]
    assert "¥5,000" in html
    filtered = admin_client.get("/admin/purchases/totals?status=failed")
    usd = re.search(r'<tr data-currency="usd">(.*?)</tr>', filtered.get_data(as_text=True),
                    re.S).group(1)
    assert re.findall(r'class="num">([^<]+)<', usd) == ["1", "$0.00", "$0.00", "$0.00"]


def test_detail_shows_every_field_and_no_dashboard_link_for_the_emulator(admin_client, buy,
                                                                          order_row):
    """The detail page lists the stored fields; a charge that exists only in the offline
    emulator gets no link to Stripe's dashboard, where it does not exist."""
    reference = buy(email="ada@example.com")
    order = order_row(reference)
    response = admin_client.get(f"/admin/purchases/{reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    payment = order.payment
    for value in (order.reference, order.public_id, order.email, order.charge_id,
                  payment.balance_transaction_id, payment.idempotency_key, "Visa •••• 4242",
                  "12/2034", payment.outcome_type, payment.outcome_seller_message,
                  "6900 minor units", "No refunds."):
        assert value in html
    assert "dashboard.stripe.com" not in html
    assert "in the offline emulator only (no Stripe dashboard)" in html


def test_test_charges_link_to_the_test_dashboard_with_real_stripe(app_ctx, insert_orders):
    from app.admin.purchases import dashboard_link, get_purchase

    [row] = insert_orders([{"charge_id": "ch_test123"}])
    order = get_purchase(row["reference"])
    assert dashboard_link(order) == "https://dashboard.stripe.com/test/payments/ch_test123"
    assert dashboard_link(order, real_stripe=False) is None


def test_live_orders_link_to_the_live_dashboard(app_ctx, insert_orders):
    """The dashboard link drops /test for live charges."""
    from app.admin.purchases import dashboard_link, get_purchase

    [row] = insert_orders([{"livemode": True, "charge_id": "ch_live123"}])
    order = get_purchase(row["reference"])
    assert dashboard_link(order) == "https://dashboard.stripe.com/payments/ch_live123"


def test_failed_purchase_shows_the_failure_reason_and_no_refund_form(admin_client, buy):
    """A declined attempt shows Stripe's message and codes; it cannot be refunded."""
    reference = buy(number="4000000000009995")
    html = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert 'data-testid="failure-reason"' in html
    assert "Your card has insufficient funds." in html
    assert "insufficient_funds" in html
    assert 'data-testid="refund-form"' not in html
    assert "cannot be refunded (failed)" in html


def test_unknown_purchase_is_404(admin_client):
    """A reference we never issued is a plain 404."""
    response = admin_client.get("/admin/purchases/ORD-NOPENOPE00")
    assert response.status_code == 404
    assert "There is no purchase" in response.get_data(as_text=True)
