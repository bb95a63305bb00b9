"""An admin session cookie stops working once its admin signs out or gets a new password."""

from tests.admin.conftest import ADMIN_EMAIL, sign_in
from tests.helpers import csrf_from


def _captured_cookie(client):
    return client.get_cookie("session").value


def _opens_admin(app, cookie):
    """Does a fresh client carrying only this cookie get the dashboard?"""
    other = app.test_client()
    other.set_cookie("session", cookie)
    response = other.get("/admin/")
    return response.status_code == 200


def _sign_out(client):
    html = client.get("/admin/").get_data(as_text=True)
    response = client.post("/admin/logout", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302


def test_a_cookie_captured_before_sign_out_no_longer_opens_admin(app, admin_client):
    cookie = _captured_cookie(admin_client)
    assert _opens_admin(app, cookie)
    _sign_out(admin_client)
    assert not _opens_admin(app, cookie)
    response = app.test_client()
    response.set_cookie("session", cookie)
    answer = response.get("/admin/purchases")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")


def test_a_cookie_captured_before_set_password_no_longer_opens_admin(app, admin_client, cli):
    cookie = _captured_cookie(admin_client)
    assert _opens_admin(app, cookie)
    result = cli.invoke(args=["admin", "set-password", ADMIN_EMAIL, "--password-stdin"],
                        input="a brand new long password\n")
    assert result.exit_code == 0, result.output
    assert not _opens_admin(app, cookie)
    assert sign_in(app.test_client(), password="a brand new long password").status_code == 302


def test_signing_in_again_after_sign_out_works_and_gets_a_new_cookie(app, admin_client):
    old = _captured_cookie(admin_client)
    _sign_out(admin_client)
    assert sign_in(admin_client).status_code == 302
    assert admin_client.get("/admin/").status_code == 200
    assert not _opens_admin(app, old)
    assert _opens_admin(app, _captured_cookie(admin_client))


def test_a_forged_or_old_style_user_id_is_refused(app, admin_account):
    """A session naming only the numeric id (the old format) or a wrong version fails."""
    from app.admin.auth import load_user

    with app.app_context():
        assert load_user(str(admin_account)) is None
        assert load_user(f"{admin_account}:999") is None
        assert load_user("x:y") is None
        assert load_user(f"{admin_account}:1:2") is None
        assert load_user("99999999999999999999:1") is None
