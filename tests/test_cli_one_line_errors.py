"""What a developer trips over beside `make run` (issue 22, "Developers"), each through a
real subprocess with the bad settings: a key mistake or a database never set up is one
line in every `flask` command (and in gunicorn's start, and a clear page from the
server), never a traceback; `stripe check` calls only the real emulator "offline
emulator"; answering no to `lessons remove` is not a failure."""

import os
import subprocess
import sys

import pytest
import requests

from scripts.lifetime import ends_with_this_process
from tests.local_run import ROOT, flask, free_port, refused, run_env, wait_until
from tests.server_process import StoreServer

KEY_MISTAKES = {
    "no publishable key": (
        {"STRIPE_SECRET_KEY": "sk_test_abc123"},
        "STRIPE_PUBLISHABLE_KEY is not set (pk_test_… or pk_live_…)."),
    "live key without ALLOW_LIVE_KEYS": (
        {"STRIPE_SECRET_KEY": "sk_live_abc123", "STRIPE_PUBLISHABLE_KEY": "pk_live_abc123"},
        "Live Stripe keys are configured but ALLOW_LIVE_KEYS is not true."),
    "pk_live beside sk_test": (
        {"STRIPE_SECRET_KEY": "sk_test_abc123", "STRIPE_PUBLISHABLE_KEY": "pk_live_abc123"},
        "STRIPE_SECRET_KEY is a test key but STRIPE_PUBLISHABLE_KEY is a live key."),
    "not a key": (
        {"STRIPE_SECRET_KEY": "hello"}, "STRIPE_SECRET_KEY must start with sk_ or rk_."),
    "publishable key as the secret": (
        {"STRIPE_SECRET_KEY": "pk_test_abc123", "STRIPE_PUBLISHABLE_KEY": "pk_test_abc123"},
        "STRIPE_SECRET_KEY holds a publishable key (pk_…)."),
}


def _one_line(result, prefix):
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(prefix), result.stderr
    return result.stderr


@pytest.mark.parametrize("mistake", KEY_MISTAKES)
def test_a_key_mistake_is_the_same_one_line_in_a_command_as_in_make_run(tmp_path, mistake):
    settings, message = KEY_MISTAKES[mistake]
    env = run_env(tmp_path, **settings)
    check = flask(env, "stripe", "check")
    assert check.returncode == 2 and check.stdout == ""
    line = _one_line(check, f"Configuration error: {message}")
    made = refused(env)
    assert made.returncode == 2 and made.stdout == ""
    assert made.stderr == line  # word for word what `make run` says


@pytest.mark.parametrize("args", [
    ["orders", "reconcile"], ["courses", "list"], ["courses", "lessons", "list", "x"],
    ["seed-demo"], ["admin", "create", "a@example.com"], ["purchases", "export"],
    ["mail", "flush"], ["access", "backfill"], ["throttle", "list"], ["db", "upgrade"],
    ["throttle", "clear", "--all", "--help"], ["coupons", "list"], ["--help"],
], ids=" ".join)
def test_every_command_says_a_key_mistake_in_one_line(tmp_path, args):
    """Wherever the app is loaded (any command, its --help, the command list)."""
    env = run_env(tmp_path, STRIPE_SECRET_KEY="sk_test_abc123")
    result = flask(env, *args, input="")
    assert result.returncode == 2 and result.stdout == ""
    _one_line(result, "Configuration error: STRIPE_PUBLISHABLE_KEY is not set")


def test_gunicorn_says_a_bad_setting_in_one_line(tmp_path):
    """Production's start: one line before any worker boots, not a traceback per worker."""
    server = StoreServer(database_url=f"sqlite:///{tmp_path / 'store.db'}",
                         stripe_api_base="", env={"STRIPE_SECRET_KEY": "sk_live_abc123",
                                                  "STRIPE_PUBLISHABLE_KEY": "pk_live_abc"})
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "app:create_app()"], cwd=ROOT, env=server.env, capture_output=True, text=True,
        timeout=120, preexec_fn=ends_with_this_process())
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output and "Booting worker" not in output, output
    assert result.stderr.endswith(
        "Configuration error: Live Stripe keys are configured but ALLOW_LIVE_KEYS is not "
        "true. Set ALLOW_LIVE_KEYS=true (and STORE_ENV=production) to take real "
        "payments.\n"), output


def _not_set_up(url, table):
    return (f"Database not set up: {url} lacks the store's tables or is behind its "
            f"migrations ({table}). Run `flask --app app db upgrade` (or `make run`, "
            "which does it).\n")


