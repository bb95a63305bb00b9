"""Buyer sign-in by one-time emailed link, My courses, sign-out, checkout prefill."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Buyer, OutboxMessage, SignInToken
from app.models._time import utcnow
from tests.helpers import csrf_from
from tests.smtp import parts

LINK_RE = re.compile(r"http://localhost(/account/link/[\w.-]+)")


def _ask_link(client, email, **kwargs):
    page = client.get("/account/sign-in", **kwargs)
    return client.post("/account/sign-in", data={"csrf_token": csrf_from(page.text),
                                                 "email": email}, **kwargs)


def _emailed_link(smtp, flush_mail, count=1):
    flush_mail()
    message = smtp.wait_for(count)[count - 1]
    text, _ = parts(message)
    return LINK_RE.search(text).group(1)


def _use(client, path):
    confirm = client.get(path)
    if confirm.status_code != 200:
        return confirm
    return client.post(path, data={"csrf_token": csrf_from(confirm.text)})


def test_sign_in_link_signs_in_once(app, client, smtp, flush_mail, rows):
    """An emailed link signs in (creating the buyer), then never again."""
    response = _ask_link(client, "New.Buyer@Example.com")
    assert response.status_code == 200 and "Check your email" in response.text
    path = _emailed_link(smtp, flush_mail)
    assert rows(Buyer) == []  # the buyer is created when the link is used
    assert client.get(path).status_code == 200  # looking does not use it (mail scanners)
    done = _use(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    account = client.get("/account")
    assert "new.buyer@example.com" in account.text and "No courses yet" in account.text
    [buyer] = rows(Buyer)
    assert buyer.email == "new.buyer@example.com"
    other = app.test_client()
    assert _use(other, path).status_code == 410
    assert other.get("/account").status_code == 302


def test_the_answer_is_the_same_for_known_and_unknown_emails(client, buy_course):
    """Whether the email bought something or not, the page says the same."""
    buy_course(email="known@example.com", web=client.application.test_client())
    known = _ask_link(client, "known@example.com").text
    unknown = _ask_link(client, "stranger@example.com").text
    assert known.replace("known", "X") == unknown.replace("stranger", "X")


def test_only_the_stored_hash_of_a_token_is_kept(app, client, smtp, flush_mail, rows):
    """The database holds a SHA-256 of the token, never the link itself."""
    _ask_link(client, "ada@example.com")
    path = _emailed_link(smtp, flush_mail)
    [token] = rows(SignInToken)
    assert len(token.token_hash) == 64 and token.token_hash not in path
    outbox_texts = [row.local_text for row in rows(OutboxMessage)]
    assert all(text is None for text in outbox_texts)  # SMTP mail is not stored rendered


def test_an_expired_link_is_refused(app, client, smtp, flush_mail):
    """After 15 minutes the link no longer works."""
    _ask_link(client, "ada@example.com")
    path = _emailed_link(smtp, flush_mail)
    with app.app_context():
        db.session.execute(update(SignInToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = _use(client, path)
    assert response.status_code == 410 and "expired or was used" in response.text


@pytest.mark.parametrize("token", ["x", "a" * 500, "eyJ.bad.sig", "%00", "..%2F..%2Fetc"])
def test_forged_or_malformed_links_are_refused_without_error(client, token):
    """Garbage links get the 'expired or used' page, never a 500."""
    expected = (400,) if token == "%00" else (404, 410)  # NUL: app/request_guard's 400
    assert client.get(f"/account/link/{token}").status_code in expected


def test_a_tampered_link_is_refused(client, smtp, flush_mail):
    """Changing one character breaks the signature."""
    _ask_link(client, "ada@example.com")
    path = _emailed_link(smtp, flush_mail)
    payload, _, signature = path.rpartition(".")
    middle = len("/account/link/") + 5  # a character of the token, not base64 padding bits
    flipped = "A" if payload[middle] != "A" else "B"
    tampered = payload[:middle] + flipped + payload[middle + 1:] + "." + signature
    assert client.get(tampered).status_code == 410
    assert client.get(path).status_code == 200  # the real link still works


def _sign_in_mails(app):
    from sqlalchemy import select

    with app.app_context():
        return db.session.scalars(select(OutboxMessage.to_email)
                                  .where(OutboxMessage.kind == "sign_in")).all()


def test_requests_from_other_addresses_never_lock_the_owner_out(app):
    """Someone else asking for ada's links many times from elsewhere: ada, from her own
    address, still gets the same page (never a 429), and at most SIGN_IN_MAX_PER_EMAIL
    links are mailed to her in the window, whoever asked."""
    limit = app.config["SIGN_IN_MAX_PER_EMAIL"]
    attacker = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    answers = [_ask_link(app.test_client(), "ada@example.com", **attacker)
               for _ in range(limit + 2)]
    assert [a.status_code for a in answers] == [200] * (limit + 2)
    mine = _ask_link(app.test_client(), "ada@example.com",
                     environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert mine.status_code == 200 and "Check your email" in mine.text
    assert all("Check your email" in a.text and "Too many" not in a.text for a in answers)
    assert _sign_in_mails(app) == ["ada@example.com"] * limit


def test_sign_in_requests_are_throttled_per_address(app, client):
    """Too many requests from one address get 429; another address is not refused."""
    saved = app.config["SIGN_IN_MAX_PER_IP"]
    app.config["SIGN_IN_MAX_PER_IP"] = 3
    try:
        for email in ("ada@example.com", "ada@example.com", "bob@example.com"):
            assert _ask_link(client, email).status_code == 200
        refused = _ask_link(client, "carol@example.com")
        assert refused.status_code == 429 and "Too many sign-in links" in refused.text
        other_ip = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}
        assert _ask_link(client, "carol@example.com", **other_ip).status_code == 200
    finally:
        app.config["SIGN_IN_MAX_PER_IP"] = saved


def test_a_bad_email_is_refused_with_a_message(client):
    """The form validates the address."""
    page = client.get("/account/sign-in")
    response = client.post("/account/sign-in", data={"csrf_token": csrf_from(page.text),
                                                     "email": "not-an-email"})
    assert response.status_code == 400 and "valid email" in response.text
    assert client.post("/account/sign-in", data={"email": "a@b.co"}).status_code == 400


def test_a_buyer_who_just_paid_is_signed_in_and_sees_the_course(client, buy_course,
                                                                 make_course):
    """After checkout, /account on that browser lists the course and the order."""
    order = buy_course(web=client)
    account = client.get("/account")
    assert account.status_code == 200
    assert account.headers["Cache-Control"] == "no-store"
    assert "Python Jumpstart" in account.text and order.reference in account.text
    course_page = client.get("/courses/python-jumpstart")
    assert "You have this course" in course_page.text
    assert 'value="ada@example.com"' not in course_page.text  # an owner's email: no prefill
    make_course(slug="sql-basics", title="SQL Basics")
    other = client.get("/courses/sql-basics")
    assert 'value="ada@example.com"' in other.text  # checkout prefilled


def test_paying_does_not_sign_in_to_an_account_that_holds_more(app, client, buy_course):
    """Paying with someone's email proves nothing about it: no sign-in if they had orders."""
    buy_course(email="victim@example.com", web=app.test_client())
    attacker = app.test_client()
    buy_course(email="victim@example.com", slug="sql-basics", title="SQL Basics",
               web=attacker)
    assert attacker.get("/account").status_code == 302


