"""Invoice numbers under a launch: 50 buyers pay at once against gunicorn (the shipped
config, several worker processes) on the suite's database (SQLite, then PostgreSQL),
with declined cards mixed in. Every paid order gets exactly one invoice, the numbers are
unique and run 1..N without a gap, and no decline takes a number."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, OrderStatus
from tests.helpers import csrf_from, new_tab
from tests.invoices.conftest import SELLER

BUYERS = 50
DECLINED = {3, 11, 17, 24, 32, 38, 45}


def _tab(server, slug):
    session = new_tab()
    page = session.get(f"{server.url}/courses/{slug}", timeout=60)
    assert page.status_code == 200, page.status_code
    return session, csrf_from(page.text)


def test_fifty_buyers_at_once_get_gap_free_unique_numbers(store_server, make_course,
                                                         card_token, emulator_control,
                                                         orders, app):
    make_course(slug="launch", title="Launch")
    server = store_server(workers=3, CHECKOUT_MAX_DECLINES="100", **SELLER)
    numbers = ["4000000000000002" if i in DECLINED else "4242424242424242"
               for i in range(BUYERS)]
    with ThreadPoolExecutor(16) as pool:
        tabs = list(pool.map(lambda _: _tab(server, "launch"), range(BUYERS)))
        tokens = list(pool.map(card_token, numbers))
    barrier = threading.Barrier(BUYERS)

    def pay(i):
        session, csrf = tabs[i]
        barrier.wait()
        return session.post(f"{server.url}/courses/launch/checkout", allow_redirects=False,
                            timeout=120, data={"csrf_token": csrf, "stripeToken": tokens[i],
                                               "stripeEmail": f"buyer{i}@example.com"})

    emulator_control.set_latency(ms=100)
    with ThreadPoolExecutor(BUYERS) as pool:
        responses = list(pool.map(pay, range(BUYERS)))
    emulator_control.set_latency(ms=0)
    assert [r.status_code for r in responses] == [302] * BUYERS, server.log()[-3000:]
    paid = [o for o in orders() if o.status == OrderStatus.PAID]
    failed = [o for o in orders() if o.status == OrderStatus.FAILED]
    assert (len(paid), len(failed)) == (BUYERS - len(DECLINED), len(DECLINED))
    with app.app_context():
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.sequence)).all()
        issued = [(i.sequence, i.number, i.order_id, i.kind) for i in invoices]
    assert [s for s, _, _, _ in issued] == list(range(1, len(paid) + 1))
    assert [n for _, n, _, _ in issued] == [f"INV-{s:06d}" for s in range(1, len(paid) + 1)]
    assert sorted(o for _, _, o, _ in issued) == sorted(o.id for o in paid)
    assert {k for _, _, _, k in issued} == {"invoice"}
    log = server.log()
    assert "Traceback" not in log and "deadlock" not in log.lower()
