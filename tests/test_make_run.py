"""`make run` (scripts/run_local.py) in a subprocess, and the commands a developer runs in
a second terminal beside it: they reach the emulator the running store uses."""

import signal
import sqlite3
from pathlib import Path

import pytest
import requests

from tests.local_run import LocalRun, flask, free_port, refused, run_env


@pytest.fixture
def make_run(tmp_path):
    """The store started as `make run` starts it, on free ports; yields (env, ports…)."""
    run = LocalRun(run_env(tmp_path), tmp_path / "run.log").start()
    yield (run.env, run.port, int(run.env["STRIPE_EMULATOR_PORT"]), run.proc,
           run.log_path)
    run.stop()


def _insert_pending_order(db_path):
    """An order left pending by an outage two hours ago, that never reached Stripe."""
    with sqlite3.connect(db_path) as conn:
        course_id = conn.execute("SELECT id FROM courses ORDER BY id LIMIT 1").fetchone()[0]
        order_id = conn.execute(
            "INSERT INTO orders (public_id, reference, course_id, course_title, email, "
            "list_price, amount, currency, status, livemode, amount_refunded, created_at, "
            "updated_at) VALUES ('pub-reconcile-1', 'ORD-RECONCILE1', ?, 'X', "
            "'a@example.com', 6900, 6900, 'usd', 'pending', 0, 0, "
            "datetime('now', '-2 hours'), datetime('now', '-2 hours'))",
            (course_id,)).lastrowid
        conn.execute(
            "INSERT INTO payment_attempts (order_id, flow, status, request_state, amount, "
            "currency, livemode, idempotency_key, stripe_token, saved_card, created_at, "
            "updated_at) VALUES (?, 'charges', 'pending', 'written', 6900, 'usd', 0, "
            "'order-pub-reconcile-1-charge', 'tok_reconcile1', 0, "
            "datetime('now', '-2 hours'), datetime('now', '-2 hours'))", (order_id,))


def test_commands_beside_make_run_reach_its_emulator(make_run):
    env, port, emulator_port, proc, log = make_run
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    startup = log.read_text()
    assert f"Stripe: test mode, {emulator_url} (offline emulator)" in startup
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200

    check = flask(env, "stripe", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{emulator_url} (offline emulator started by `make run`)" in check.stdout
    assert "The secret key works." not in check.stdout

    _insert_pending_order(Path(env["DATABASE_URL"].removeprefix("sqlite:///")))
    reconcile = flask(env, "orders", "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
    assert f"Stripe: test mode, {emulator_url}" in reconcile.stdout
    assert "ORD-RECONCILE1: failed" in reconcile.stdout  # the emulator has no such charge
    # The SDK's per-request INFO lines stay out of the commands' output.
    assert "Request to Stripe api" not in reconcile.stderr + check.stderr
    assert "message=" not in reconcile.stderr + check.stderr
    # The emulator the store runs is the one asked: it logged the search.
    assert "/v1/charges/search" in log.read_text()

    # A second `make run` in the same checkout (same database and emulator state, other
    # ports) refuses in one line, naming the running one; the record stays the first's.
    second = refused({**env, "PORT": str(free_port()), "STRIPE_EMULATOR_PORT": str(free_port())})
    assert second.returncode == 2 and second.stdout == ""
    assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
    assert (f"the database {env['DATABASE_URL'].removeprefix('sqlite:///')} is in use by "
            f"another `make run` (pid {proc.pid}, http://127.0.0.1:{port})") in second.stderr
    assert emulator_url in Path(env["LOCAL_RUN_FILE"]).read_text()
    # One with its own database and state on the same ports says which setting to change.
    own = {**env, "DATABASE_URL": env["DATABASE_URL"] + "-2",
           "STRIPE_EMULATOR_STATE_FILE": env["STRIPE_EMULATOR_STATE_FILE"] + "-2"}
    busy = refused(own)
    assert busy.returncode == 2
    assert busy.stdout == ""  # nothing like "Storefront on …" first
    assert busy.stderr.count("\n") == 1 and "set PORT to a free port" in busy.stderr
    busy = refused({**own, "PORT": str(free_port())})
    assert busy.returncode == 2 and "Traceback" not in busy.stderr
    assert busy.stderr.count("\n") == 1
    assert "set STRIPE_EMULATOR_PORT to a free port" in busy.stderr

    # Stopped: the commands say so in one line instead of trying api.stripe.com.
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert not Path(env["LOCAL_RUN_FILE"]).exists()
    stopped = flask(env, "stripe", "check")
    assert stopped.returncode == 1
    assert "no `make run` emulator is running" in stopped.stdout
    assert "works" not in stopped.stdout and "NameResolution" not in stopped.stdout + stopped.stderr


def test_a_stale_record_says_the_emulator_is_not_answering(tmp_path):
    """make run killed hard leaves its record behind: the command says the emulator is
    not answering, in one line, instead of a connection traceback."""
    env = run_env(tmp_path)
    Path(env["LOCAL_RUN_FILE"]).write_text(f'{{"api_base": "http://127.0.0.1:{free_port()}"}}')
    result = flask(env, "orders", "reconcile")
    assert result.returncode == 1
    assert "is not answering. Is `make run` still running?" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_make_run_with_test_keys_says_mode_and_warns_without_webhook_secret(tmp_path):
    """Real test keys: make run names the mode and Stripe, and warns that webhooks will be
    refused without STRIPE_WEBHOOK_SECRET (it serves, it does not call Stripe at start)."""
    env = run_env(tmp_path, STRIPE_SECRET_KEY="sk_test_123", STRIPE_PUBLISHABLE_KEY="pk_test_123")
    run = LocalRun(env, tmp_path / "run.log").start()
    try:
        output = run.output()
        assert requests.get(run.url + "/", timeout=10).status_code == 200  # it listens
    finally:
        assert run.stop(signal.SIGTERM) == 0
    assert "Stripe: test mode, https://api.stripe.com" in output
    assert "STRIPE_WEBHOOK_SECRET is empty: webhooks from Stripe will be refused" in output
    assert "emulator" not in output.lower()
