"""Serve the storefront locally; start the offline Stripe emulator when no keys are set.

What `make run` runs: it upgrades the database, adds the demo courses (with their
lessons) to an empty catalog, gives demo courses that have no lessons their demo
lessons, and serves the app. With STRIPE_SECRET_KEY in the environment or `.env`, the
app talks to Stripe itself (test mode) and no emulator is started.

While it runs with the emulator, the emulator's URL is recorded in LOCAL_RUN_FILE
(default instance/local-run.json) so that `flask stripe check`, `flask orders reconcile`
and every other command run in a second terminal reach the same emulator.

One run per database and emulator state file (scripts/run_lock.py). Ctrl-C or `kill`
stops it cleanly, and it may be started again at once; it also stops when the `make`
that started it is killed (scripts/lifetime.py).
"""

import errno
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.lifetime import end_with_parent  # noqa: E402
from scripts.run_lock import InUse, RunLock, database_lock  # noqa: E402

LOCAL_WEBHOOK_SECRET = "whsec_local_emulator_forwarding"


class PortBusy(Exception):
    """A port `make run` needs is taken; the message names the setting to change."""


class StateFileBroken(Exception):
    """The emulator's state file cannot be read; the message says what to do."""


def _busy(host, port, setting, exc):
    if exc.errno == errno.EADDRINUSE:
        return PortBusy(
            f"Port {port} on {host} is already in use (another `make run`?). "
            f"Stop that program or set {setting} to a free port, e.g. "
            f"{setting}={port + 1} make run"
        )
    return PortBusy(f"Cannot listen on {host}:{port} ({exc.strerror}); change {setting}.")


def _socket(host):
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    # As every server does (werkzeug, gunicorn, the emulator): connections left in
    # TIME_WAIT by the run that just stopped do not hold the port, a listener does.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


def claim_port(host, port, setting):
    """Listen on (host, port) and return the socket; PortBusy (one line) when taken."""
    sock = _socket(host)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _busy(host, port, setting, exc) from None
    return sock


def check_port(host, port, setting):
    """Raise PortBusy (one clear line) when (host, port) cannot be listened on."""
    claim_port(host, port, setting).close()


def _int_setting(name, default):
    value = os.environ.get(name) or str(default)
    try:
        number = int(value)
    except ValueError:
        raise PortBusy(f"{name}={value!r} is not a port number.") from None
    if not 0 <= number <= 65535:
        raise PortBusy(f"{name}={value!r} is not a port number (0-65535).")
    return number


