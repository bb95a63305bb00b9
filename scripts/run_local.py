"""Serve the storefront locally; start the offline Stripe emulator when no keys are set.

What `make run` runs: it upgrades the database, adds the demo courses (with their
lessons) to an empty catalog, gives demo courses that have no lessons their demo
lessons, and serves the app. With STRIPE_SECRET_KEY in the environment or `.env`, the
app talks to Stripe itself (test mode) and no emulator is started.
"""

import logging
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCAL_WEBHOOK_SECRET = "whsec_local_emulator_forwarding"


def start_emulator(host, port):
    """Start the emulator, forwarding signed events to the app; point the app at it."""
    from config import EMULATOR_STATE_FILE
    from stripe_emulator.persist import StateFileError
    from stripe_emulator.server import EmulatorServer

    secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCAL_WEBHOOK_SECRET
    # The emulator remembers its charges across restarts, like the store's database does.
    state_file = os.environ.get("STRIPE_EMULATOR_STATE_FILE") or str(EMULATOR_STATE_FILE)
    try:
        emulator = EmulatorServer(
            host="127.0.0.1",
            port=int(os.environ.get("STRIPE_EMULATOR_PORT", "12111")),
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


def main():
    load_dotenv(ROOT / ".env")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    emulator = None if os.environ.get("STRIPE_SECRET_KEY") else start_emulator(host, port)
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
        logging.getLogger("werkzeug").setLevel(logging.INFO)
        print(f" * Storefront on http://{host}:{port}  (Ctrl-C stops it)")
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        if emulator is not None:
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
