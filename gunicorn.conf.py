"""Production server settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Threaded workers (gthread): a checkout spends most of its time waiting on Stripe, with no
database connection or transaction held (the flows commit before they call), so each
process serves WEB_THREADS requests at once and a course launch does not queue behind
Stripe. The database pool follows the thread count (SERVER_THREADS, app/database.py).
Every value can be set from the environment. The worker timeout must stay above the
store's Stripe time budget (STRIPE_REQUEST_BUDGET), so that a slow Stripe gives the buyer
a "we are confirming your payment" page instead of a killed worker; the app refuses to
start when it does not.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "64"))
# The app sizes its database pool from this (config.SERVER_THREADS); one source of truth.
os.environ["SERVER_THREADS"] = str(threads)
# Connections waiting for a free thread (a launch's burst), beyond which the kernel queues.
backlog = 2048
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
    """Before a worker serves: compile the store's templates (app.templating.warm_up),
    then start its outbox thread (queued mail)."""
    outbox = getattr(worker.wsgi, "extensions", {}).get("outbox_worker")
    if outbox is not None:  # the store (the bench's bare Flask app has no outbox)
        from app.templating import warm_up

        warm_up(worker.wsgi)
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