def write_local_run(path, url, secret):
    """Record the emulator's URL for commands run beside `make run`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"api_base": url, "webhook_secret": secret,
                                "pid": os.getpid()}), encoding="utf-8")


def remove_local_run(path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("pid") == os.getpid():  # never remove another run's record
            path.unlink()
    except (OSError, ValueError):
        pass


def _state_file():
    from config import EMULATOR_STATE_FILE

    return os.environ.get("STRIPE_EMULATOR_STATE_FILE") or str(EMULATOR_STATE_FILE)


def _state_file_message(exc, state_file):
    """What `make run` says about an unreadable state file: what to do here (the
    emulator's own message names its command-line options, which `make run` has not)."""
    if exc.disposable:
        return (f"emulator state: {exc.problem}. Delete {state_file} to start the "
                "emulator empty (orders paid before can then no longer be refunded "
                "locally), or set STRIPE_EMULATOR_STATE_FILE to another file.")
    return f"emulator state: {exc.problem}. Set STRIPE_EMULATOR_STATE_FILE to another file."


def start_emulator(host, port, emulator_port=None):
    """Start the emulator, forwarding signed events to the app; point the app at it."""
    if emulator_port is None:
        emulator_port = int(os.environ.get("STRIPE_EMULATOR_PORT") or "12111")
    from stripe_emulator.persist import StateFileError
    from stripe_emulator.server import EmulatorServer

    secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCAL_WEBHOOK_SECRET
    # The emulator remembers its charges across restarts, like the store's database does.
    state_file = _state_file()
    try:
        emulator = EmulatorServer(
            host="127.0.0.1",
            port=emulator_port,
            forward_to=f"http://{host}:{port}/webhooks/stripe",
            webhook_secret=secret,
            quiet=False,
            state_file=state_file,
        )
    except StateFileError as exc:
        raise StateFileBroken(_state_file_message(exc, state_file)) from None
    try:
        emulator.start()
    except OSError as exc:
        emulator.stop()
        raise _busy("127.0.0.1", emulator_port, "STRIPE_EMULATOR_PORT", exc) from None
    os.environ["STRIPE_API_BASE"] = emulator.url
    os.environ["STRIPE_WEBHOOK_SECRET"] = secret
    print(f" * Offline Stripe emulator on {emulator.url} (no STRIPE_SECRET_KEY set)")
    count = len(emulator.state.charges)
    print(f" * Emulator state kept in {state_file} ({count} charge{'' if count == 1 else 's'};"
          " delete the file to start clean)")
    return emulator


def describe_stripe(app, host, port, emulator=None):
    """Say which mode and Stripe the store uses; warn about what will not work."""
    from app.payments import describe_mode

    config = app.config
    print(f" * Stripe: {describe_mode(config, emulator=emulator)}")
    if not config.get("STRIPE_WEBHOOK_SECRET"):
        print(" ! STRIPE_WEBHOOK_SECRET is empty: webhooks from Stripe will be refused. "
              f"Run `stripe listen --forward-to http://{host}:{port}/webhooks/stripe` "
              "and put the whsec_… it prints in STRIPE_WEBHOOK_SECRET.")


def prepare(app):
    """Upgrade the schema and seed the demo courses into an empty catalog."""
    from flask_migrate import upgrade

    from app.catalog.services import all_courses, seed_demo, seed_demo_lessons

    with app.app_context():
        upgrade()
        if not all_courses():
            print(f" * Added {seed_demo()} demo courses")
        elif added := seed_demo_lessons():
            print(f" * Added {added} demo lessons to demo courses that had none")


def lock_what_it_uses(lock, url, use_emulator):
    """Hold the database (and the emulator's state file): one `make run` uses them."""
    from config import Config

    owner = {"url": url}
    database = database_lock(Config().SQLALCHEMY_DATABASE_URI, ROOT / "instance")
    if database is not None:
        path, name = database
        lock.acquire(path, what=f"the database {name}", owner=owner)
    if use_emulator:
        state_file = _state_file()
        lock.acquire(f"{state_file}.lock", what=f"the emulator state file {state_file}",
                     owner=owner)


class _StopOnce:
    """Ctrl-C and `kill` (SIGTERM) stop the run: the first one raises KeyboardInterrupt
    wherever it lands; later ones (a second Ctrl-C, `make` dying) are ignored while the
    clean-up runs, so it finishes and nothing prints a traceback."""

    stopping = False

    def __call__(self, signum, frame):
        if self.stopping:
            return
        self.stopping = True
        raise KeyboardInterrupt


def serve(host, use_emulator, lock):
    """Check, lock, start the emulator, set up and serve until stopped; the exit code."""
    from werkzeug.serving import make_server

    from config import ConfigError, local_run_file

    port = _int_setting("PORT", 5000)
    emulator_port = _int_setting("STRIPE_EMULATOR_PORT", 12111)
    url = f"http://{host}:{port}"
    lock_what_it_uses(lock, url, use_emulator)
    listener = claim_port(host, port, "PORT")  # held from here: nothing can take it
    if use_emulator:
        try:
            check_port("127.0.0.1", emulator_port, "STRIPE_EMULATOR_PORT")
        except PortBusy:
            listener.close()
            raise
    emulator = None
    record = local_run_file()
    try:
        if use_emulator:
            emulator = start_emulator(host, port, emulator_port)
        from app import create_app

        try:
            app = create_app()
        except ConfigError as exc:
            print(f"Configuration error: {exc}", file=sys.stderr)
            return 2
        prepare(app)
        app.extensions["outbox_worker"].ensure_started()  # mail left by a previous run
        if app.config.get("ENV_NAME") == "development" and not app.config.get("MAIL_SERVER"):
            print(f" * No MAIL_SERVER: mail is kept local, see {url}/dev/mail/")
        describe_stripe(app, host, port, emulator=True if emulator is not None else None)
        logging.getLogger("werkzeug").setLevel(logging.INFO)
        server = make_server(host, port, app, threaded=True, fd=listener.fileno())
        if emulator is not None:
            write_local_run(record, emulator.url, os.environ["STRIPE_WEBHOOK_SECRET"])
        # Printed once the server listens: a browser or test that reads it can connect.
        print(f" * Storefront on {url}  (Ctrl-C stops it)", flush=True)
        server.serve_forever()  # returns on Ctrl-C / SIGTERM (werkzeug catches it)
    finally:
        listener.close()
        if emulator is not None:
            remove_local_run(record)
            emulator.stop()
    return 0


def main():
    signal.signal(signal.SIGINT, stop := _StopOnce())
    signal.signal(signal.SIGTERM, stop)
    end_with_parent()  # `make` killed, even by SIGKILL: stop too (SIGTERM)
    load_dotenv(ROOT / ".env")
    host = os.environ.get("HOST", "127.0.0.1")
    use_emulator = not os.environ.get("STRIPE_SECRET_KEY")
    lock = RunLock()
    try:
        return serve(host, use_emulator, lock)
    except KeyboardInterrupt:
        return 0
    except (PortBusy, InUse, StateFileBroken) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.release()


if __name__ == "__main__":
    sys.exit(main())
