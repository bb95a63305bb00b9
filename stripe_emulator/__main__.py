"""``python -m stripe_emulator``: run the emulator until Ctrl-C."""
import argparse
import signal
import sys
import threading

from .persist import StateFileError
from .server import EmulatorServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator",
                                     description="Offline Stripe test-mode emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--forward-to", help="URL that receives signed webhook events")
    parser.add_argument("--webhook-secret", help="whsec_… secret used to sign (default: random)")
    parser.add_argument("--webhook-retry-base", type=float, default=1.0,
                        help="seconds before the first retry; doubles each attempt")
    parser.add_argument("--webhook-max-attempts", type=int, default=4)
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    parser.add_argument("--state-file", metavar="PATH",
                        help="keep the state in this SQLite file (created if missing; loaded "
                             "at start, saved after every request); default: memory only")
    parser.add_argument("--reset", action="store_true",
                        help="with --state-file: forget what the file holds and start clean")
    args = parser.parse_args(argv)
    if args.webhook_secret and not args.webhook_secret.startswith("whsec_"):
        parser.error("--webhook-secret must start with whsec_")
    if args.reset and not args.state_file:
        parser.error("--reset needs --state-file (without one the state is never kept)")
    try:
        srv = EmulatorServer(host=args.host, port=args.port, forward_to=args.forward_to,
                             webhook_secret=args.webhook_secret, quiet=args.quiet,
                             webhook_retry_base=args.webhook_retry_base,
                             webhook_max_attempts=args.webhook_max_attempts,
                             state_file=args.state_file, reset_state=args.reset)
    except StateFileError as exc:
        print(f"stripe_emulator: {exc}", file=sys.stderr)
        return 2
    srv.start()
    print(f"Stripe emulator listening on {srv.url}", flush=True)
    print(f"  stripe.api_base = {srv.url!r}; Stripe.js: {srv.url}/js.stripe.com/v3/",
          flush=True)
    if args.state_file:
        counts = [f"{n} {name[:-1] if n == 1 else name}" for name, n in
                  (("charges", len(srv.state.charges)), ("customers", len(srv.state.customers)))]
        print(f"  state kept in {args.state_file} ({', '.join(counts)}; --reset starts clean)",
              flush=True)
    if args.forward_to:
        print(f"  forwarding events to {args.forward_to} signed with {srv.webhook_secret}",
              flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    srv.stop()
    print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
