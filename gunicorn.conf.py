"""Production server settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Every value can be set from the environment. The worker timeout must stay above the
store's Stripe time budget (STRIPE_REQUEST_BUDGET), so that a slow Stripe gives the buyer
a "we are confirming your payment" page instead of a killed worker; the app refuses to
start when it does not.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Seconds a worker may spend on one request before gunicorn kills it (its default is 30).
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Behind one reverse proxy on the same host (see TRUST_PROXY_HOPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Start the store's outbox thread (queued mail) in each worker as soon as it is up."""
    outbox = getattr(worker.wsgi, "extensions", {}).get("outbox_worker")
    if outbox is not None:
        outbox.ensure_started()


def on_starting(server):
    """Refuse a setting that cannot work in one line, before any worker starts (each
    worker that failed to build the app would print its traceback instead)."""
    from app import create_app
    from config import ConfigError

    try:
        create_app()
    except ConfigError as error:
        raise SystemExit(f"Configuration error: {error}") from None
