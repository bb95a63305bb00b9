"""Application factory."""

import logging

from flask import Flask

from config import BASE_DIR, Config, ConfigError


def create_app(config=None):
    """Create and configure the storefront app; a setting that cannot work raises
    ConfigError (one `Configuration error: …` line under the `flask` command)."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config or Config())
    _check_config(app)
    _trust_proxy(app)
    _configure_logging(app)
    _register_request_guard(app)
    _register_converters(app)
    _register_sessions(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _check_config(app):
    """Refuse settings that cannot work. Loaded by a `flask` command, the ConfigError
    becomes one line and exit status 2 (app/cli/errors.py), as `make run` shows it."""
    try:
        if not app.config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY is not set. Production needs a long random value.")
        _check_stripe_keys(app)
        _check_time_budget(app)
        _check_mail_config(app)
        _check_payment_flow(app)
        _check_tax_config(app)
        level = app.config.get("STRIPE_LOG_LEVEL", "warning")
        if level not in STRIPE_LOG_LEVELS:
            raise ConfigError(f"STRIPE_LOG_LEVEL={level!r} is not a log level; use one of "
                              f"{', '.join(STRIPE_LOG_LEVELS)}.")
    except ConfigError as error:
        import click

        if click.get_current_context(silent=True) is None:
            raise
        from app.cli.errors import exit_on_configuration_error

        exit_on_configuration_error(error)


def _check_stripe_keys(app):
    from app.payments import check_keys

    check_keys(app.config)


def _check_time_budget(app):
    """Stripe calls of one request must end well before the worker is killed."""
    budget, timeout = app.config["STRIPE_REQUEST_BUDGET"], app.config["WORKER_TIMEOUT"]
    if budget <= 0 or budget + 10 > timeout:
        from app.payments import KeyConfigError

        raise KeyConfigError(
            f"STRIPE_REQUEST_BUDGET ({budget:g} s) must be positive and at least 10 s "
            f"below WORKER_TIMEOUT ({timeout} s), the server's worker timeout."
        )


def _check_payment_flow(app):
    """PAYMENT_FLOW names a flow the store has."""
    from app.flows.registry import CHECKOUT_FLOWS

    flow = app.config["PAYMENT_FLOW"]
    if flow not in CHECKOUT_FLOWS:
        raise ConfigError(f"PAYMENT_FLOW={flow!r} is not a payment flow; use one of "
                          f"{', '.join(sorted(CHECKOUT_FLOWS))}.")
    minutes = app.config["CHECKOUT_SESSION_MINUTES"]
    if not 30 <= minutes <= 1440:
        raise ConfigError(f"CHECKOUT_SESSION_MINUTES={minutes} must be from 30 to 1440 "
                          "(Stripe keeps a Checkout page open from 30 minutes to 24 hours).")


def _check_tax_config(app):
    from app.invoices.settings import check_tax_config

    check_tax_config(app.config)


def _check_mail_config(app):
    from app.mail.transport import check_mail_config

    check_mail_config(app.config)


def _trust_proxy(app):
    """Behind a reverse proxy, take the client address and scheme from its headers."""
    hops = app.config.get("TRUST_PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_request_guard(app):
    # Before the extensions, so CSRF and the views never see a refused request.
    from app.request_guard import register

    register(app)


def _register_sessions(app):
    from app import sessions

    sessions.register(app)  # the cookie's signing serializer built once per key


def _register_converters(app):
    from app import ids

    ids.register(app)  # `<id:…>` in routes: every id in a URL is range-checked there


STRIPE_LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO,
                     "warning": logging.WARNING, "error": logging.ERROR}


def _configure_logging(app):
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # The SDK's per-request INFO lines stay out of the server's log and the commands'
    # output unless STRIPE_LOG_LEVEL asks for them (warnings and errors always show).
    logging.getLogger("stripe").setLevel(
        STRIPE_LOG_LEVELS[app.config.get("STRIPE_LOG_LEVEL", "warning")])


def register_extensions(app):
    from app import models  # noqa: F401  (register the tables with the metadata)
    from app.database import engine_options, release_connection
    from app.extensions import csrf, db, login_manager, mail, migrate
    from app.mail import worker

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], threads=app.config["SERVER_THREADS"],
        pool_size=app.config["DATABASE_POOL_SIZE"]))
    db.init_app(app)
    app.extensions["before_stripe_call"] = [release_connection]
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    worker.init_app(app)
    from app.flows import settle_due

    app.extensions["outbox_worker"].add_pass(settle_due)
    from app.orders import record_tax_due

    app.extensions["outbox_worker"].add_pass(record_tax_due)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (BASE_DIR / "instance").mkdir(exist_ok=True)


def register_blueprints(app):
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.catalog import bp as catalog_bp
    from app.checkout import bp as checkout_bp
    from app.mail.dev import bp as dev_mail_bp
    from app.policies import bp as policies_bp
    from app.webhooks import bp as webhooks_bp

    app.register_blueprint(catalog_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(dev_mail_bp)
    app.register_blueprint(policies_bp)


def register_errorhandlers(app):
    from app.errors import register

    register(app)


def register_security_headers(app):
    """CSP, no-store on private pages and the hardening headers (app/security_headers.py)."""
    from app.security_headers import register

    register(app)


def register_template_helpers(app):
    from app.templating import register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)
