"""Policy pages: written in the admin (Markdown, sanitized), each save a new version,
linked from the footer and beside Pay in every flow's form; the version shown at
checkout is stored on the order and shown on the admin purchase page."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, PolicyVersion
from tests.helpers import csrf_from

TOKEN_RE = re.compile(r'name="policy_versions" value="([^"]*)"')


def _write(client, kind, body, preview=False):
    page = client.get(f"/admin/policies/{kind}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "body": body}
    data["preview" if preview else "save"] = "1"
    return client.post(f"/admin/policies/{kind}", data=data)


def _versions(app, kind):
    with app.app_context():
        return db.session.scalars(select(PolicyVersion.version)
                                  .where(PolicyVersion.kind == kind)
                                  .order_by(PolicyVersion.version)).all()


def test_each_save_is_a_new_version_and_the_page_is_sanitized(admin_client, app):
    """Two saves make versions 1 and 2 (the same text again makes none); the public page
    shows the latest through the lesson sanitizer, and version 1 stays readable."""
    assert admin_client.get("/policies/terms").status_code == 404
    assert _write(admin_client, "terms", "## Terms\n\nFirst.").status_code == 302
    response = _write(admin_client, "terms",
                      "## Terms\n\nSecond <script>alert(1)</script> [x](javascript:alert(1))")
    assert response.status_code == 302
    assert _write(admin_client, "terms", "## Terms\n\nFirst.").status_code == 302
    assert _versions(app, "terms") == [1, 2, 3]
    same = _write(admin_client, "terms", "## Terms\n\nFirst.")
    assert same.status_code == 302 and _versions(app, "terms") == [1, 2, 3]
    assert "Nothing changed" in admin_client.get("/admin/policies/terms").get_data(
        as_text=True)
    page = admin_client.get("/policies/terms/v2").get_data(as_text=True)
    assert "<h2>Terms</h2>" in page and "Second" in page
    assert "<script>" not in page and "href=\"javascript" not in page
    assert "This is an earlier version" in page and "version 3" in page
    current = admin_client.get("/policies/terms").get_data(as_text=True)
    assert "Version 3" in current and "earlier version" not in current
    listing = admin_client.get("/admin/policies").get_data(as_text=True)
    assert "version 3" in listing and "not written yet" in listing


@pytest.mark.parametrize("path", ["/policies/nope", "/policies/terms/v0",
                                  "/policies/terms/v99", "/policies/terms/v99999999999999999999",
                                  "/admin/policies/nope"])
def test_unknown_policies_and_versions_are_404(admin_client, path):
    """No such policy or version: a 404 page, never a 500."""
    _write(admin_client, "terms", "Terms.")
    assert admin_client.get(path).status_code == 404


def test_bad_bodies_are_refused_with_a_message(admin_client, app):
    """An empty text, a NUL byte or an expired form: 400 with what was wrong, no version."""
    empty = _write(admin_client, "privacy", "   ")
    assert empty.status_code == 400 and "Write the policy" in empty.get_data(as_text=True)
    stale = admin_client.post("/admin/policies/privacy", data={"body": "x", "save": "1"})
    assert stale.status_code == 400 and "expired" in stale.get_data(as_text=True)
    preview = _write(admin_client, "privacy", "**Bold** <script>x()</script>", preview=True)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "<strong>Bold</strong>" in text and "<script>x()" not in text
    assert _versions(app, "privacy") == []


def test_footer_and_pay_button_link_the_policies_written(admin_client, client, make_course):
    """Only the policies written show; the footer and the checkout form link them."""
    make_course()
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert 'data-testid="footer-policies"' not in page
    assert 'name="policy_versions"' not in page
    _write(admin_client, "terms", "Terms.")
    _write(admin_client, "refund", "Refunds within 14 days.")
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    footer = page[page.index('data-testid="footer-policies"'):]
    assert 'href="/policies/terms"' in footer and 'href="/policies/refund"' in footer
    assert "/policies/privacy" not in footer
    note = page[page.index('data-testid="checkout-policies"'):]
    assert "By paying you agree to our" in note and "Terms of sale" in note \
        and "Refund policy" in note
    assert TOKEN_RE.search(page).group(1) == "terms:1,refund:1"


@pytest.mark.parametrize("flow", ["payment_intents", "checkout"])
def test_every_flows_form_links_the_policies(admin_client, client, make_course, app, flow):
    """The Payment Element form and hosted Checkout's form carry the same note."""
    make_course()
    _write(admin_client, "terms", "Terms.")
    app.config["PAYMENT_FLOW"] = flow
    try:
        page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    form = page[page.index('id="checkout-form"'):page.index("</form>", page.index(
        'id="checkout-form"'))]
    assert 'data-testid="checkout-policies"' in form and TOKEN_RE.search(form)