def test_sign_out_kills_every_copy_of_the_session(app, client, buy_course):
    """Signing out bumps the buyer's session version: a copied cookie stops working."""
    buy_course(web=client)
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/account").status_code == 200
    page = client.get("/account")
    response = client.post("/account/sign-out", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert thief.get("/account").status_code == 302
    assert client.post("/account/sign-out", data={}).status_code == 400


def test_the_buyer_session_is_not_an_admin_session(client, buy_course):
    """A signed-in buyer cannot open the admin area."""
    buy_course(web=client)
    assert client.get("/admin/purchases").status_code == 302


@pytest.mark.parametrize("email", ["x" * 300 + "@example.com", "a@b", "<script>@x.com",
                                   "ada@example.com\r\nBcc: eve@example.com", ""])
def test_odd_sign_in_emails_are_refused_with_a_400(client, email, rows):
    """Malformed addresses never queue a message and never raise."""
    page = client.get("/account/sign-in")
    response = client.post("/account/sign-in", data={"csrf_token": csrf_from(page.text),
                                                     "email": email})
    assert response.status_code == 400
    assert rows(OutboxMessage) == []


def test_expired_tokens_are_pruned_and_live_ones_kept(app, rows):
    """The worker's hourly prune deletes tokens a day past expiry, nothing else."""
    from app.access.links import mint_link, prune_expired

    with app.app_context():
        mint_link(email="old@example.com", purpose="sign-in")
        db.session.execute(update(SignInToken).values(
            expires_at=utcnow() - timedelta(days=2)))
        db.session.commit()
        mint_link(email="new@example.com", purpose="sign-in")
        assert prune_expired() == 1
    assert [t.email for t in rows(SignInToken)] == ["new@example.com"]
