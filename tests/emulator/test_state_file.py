"""``--state-file`` / ``EmulatorServer(state_file=…)``: the state survives restarts, a kill
and Ctrl-C; ``--reset`` and ``POST /_emulator/reset`` start clean; tests stay in memory."""
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import stripe

from scripts.lifetime import ends_with_this_process
from stripe_emulator.control import EmulatorControl
from stripe_emulator.server import EmulatorServer

from .helpers import API_KEY

ROOT = Path(__file__).resolve().parents[2]


def _client(url):
    return stripe.StripeClient(API_KEY, base_addresses={"api": url})


def test_state_survives_a_restart(tmp_path):
    path = tmp_path / "emu.sqlite3"
    key = str(uuid.uuid4())
    with EmulatorServer(state_file=path) as srv:
        c = _client(srv.url)
        ch = c.v1.charges.create(params={"amount": 6900, "currency": "usd",
                                         "source": "tok_visa", "metadata": {"order_id": "42"},
                                         "description": "Course"},
                                 options={"idempotency_key": key})
        cus = c.v1.customers.create(params={"email": "a@example.com",
                                            "source": "tok_chargeCustomerFail"})
        c.v1.customers.delete(c.v1.customers.create().id)
        EmulatorControl(srv.url).set_policy(card_tokens_end_of_life=True)
        balance = c.v1.balance.retrieve().pending[0].amount
    assert path.exists()

    with EmulatorServer(state_file=path) as srv:
        c = _client(srv.url)
        again = c.v1.charges.retrieve(ch.id)
        assert again.to_dict() == ch.to_dict()
        assert [x.id for x in c.v1.charges.search(
            params={"query": "metadata['order_id']:'42'"}).data] == [ch.id]
        assert [x.id for x in c.v1.charges.list().data] == [ch.id]
        refund = c.v1.refunds.create(params={"charge": ch.id})
        assert refund.status == "succeeded" and c.v1.charges.retrieve(ch.id).refunded
        assert [e.type for e in c.v1.events.list(params={"limit": 3}).data][:2] == [
            "refund.created", "charge.refunded"]
        # The idempotency answer was kept: the SDK's retry replays instead of charging again.
        replay = c.v1.charges.create(params={"amount": 6900, "currency": "usd",
                                             "source": "tok_visa",
                                             "metadata": {"order_id": "42"},
                                             "description": "Course"},
                                     options={"idempotency_key": key})
        assert replay.id == ch.id and replay.last_response.headers["Idempotent-Replayed"]
        # The card's test behaviour and the policy were kept too.
        with pytest.raises(stripe.CardError):
            c.v1.charges.create(params={"amount": 500, "currency": "usd", "customer": cus.id})
        assert EmulatorControl(srv.url).health()["objects"]["customers"] == 1
        assert requests.get(f"{srv.url}/_emulator/policy", timeout=5).json() == {
            "card_tokens_end_of_life": True}
        assert c.v1.balance.retrieve().pending[0].amount == balance - 6900
        # New objects after a restart sort after the old ones.
        ctl = EmulatorControl(srv.url)
        ctl.set_policy(card_tokens_end_of_life=False)
        newer = c.v1.charges.create(params={"amount": 100, "currency": "usd",
                                            "source": "tok_visa"})
        listed = [x.id for x in c.v1.charges.list().data]  # new, the declined one, the old
        assert len(listed) == 3 and (listed[0], listed[-1]) == (newer.id, ch.id)
        ctl.reset()  # forgets the file's contents as well
    with EmulatorServer(state_file=path) as srv:
        assert EmulatorControl(srv.url).health()["objects"]["charges"] == 0


def test_memory_only_by_default(emu):
    assert emu.state_file is None and emu.state.persistence is None


def _start(path, *extra):
    proc = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", "0", "--quiet",
                             "--state-file", str(path), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ends_with_this_process())
    first = proc.stdout.readline()
    assert first.startswith("Stripe emulator listening on "), proc.stderr.read()
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    return proc, first.rsplit(" ", 1)[-1].strip(), lines


