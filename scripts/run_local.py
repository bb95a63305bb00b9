"""Serve the storefront locally; start the offline Stripe emulator when no keys are set.

What `make run` runs: it upgrades the database, adds the demo courses (with their
lessons) to an empty catalog, gives demo courses that have no lessons their demo
lessons, and serves the app. With STRIPE_SECRET_KEY in the environment or `.env`, the
app talks to Stripe itself (test mode) and no emulator is started.

While it runs with the emulator, the emulator's URL is recorded in LOCAL_RUN_FILE
(default instance/local-run.json) so that `flask stripe check`, `flask orders reconcile`
and every other command run in a second terminal reach the same emulator.
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

LOCAL_WEBHOOK_SECRET = "whsec_local_emulator_forwarding"


class PortBusy(Exception):
    """A port `make run` needs is taken; the message names the setting to change."""


def check_port(host, port, setting):
    """Raise PortBusy (one clear line) when (host, port) cannot be listened on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortBusy(
                    f"Port {port} on {host} is already in use (another `make run`?). "
                    f"Stop that program or set {setting} to a free port, e.g. "
                    f"{setting}={port + 1} make run"
                ) from None
            raise PortBusy(f"Cannot listen on {host}:{port} ({exc.strerror}); "
                           f"change {setting}.") from None


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


def start_emulator(host, port, emulator_port=None):
    """Start the emulator, forwarding signed events to the app; point the app at it."""
    if emulator_port is None:
        emulator_port = int(os.environ.get("STRIPE_EMULATOR_PORT") or "12111")
    from config import EMULATOR_STATE_FILE
    from stripe_emulator.persist import StateFileError
    from stripe_emulator.server import EmulatorServer

    secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCAL_WEBHOOK_SECRET
    # The emulator remembers its charges across restarts, like the store's database does.
    state_file = os.environ.get("STRIPE_EMULATOR_STATE_FILE") or str(EMULATOR_STATE_FILE)
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
        raise SystemExit(f"Emulator state: {exc} (setting STRIPE_EMULATOR_STATE_FILE)") from None
    emulator.start()
    os.environ["STRIPE_API_BASE"] = emulator.url
    os.environ["STRIPE_WEBHOOK_SECRET"] = secret
    print(f" * Offline Stripe emulator on {emulator.url} (no STRIPE_SECRET_KEY set)")
    count = len(emulator.state.charges)
    print(f" * Emulator state kept in {state_file} ({count} charge{'' if count == 1 else 's'};"
          " delete the file to start clean)")
    return emulator


def describe_stripe(app, host, port):
    """Say which mode and Stripe the store uses; warn about what will not work."""
    from app.payments import describe_mode

    config = app.config
    print(f" * Stripe: {describe_mode(config)}")
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


def _stop(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, _stop)  # `kill` stops it as cleanly as Ctrl-C
    load_dotenv(ROOT / ".env")
    host = os.environ.get("HOST", "127.0.0.1")
    use_emulator = not os.environ.get("STRIPE_SECRET_KEY")
    try:
        port = _int_setting("PORT", 5000)
        check_port(host, port, "PORT")
        emulator_port = _int_setting("STRIPE_EMULATOR_PORT", 12111)
        if use_emulator:
            check_port("127.0.0.1", emulator_port, "STRIPE_EMULATOR_PORT")
    except PortBusy as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    from config import local_run_file

    record = local_run_file()
    emulator = start_emulator(host, port, emulator_port) if use_emulator else None
    try:
        from app import create_app
        from app.payments import KeyConfigError

        try:
            app = create_app()
        except (KeyConfigError, RuntimeError) as exc:
            print(f"Configuration error: {exc}", file=sys.stderr)
            return 2
        prepare(app)
        app.extensions["outbox_worker"].ensure_started()  # mail left by a previous run
        if app.config.get("ENV_NAME") == "development" and not app.config.get("MAIL_SERVER"):
            print(f" * No MAIL_SERVER: mail is kept local, see http://{host}:{port}/dev/mail/")
        describe_stripe(app, host, port)
        logging.getLogger("werkzeug").setLevel(logging.INFO)
        try:
            check_port(host, port, "PORT")  # still free after the set-up?
        except PortBusy as exc:
            print(f"Cannot start: {exc}", file=sys.stderr)
            return 2
        if emulator is not None:
            write_local_run(record, emulator.url, os.environ["STRIPE_WEBHOOK_SECRET"])
        print(f" * Storefront on http://{host}:{port}  (Ctrl-C stops it)", flush=True)
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        if emulator is not None:
            remove_local_run(record)
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
