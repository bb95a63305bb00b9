"""Serve the storefront locally; start the offline Stripe emulator when no keys are set.

Used by `make run`. With STRIPE_SECRET_KEY in the environment or `.env`, the app
talks to Stripe itself (test mode) and no emulator is started.
"""

import logging
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCAL_WEBHOOK_SECRET = "whsec_local_emulator_forwarding"


def main():
    load_dotenv(ROOT / ".env")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    emulator = None
    if not os.environ.get("STRIPE_SECRET_KEY"):
        from stripe_emulator.server import EmulatorServer

        emu_port = int(os.environ.get("STRIPE_EMULATOR_PORT", "12111"))
        secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCAL_WEBHOOK_SECRET
        emulator = EmulatorServer(
            host="127.0.0.1",
            port=emu_port,
            forward_to=f"http://{host}:{port}/webhooks/stripe",
            webhook_secret=secret,
            quiet=False,
        )
        emulator.start()
        os.environ["STRIPE_API_BASE"] = emulator.url
        os.environ["STRIPE_WEBHOOK_SECRET"] = secret
        print(f" * Offline Stripe emulator on {emulator.url} (no STRIPE_SECRET_KEY set)")
    from app import create_app

    app = create_app()
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    print(f" * Storefront on http://{host}:{port}  (Ctrl-C stops it)")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    main()
