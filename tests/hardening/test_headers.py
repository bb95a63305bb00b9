"""Production headers: a Content-Security-Policy everywhere, no-store on private pages,
and receipts that never show Stripe's raw errors."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus


def _csp(response):
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/courses/python-jumpstart", "/courses/nope",
                                 "/orders/nope", "/admin/login", "/admin/", "/static/css/site.css",
                                 "/webhooks/stripe"])
def test_every_response_carries_the_content_security_policy(client, make_course, emulator,
                                                            url):
    make_course()
    with client.get(url) as response:
        csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # Forms post to the store; hosted Checkout answers one with a redirect to Stripe's page
    # (the emulator's when it stands in for Stripe), which form-action must allow.
    assert csp["form-action"] == ["'self'", "https://checkout.stripe.com", emulator.url]
    assert "https://js.stripe.com" in csp["script-src"] and "'self'" in csp["script-src"]
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(csp["frame-src"])
    assert "https://api.stripe.com" in csp["connect-src"]
    assert emulator.url in csp["script-src"] and emulator.url in csp["connect-src"]
    assert emulator.url in csp["frame-src"]  # the emulator's 3-D Secure modal
    assert not any("unsafe" in v for values in csp.values() for v in values)
    assert csp["style-src"] == ["'self'"]


def test_the_policy_lists_only_stripe_without_the_emulator(app):
    from app.security_headers import content_security_policy

    policy = content_security_policy({"STRIPE_JS_URL": "https://js.stripe.com/v3/",
                                      "STRIPE_API_BASE": ""})
    assert "127.0.0.1" not in policy and "http:" not in policy
    policy = content_security_policy({"STRIPE_JS_URL": "http://10.0.0.5:12111/js.stripe.com/v3/",
                                      "STRIPE_API_BASE": "http://10.0.0.5:12111"})
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com " \
           "http://10.0.0.5:12111;" in policy


def test_templates_have_no_inline_script_style_or_handlers():
    """What the policy forbids is not in any page template (emails are not pages: mail
    clients need inline styles and never see the policy)."""
    from pathlib import Path

    pages = [p for p in Path("templates").rglob("*.html") if p.parts[1] != "email"]
    assert len(pages) >= 10
    for path in pages:
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html, path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert not re.search(r"\sstyle\s*=", html), path
        assert "javascript:" not in html, path


@pytest.mark.parametrize("url", ["/admin/", "/admin/purchases", "/admin/purchases/totals",
                                 "/admin/purchases.csv", "/admin/login", "/account",
                                 "/account/orders"])
def test_private_pages_are_not_stored_by_caches(admin_client, url):
    with admin_client.get(url) as response:
        assert response.headers.get("Cache-Control") == "no-store", (url, response.status_code)


def test_receipts_are_not_stored_but_the_catalog_may_be(client, make_course, buy, app):
    make_course()
    reference = buy()
    with app.app_context():
        public_id = db.session.scalar(select(Order.public_id)
                                      .where(Order.reference == reference))
    assert client.get(f"/orders/{public_id}").headers["Cache-Control"] == "no-store"
    assert client.get("/orders/not-an-order").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


@pytest.mark.parametrize("status", [401, 400, 404, 429, 500])
def test_the_public_receipt_never_shows_stripes_raw_error(client, make_course, card_token, app,
                                                          emulator_control, checkout, status):
    """Stripe's own words for an API error (request id, masked key) stay in the logs."""
    make_course()
    emulator_control.inject_fault(status=status, path="/v1/charges", count=1)
    checkout("python-jumpstart", card_token(), email="raw@example.com")
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == "raw@example.com"))
        stored = order.payment.failure_message or ""
        public_id, state = order.public_id, order.status
    assert state == (OrderStatus.PENDING if status == 500 else OrderStatus.FAILED)
    assert stored  # Stripe's raw words were kept for the admin and the logs
    html = client.get(f"/orders/{public_id}").get_data(as_text=True)
    for secret in ("req_", "sk_test", "sk_live", "Request ", "API key", "API Key"):
        assert secret not in html, (secret, stored)
    assert stored not in html
    assert "please do not pay again" in html.lower() if status == 500 else \
        "you have not been charged" in html


def test_a_declined_receipt_still_says_what_the_bank_said(client, make_course, card_token, app,
                                                          checkout):
    make_course()
    checkout("python-jumpstart", card_token("4000000000009995"), email="nsf@example.com")
    with app.app_context():
        public_id = db.session.scalar(select(Order.public_id)
                                      .where(Order.email == "nsf@example.com"))
    html = client.get(f"/orders/{public_id}").get_data(as_text=True)
    assert "Your card has insufficient funds." in html