def test_cli_state_file_survives_kill_and_ctrl_c(tmp_path):
    path = tmp_path / "instance" / "stripe-emulator.sqlite3"
    proc, url, _ = _start(path)
    try:
        c = _client(url)
        ids = [c.v1.charges.create(params={"amount": 2000 + i, "currency": "usd",
                                           "source": "tok_visa"}).id for i in range(3)]
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown code runs
        proc.communicate(timeout=10)

    proc, url, lines = _start(path)
    try:
        assert "state kept in" in lines[1] and "(3 charges" in lines[1]
        c = _client(url)
        assert [x.id for x in c.v1.charges.list().data] == ids[::-1]
        refund = c.v1.refunds.create(params={"charge": ids[0], "amount": 500})
        assert refund.amount == 500
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err

    proc, url, lines = _start(path)
    try:
        assert _client(url).v1.charges.retrieve(ids[0]).amount_refunded == 500
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)

    proc, url, lines = _start(path, "--reset")
    try:
        assert "(0 charges" in lines[1]
        assert _client(url).v1.charges.list().data == []
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b""])
def test_unreadable_state_file_is_one_clear_line(tmp_path, content):
    path = tmp_path / "state.sqlite3"
    if content:
        path.write_bytes(content)
    else:
        path.mkdir()  # a folder where the file should be
    result = subprocess.run([sys.executable, "-m", "stripe_emulator", "--port", "0",
                             "--state-file", str(path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=30, preexec_fn=ends_with_this_process())
    assert result.returncode == 2
    assert result.stderr.startswith("stripe_emulator: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_reset_needs_a_state_file():
    result = subprocess.run([sys.executable, "-m", "stripe_emulator", "--reset"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30,
                            preexec_fn=ends_with_this_process())
    assert result.returncode == 2 and "--reset needs --state-file" in result.stderr


def test_make_run_keeps_the_emulator_state_in_the_instance_folder(tmp_path, monkeypatch):
    """scripts/run_local.py (``make run``) gives its emulator a state file."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run_local
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from config import EMULATOR_STATE_FILE

    assert EMULATOR_STATE_FILE == ROOT / "instance" / "stripe-emulator.sqlite3"
    path = tmp_path / "emu.sqlite3"
    for name, value in (("STRIPE_EMULATOR_STATE_FILE", str(path)),
                        ("STRIPE_EMULATOR_PORT", "0"), ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
                        ("STRIPE_API_BASE", os.environ.get("STRIPE_API_BASE", ""))):
        monkeypatch.setenv(name, value)
    emulator = run_local.start_emulator("127.0.0.1", 5999)
    try:
        assert Path(emulator.state_file.path) == path
        _client(emulator.url).v1.charges.create(params={"amount": 2000, "currency": "usd",
                                                        "source": "tok_visa"})
    finally:
        emulator.stop()
    with EmulatorServer(state_file=path) as srv:
        assert len(srv.state.charges) == 1


def test_concurrent_requests_are_all_saved(tmp_path):
    import threading

    path = tmp_path / "emu.sqlite3"
    with EmulatorServer(state_file=path) as srv:
        errors = []

        def work(n):
            c = _client(srv.url)
            try:
                for i in range(25):
                    ch = c.v1.charges.create(params={"amount": 1000 + i, "currency": "usd",
                                                     "source": "tok_visa",
                                                     "metadata": {"order_id": f"{n}-{i}"}})
                    if i % 5 == 0:
                        c.v1.refunds.create(params={"charge": ch.id, "amount": 100})
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    with EmulatorServer(state_file=path) as srv:
        assert (len(srv.state.charges), len(srv.state.refunds)) == (200, 40)
        found = _client(srv.url).v1.charges.search(params={"query": "metadata['order_id']:'7-20'"})
        assert len(found.data) == 1 and found.data[0].amount_refunded == 100
