"""Launch day, served as the README's production command serves it (gunicorn with the
shipped gunicorn.conf.py: threaded workers), Stripe answering in 300 ms, every buyer
behind one address (a school, an office, a proxy with TRUST_PROXY_HOPS left at 0), on
the suite's database (SQLite, then PostgreSQL in CI).

100 buyers with good cards all pay (none is refused as "too many declined payments", none
gets a 5xx or is left pending), and the card-testing limit still holds for 40 declined
cards at once. The server's log has no traceback and no per-request SDK lines."""

import threading
from concurrent.futures import ThreadPoolExecutor

from app.models import OrderStatus
from tests.helpers import csrf_from, new_tab

BUYERS = 100


def _tab(server, slug):
    session = new_tab()
    page = session.get(f"{server.url}/courses/{slug}", timeout=60)
    assert page.status_code == 200, page.status_code
    return session, csrf_from(page.text)


def _all_at_once(server, slug, tabs, tokens, emails):
    barrier = threading.Barrier(len(tabs))

    def post(i):
        session, csrf = tabs[i]
        barrier.wait()
        return session.post(f"{server.url}/courses/{slug}/checkout", allow_redirects=False,
                            timeout=120, data={"csrf_token": csrf, "stripeToken": tokens[i],
                                               "stripeEmail": emails[i]})

    with ThreadPoolExecutor(len(tabs)) as pool:
        return list(pool.map(post, range(len(tabs))))


def _prepared(server, slug, card_token, numbers):
    with ThreadPoolExecutor(16) as pool:
        tabs = list(pool.map(lambda _: _tab(server, slug), numbers))
        tokens = list(pool.map(card_token, numbers))
    return tabs, tokens


def test_a_hundred_buyers_behind_one_address_all_pay(store_server, make_course, card_token,
                                                     emulator_control, stripe_sdk, orders):
    make_course(slug="launch", title="Launch")
    server = store_server(workers=2)
    tabs, tokens = _prepared(server, "launch", card_token, ["4242424242424242"] * BUYERS)
    emulator_control.set_latency(ms=300)
    responses = _all_at_once(server, "launch", tabs, tokens,
                             [f"buyer{i}@example.com" for i in range(BUYERS)])
    emulator_control.set_latency(ms=0)
    statuses = [r.status_code for r in responses]
    assert statuses == [302] * BUYERS, (sorted(set(statuses)), server.log()[-3000:])
    assert all("/orders/" in r.headers["Location"] for r in responses)
    paid = orders()
    assert len(paid) == BUYERS and {o.status for o in paid} == {OrderStatus.PAID}
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).auto_paging_iter()
    assert sorted(c.id for c in charges) == sorted(o.charge_id for o in paid)
    log = server.log()
    assert "Traceback" not in log and "database is locked" not in log
    assert "Request to Stripe api" not in log  # the SDK's INFO lines are off in production


def test_forty_declined_cards_at_once_reach_stripe_at_most_the_limit(
        store_server, make_course, card_token, emulator_control, stripe_sdk, orders):
    make_course(slug="testing", title="Testing")
    server = store_server(workers=2, CHECKOUT_MAX_DECLINES="10")
    tabs, tokens = _prepared(server, "testing", card_token, ["4000000000000002"] * 40)
    emulator_control.set_latency(ms=300)
    responses = _all_at_once(server, "testing", tabs, tokens,
                             [f"tester{i}@example.com" for i in range(40)])
    emulator_control.set_latency(ms=0)
    assert all(r.status_code < 500 for r in responses), server.log()[-3000:]
    charges = list(stripe_sdk.v1.charges.list(params={"limit": 100}).auto_paging_iter())
    assert 1 <= len(charges) <= 10
    assert {c.status for c in charges} == {"failed"}
    # Each buyer is sent back to the course page, which says why.
    said = [session.get(f"{server.url}{r.headers['Location']}", timeout=60).text
            for (session, _), r in zip(tabs, responses, strict=True)]
    refused = sum("Too many declined payments" in text for text in said)
    declined = sum("declined" in text and "Too many" not in text for text in said)
    assert refused >= 30 and (refused, declined) == (40 - len(charges), len(charges))
    assert "Traceback" not in server.log()
