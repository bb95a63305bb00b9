"""A peer's real code against the emulator: dj-stripe 2.11 syncs and processes webhooks.

dj-stripe runs in its own virtualenv with its own pins (Django 5.2, stripe-python 15;
``requirements-djstripe.txt``), built on first use under ``.peers-cache/``
(``djstripe_env.py``), inside a small Django project (``peersite/``) whose database its own
migrations built. The test process runs an emulator, makes objects the way the store does
(the store's stripe-python), and asks dj-stripe, one subprocess per step, to sync them
(``sync_from_stripe_data``, ``djstripe_sync_models``, ``Event.process``) and to take the
emulator's signed webhooks in its webhook view, registered through
``POST /v1/webhook_endpoints`` as dj-stripe's admin does. It then reads back every row
dj-stripe stored. If the environment cannot be installed the tests fail, saying why.
"""
import json
import queue
import shutil
import subprocess
import threading
import time

import pytest
import requests
import stripe

from stripe_emulator.control import EmulatorControl
from stripe_emulator.resources.account import ACCOUNT_ID
from stripe_emulator.server import EmulatorServer
from stripe_emulator.webhooks import sign

from .djstripe_env import PEERS, InstallError, ensure, site_env

pytestmark = pytest.mark.peer
#: dj-stripe accepts only keys of the form ``sk_test_`` + 24 or more letters and digits.
KEY = "sk_test_peers0djstripe0emulator0key"
STEP_TIMEOUT = 300


@pytest.fixture(scope="module")
def djstripe():
    """The built environment; a failed install fails every test here with pip's words."""
    try:
        return ensure()
    except InstallError as exc:
        pytest.fail(f"dj-stripe's test environment could not be built: {exc}", pytrace=False)


class Peer:
    """The emulator, dj-stripe's site serving its webhook view, and dj-stripe's steps."""

    def __init__(self, env, db, emulator, site_url, log):
        self.env, self.db, self.emulator, self.site_url, self.log = env, db, emulator, \
            site_url, log
        self.client = stripe.StripeClient(KEY, base_addresses={"api": emulator.url})
        self.ctl = EmulatorControl(emulator.url)

    def run(self, step, *args):
        """One step in dj-stripe's venv; its JSON answer (a Python error fails the test)."""
        proc = subprocess.run(
            [str(self.env.python), "-m", "peersite.steps", step, *args], cwd=PEERS,
            env=site_env(self.db, STRIPE_API_HOST=self.emulator.url, PEERSITE_STRIPE_KEY=KEY),
            capture_output=True, text=True, timeout=STEP_TIMEOUT)
        assert proc.returncode == 0, f"dj-stripe step {step} {args} failed:\n{proc.stderr}"
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _announced_port(proc, timeout=120):
    """The port ``peersite.serve`` prints once it listens (or fail with its stderr)."""
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = ""
    if not line.startswith("PORT "):
        proc.kill()
        pytest.fail(f"dj-stripe's site did not start: {line!r}\n{proc.stderr.read()}")
    return int(line.split()[1])