def _pay(client, card_token, token_value=None):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "stripeToken": card_token(),
            "stripeEmail": "ada@example.com"}
    shown = TOKEN_RE.search(page)
    data["policy_versions"] = token_value if token_value is not None else (
        shown.group(1) if shown else "")
    return client.post("/courses/python-jumpstart/checkout", data=data)


def _order(app):
    with app.app_context():
        order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


def test_the_order_keeps_the_versions_its_page_showed(admin_client, client, make_course,
                                                     card_token, app):
    """The page showed terms v1; the seller saves v2 before Pay: the order says v1, and
    the admin purchase page links that version."""
    make_course()
    _write(admin_client, "terms", "Terms one.")
    _write(admin_client, "refund", "Refunds one.")
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    shown = TOKEN_RE.search(page).group(1)
    _write(admin_client, "terms", "Terms two.")
    assert _pay(client, card_token, shown).status_code == 302
    order = _order(app)
    assert (order.terms_version, order.privacy_version, order.refund_policy_version) == (
        1, None, 1)
    detail = admin_client.get(f"/admin/purchases/{order.reference}").get_data(as_text=True)
    field = detail[detail.index('data-field="policies"'):]
    assert 'href="/policies/terms/v1"' in field and "Terms of sale v1" in field
    assert "Refund policy v1" in field


@pytest.mark.parametrize("value", ["terms:abc", "terms:99,refund:0", "x" * 100,
                                   "terms:1,terms:1,,refund", "\u00e9:1"])
def test_a_tampered_version_list_records_the_current_versions(admin_client, client,
                                                             make_course, card_token, app,
                                                             value):
    """Versions that do not exist (or no list at all) record the current ones; no 500."""
    make_course()
    _write(admin_client, "terms", "Terms one.")
    _write(admin_client, "terms", "Terms two.")
    assert _pay(client, card_token, value).status_code == 302
    order = _order(app)
    assert order.status == "paid"
    assert order.terms_version == (1 if value.startswith("terms:1") else 2)


def test_an_order_before_any_policy_says_so(admin_client, buy):
    """An order placed with no policy written shows a dash on the admin page."""
    reference = buy()
    detail = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    field = detail[detail.index('data-field="policies"'):]
    assert field.split("</dd>")[0].endswith("(none written when this order was placed)")


@pytest.mark.parametrize("flow, path", [("payment_intents", "payment-intent"),
                                        ("checkout", "checkout-session")])
def test_the_browser_flows_store_the_versions_too(admin_client, client, make_course, app,
                                                 emulator_control, flow, path):
    """The Payment Element's request for its intent and hosted Checkout's "Continue"
    carry the page's versions onto the order they place."""
    make_course()
    _write(admin_client, "privacy", "Privacy one.")
    _write(admin_client, "privacy", "Privacy two.")
    app.config["PAYMENT_FLOW"] = flow
    try:
        page = client.get("/courses/python-jumpstart").get_data(as_text=True)
        assert TOKEN_RE.search(page).group(1) == "privacy:2"
        response = client.post(f"/courses/python-jumpstart/{path}", data={
            "csrf_token": csrf_from(page), "email": "ada@example.com",
            "policy_versions": "privacy:1"})
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    assert response.status_code in (200, 303), response.get_data(as_text=True)
    order = _order(app)
    assert (order.terms_version, order.privacy_version) == (None, 1)