@pytest.mark.parametrize(("args", "table"), [
    (["orders", "reconcile"], "no such table: payment_attempts"),
    (["courses", "list"], "no such table: courses"),
    (["throttle", "list"], "no such table: throttles"),
    (["mail", "list"], "no such table: outbox"),
    (["purchases", "export"], "no such table: orders"),
    (["coupons", "list"], "no such table: coupons"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_a_database_never_set_up_is_one_line(tmp_path, emulator, args, table):
    """The issue's `DATABASE_URL=sqlite:///new.db flask --app app orders reconcile`: one
    line saying what to run, exit status 1; after `db upgrade` the command works."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    env = run_env(tmp_path, DATABASE_URL=url, STRIPE_API_BASE=emulator.url)
    result = flask(env, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == _not_set_up(url, table)
    if args == ["orders", "reconcile"]:
        assert flask(env, "db", "upgrade").returncode == 0
        after = flask(env, *args)
        assert after.returncode == 0 and "0 pending order(s) checked." in after.stdout


@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres"),
                    reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_postgresql_database_never_set_up_is_one_line(tmp_path):
    """The same on PostgreSQL: a search path with none of the store's tables."""
    base = os.environ["TEST_DATABASE_URL"]
    url = base + ("&" if "?" in base else "?") + "options=-csearch_path%3Dnever_set_up"
    result = flask(run_env(tmp_path, DATABASE_URL=url), "courses", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("Database not set up: postgresql://")
    assert 'lacks the store\'s tables or is behind its migrations (relation "courses" ' \
           "does not exist). Run `flask --app app db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_server_on_a_database_never_set_up_shows_a_page_and_logs_one_line(tmp_path):
    """gunicorn started on an empty database: 503 with a plain message (not a 500), and
    one log line per request saying what to run, no traceback."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    server = StoreServer(database_url=url, stripe_api_base="",
                         env={"MAIL_WORKER": "true", "MAIL_POLL_SECONDS": "1"})
    server.start(tmp_path / "gunicorn.log", ready_status=503)
    try:
        for path in ("/", "/courses/python-jumpstart", "/orders/abc"):
            page = requests.get(server.url + path, timeout=30)
            assert page.status_code == 503
            assert "This store is not open yet: its database has not been set up." in page.text
        wait_until(lambda: "Outbox worker: database not set up" in server.log(), 30,
                   "the outbox worker's line")
    finally:
        server.stop()
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log
    assert f"ERROR app.errors: {_not_set_up(url, 'no such table: courses').strip()}" in log


def test_stripe_check_names_a_custom_endpoint_that_is_not_the_emulator(tmp_path, emulator):
    """A STRIPE_API_BASE that does not answer the emulator's health check is named as a
    custom endpoint (here a plain HTTP server), and its failure is one line; the real
    emulator at a custom address is still recognised."""
    port = free_port()
    other = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                              "127.0.0.1"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, preexec_fn=ends_with_this_process())
    try:
        wait_until(lambda: _answers(port), 30, "the plain HTTP server")
        custom = flask(run_env(tmp_path, STRIPE_API_BASE=f"http://127.0.0.1:{port}"),
                       "stripe", "check")
    finally:
        other.terminate()
        other.wait()
    assert custom.returncode == 1
    assert custom.stdout.splitlines() == [
        f"Stripe: test mode, http://127.0.0.1:{port} (custom STRIPE_API_BASE, not the "
        "offline emulator)",
        "Stripe could not be reached: Invalid response body from API: <!DOCTYPE HTML> "
        "(HTTP 404)"]
    real = flask(run_env(tmp_path, STRIPE_API_BASE=emulator.url), "stripe", "check")
    assert real.returncode == 0
    lines = real.stdout.splitlines()
    assert lines[:3] == [
        f"Stripe: test mode, {emulator.url} (offline emulator)",
        "The offline emulator answers (with its built-in test key).",
        "Payment flows this account can use:"]
    assert [line.split(":")[0].strip() for line in lines[3:6]] == [
        "charges", "payment_intents", "checkout"]


def _answers(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok
    except requests.RequestException:
        return False


def test_answering_no_to_lessons_remove_removes_nothing_and_succeeds(tmp_path):
    env = run_env(tmp_path)
    assert flask(env, "db", "upgrade").returncode == 0
    assert flask(env, "seed-demo").returncode == 0
    listing = flask(env, "courses", "lessons", "list", "python-jumpstart").stdout
    result = flask(env, "courses", "lessons", "remove", "python-jumpstart", "1", input="n\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("[y/N]: Nothing removed.\n") and result.stderr == ""
    assert flask(env, "courses", "lessons", "list", "python-jumpstart").stdout == listing