@pytest.fixture(scope="module")
def peer(djstripe, tmp_path_factory):
    """A fresh copy of the migrated database, an emulator, and the site serving both."""
    folder = tmp_path_factory.mktemp("djstripe")
    db = folder / "djstripe.sqlite3"
    shutil.copyfile(djstripe.template_db, db)
    with EmulatorServer(host="127.0.0.1", port=0, webhook_retry_base=0.2,
                        webhook_max_attempts=3) as emulator:
        log = open(folder / "site.log", "w+")  # noqa: SIM115 - closed below
        site = subprocess.Popen(
            [str(djstripe.python), "-m", "peersite.serve"], cwd=PEERS,
            env=site_env(db, STRIPE_API_HOST=emulator.url, PEERSITE_STRIPE_KEY=KEY),
            stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            port = _announced_port(site)
            yield Peer(djstripe, db, emulator, f"http://127.0.0.1:{port}", log)
        finally:
            site.terminate()
            site.wait(timeout=10)
            site.stdout.close()
            log.close()


def holds(stored: dict, served) -> bool:
    """dj-stripe stored every field the emulator serves, unchanged (it adds a few of its
    own, such as a customer's ``deleted: false``)."""
    served = served.to_dict() if hasattr(served, "to_dict") else served

    def same(mine, theirs):  # dj-stripe may keep an expanded object where we see its id
        if isinstance(mine, dict) and isinstance(theirs, str):
            return mine.get("id") == theirs
        return mine == theirs

    missing = {k: v for k, v in served.items() if not same(stored.get(k, object()), v)}
    assert missing == {}, f"dj-stripe's copy differs in {sorted(missing)}"
    return True


def _every(list_call):
    """All objects of an emulator list, through stripe-python's auto-paging."""
    return {o.id: o.to_dict() for o in list_call(params={"limit": 100}).auto_paging_iter()}


def _store_like_objects(client):
    """What the store makes: a customer saving two cards, a saved-card charge, a token
    charge, partial and full refunds, a disputed charge, a declined charge."""
    v1 = client.v1
    cus = v1.customers.create(params={"email": "buyer@example.com", "name": "Jenny Rosen",
                                      "source": "tok_visa", "metadata": {"buyer_id": "7"}})
    second = v1.customers.payment_sources.create(cus.id, params={"source": "tok_mastercard"})
    saved = v1.charges.create(params={
        "amount": 6900, "currency": "usd", "customer": cus.id, "source": cus.default_source,
        "description": "Course — Shop", "metadata": {"order_id": "41"},
        "receipt_email": "buyer@example.com"})
    token = v1.charges.create(params={"amount": 5000, "currency": "jpy", "source": "tok_visa",
                                      "metadata": {"order_id": "42"}})
    partial = v1.refunds.create(params={"charge": saved.id, "amount": 1000,
                                        "reason": "requested_by_customer"})
    full = v1.refunds.create(params={"charge": token.id})
    disputed = v1.charges.create(params={"amount": 2500, "currency": "usd",
                                         "source": "tok_createDispute"})
    dispute = v1.disputes.list(params={"charge": disputed.id}).data[0]
    with pytest.raises(stripe.CardError):
        v1.charges.create(params={"amount": 2500, "currency": "usd",
                                  "source": "tok_chargeDeclinedInsufficientFunds"})
    return {"customer": cus, "cards": [cus.default_source, second.id], "saved": saved,
            "token": token, "partial": partial, "full": full, "disputed": disputed,
            "dispute": dispute}


def test_sync_from_stripe_data_of_every_kind_the_store_creates(peer):
    """Customer, both cards, the PaymentMethod view of a card, charges, refunds, the
    dispute, balance transactions and events: each synced row holds what the emulator
    serves and points at the right rows."""
    made = _store_like_objects(peer.client)
    cus, saved, token = made["customer"], made["saved"], made["token"]
    peer.run("sync", "customer", cus.id)
    peer.run("sync", "card", *[f"{cus.id}/{card}" for card in made["cards"]])
    peer.run("sync", "payment_method", made["cards"][1])
    peer.run("sync", "charge", saved.id, token.id, made["disputed"].id)
    peer.run("sync", "refund", made["partial"].id, made["full"].id)
    peer.run("sync", "dispute", made["dispute"].id)
    peer.run("sync", "balance_transaction", saved.balance_transaction,
             made["partial"].balance_transaction)
    events = peer.client.v1.events.list(params={"limit": 100}).data
    refunded = next(e for e in events if e.type == "charge.refunded"
                    and e.data.object.id == token.id)
    succeeded = next(e for e in events if e.type == "charge.succeeded"
                     and e.data.object.id == saved.id)
    assert peer.run("process_event", refunded.id, succeeded.id)["processed"] == [
        refunded.id, succeeded.id]
    rows = peer.run("report")
    v1 = peer.client.v1

    account = rows["account"][ACCOUNT_ID]["data"]
    assert (account["country"], account["default_currency"]) == ("US", "usd")
    assert account["charges_enabled"] is True
    customer = rows["customer"][cus.id]
    assert holds(customer["data"], v1.customers.retrieve(cus.id))
    assert customer["owner"] == ACCOUNT_ID
    for card in made["cards"]:
        assert holds(rows["card"][card]["data"],
                     v1.customers.payment_sources.retrieve(cus.id, card))
    assert rows["payment_method"][made["cards"][1]]["data"]["card"]["last4"] == "4444"
    for charge in (saved, token, made["disputed"]):
        row = rows["charge"][charge.id]
        assert holds(row["data"], v1.charges.retrieve(charge.id))
        assert row["fk"]["balance_transaction"] == charge.balance_transaction
        assert row["fk"]["payment_method"] == charge.payment_method
        assert charge.payment_method in rows["payment_method"]
    assert rows["charge"][saved.id]["fk"]["customer"] == cus.id
    assert rows["charge"][saved.id]["data"]["amount_refunded"] == 1000
    assert rows["charge"][token.id]["data"]["refunded"] is True
    for refund, charge in ((made["partial"], saved), (made["full"], token)):
        assert rows["refund"][refund.id]["fk"]["charge"] == charge.id
        assert holds(rows["refund"][refund.id]["data"], v1.refunds.retrieve(refund.id))
    dispute = rows["dispute"][made["dispute"].id]
    assert dispute["fk"]["charge"] == made["disputed"].id
    assert dispute["data"]["status"] == "needs_response"
    txn = rows["balance_transaction"][made["partial"].balance_transaction]["data"]
    assert (txn["type"], txn["amount"]) == ("refund", -1000)
    assert {refunded.id, succeeded.id} <= set(rows["event"])


MODELS = ["Account", "Customer", "PaymentMethod", "Charge", "Refund", "Dispute",
          "BalanceTransaction", "Event", "WebhookEndpoint"]


def test_djstripe_sync_models_syncs_every_kind_without_an_error(peer):
    """``manage.py djstripe_sync_models`` (with ``--fail-on-error``) lists every kind
    from the emulator and stores each object, the customers' cards included."""
    made = _store_like_objects(peer.client)
    result = peer.run("sync_models", *MODELS)
    assert result["ok"], result["stderr"]
    assert "Error" not in result["stderr"] and "Failed" not in result["stderr"], \
        result["stderr"]
    rows = peer.run("report")
    v1 = peer.client.v1
    assert set(rows["customer"]) == set(_every(v1.customers.list))
    assert set(rows["charge"]) == set(_every(v1.charges.list))
    assert set(rows["refund"]) == set(_every(v1.refunds.list))
    assert set(rows["dispute"]) == set(_every(v1.disputes.list))
    assert set(rows["balance_transaction"]) == set(_every(v1.balance_transactions.list))
    assert set(rows["event"]) >= set(_every(v1.events.list))
    assert set(made["cards"]) <= set(rows["card"])
    assert set(made["cards"]) <= set(rows["payment_method"])
    assert set(rows["account"]) == {ACCOUNT_ID}
    failed = rows["charge"][_failed_charge_id(v1)]["data"]
    assert (failed["status"], failed["failure_code"]) == ("failed", "card_declined")


def _failed_charge_id(v1):
    return next(c.id for c in v1.charges.list(params={"limit": 100}).auto_paging_iter()
                if c.status == "failed")


def _wait_for_deliveries(ctl, endpoint_id, event_ids, timeout=120):
    """The emulator's delivery log once every event reached the endpoint (or gave up)."""
    deadline = time.monotonic() + timeout
    while True:
        done = [d for d in ctl.deliveries() if d["endpoint"] == endpoint_id]
        finished = {d["event_id"] for d in done if d["ok"] or d["attempt"] >= 3}
        if set(event_ids) <= finished or time.monotonic() > deadline:
            return done
        time.sleep(0.05)


def test_djstripe_webhook_view_processes_the_emulators_signed_events(peer):
    """An endpoint registered the way dj-stripe's admin does it gets every event, signed
    with its own secret; dj-stripe verifies each one, processes it (its handlers sync the
    charges, the dispute and the customer) and answers 200."""
    registered = peer.run("register_webhook", peer.site_url)
    assert registered["has_secret"] and registered["url"].startswith(peer.site_url)
    endpoint = peer.client.v1.webhook_endpoints.retrieve(registered["id"])
    assert endpoint.metadata["djstripe_uuid"] == registered["uuid"]
    assert endpoint.enabled_events == ["*"] and endpoint.url == registered["url"]
    before = set(_every(peer.client.v1.events.list))
    made = _store_like_objects(peer.client)
    peer.client.v1.customers.update(made["customer"].id, params={"name": "J. Rosen"})
    peer.client.v1.customers.payment_sources.delete(made["customer"].id, made["cards"][1])
    new_events = {i: e for i, e in _every(peer.client.v1.events.list).items()
                  if i not in before}
    assert {e["type"] for e in new_events.values()} >= {
        "customer.created", "customer.source.created", "customer.updated",
        "customer.source.deleted", "charge.succeeded", "charge.failed", "charge.refunded",
        "refund.created", "charge.dispute.created"}
    deliveries = _wait_for_deliveries(peer.ctl, registered["id"], new_events)
    refused = [d for d in deliveries if d["status"] not in (200, None)]
    peer.log.seek(0)
    assert refused == [], f"{refused}\n--- dj-stripe's site log ---\n{peer.log.read()[-6000:]}"
    # every event answered 200 (a retry after a timeout on a very busy machine is fine)
    assert {d["event_id"] for d in deliveries if d["ok"]} == set(new_events)

    rows = peer.run("report")
    triggers = {t["event"]: t for t in rows["webhook_triggers"] if t["event"] in new_events}
    assert set(triggers) == set(new_events)
    assert all(t["valid"] and t["processed"] and t["exception"] == ""
               for t in triggers.values()), triggers
    assert {t["endpoint"] for t in triggers.values()} == {registered["id"]}
    # What dj-stripe's handlers do with them: charge.* sync the charge (the refunds show
    # in it), charge.dispute.* the dispute, customer.* the customer.
    v1 = peer.client.v1
    for charge in ("saved", "token", "disputed"):
        assert holds(rows["charge"][made[charge].id]["data"], v1.charges.retrieve(made[charge].id))
    assert rows["charge"][made["saved"].id]["data"]["amount_refunded"] == 1000
    assert rows["charge"][made["token"].id]["data"]["refunded"] is True
    assert rows["charge"][_failed_charge_id(v1)]["data"]["status"] == "failed"
    assert rows["dispute"][made["dispute"].id]["fk"]["charge"] == made["disputed"].id
    assert holds(rows["customer"][made["customer"].id]["data"],
                 v1.customers.retrieve(made["customer"].id))


def test_djstripe_refuses_a_delivery_whose_signature_is_not_the_endpoints(peer):
    """The same view answers 400 to an event body signed with another secret: the 200s
    above come from signatures dj-stripe really checked."""
    registered = peer.run("register_webhook", peer.site_url)
    event = peer.client.v1.events.list(params={"limit": 1}).data[0]
    body = json.dumps(event.to_dict())
    forged = requests.post(registered["url"], data=body.encode(), timeout=30, headers={
        "Content-Type": "application/json", "Stripe-Signature": sign(body, "whsec_wrong")})
    assert forged.status_code == 400
    rows = peer.run("report")
    assert [t["valid"] for t in rows["webhook_triggers"]
            if t["endpoint"] == registered["id"]] == [False]


def test_an_install_that_fails_says_so_with_pips_own_words(tmp_path, monkeypatch):
    """No package index reachable: ``ensure`` raises (the fixture turns it into a failure,
    never a skip), naming the step and quoting pip; nothing is marked as built."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    with pytest.raises(InstallError) as info:
        ensure(tmp_path / "cache")
    message = str(info.value)
    assert "pip install -r tests/peers/requirements-djstripe.txt failed" in message
    assert "dj-stripe==2.11.0" in message or "No matching distribution" in message, message
    assert not list((tmp_path / "cache").glob("djstripe-*/READY"))
