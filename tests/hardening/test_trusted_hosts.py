"""TRUSTED_HOSTS: a request naming a host the store does not answer to gets a plain 400
(no page, no redirect, no Stripe return address built on it); the store's own host works
as before. Unset, any host is served (the default)."""

import pytest

HOST = "shop.example.com"


@pytest.fixture
def trusted(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [HOST])


@pytest.mark.parametrize("path", ["/", "/admin", "/courses/python-jumpstart",
                                  "/account/sign-in", "/dev/mail", "/nowhere"])
def test_another_host_gets_a_plain_400(trusted, client, make_course, path, caplog):
    make_course()
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "Location" not in response.headers
    assert "evil.example" not in response.get_data(as_text=True)
    assert "Traceback" not in caplog.text


def test_a_post_to_another_host_places_nothing(trusted, client, make_course, orders):
    make_course()
    response = client.post("/courses/python-jumpstart/checkout",
                           headers={"Host": "evil.example"},
                           data={"stripeToken": "tok_visa", "stripeEmail": "a@example.com"})
    assert response.status_code == 400
    assert orders() == []


def test_the_stores_own_host_is_served(trusted, client, make_course):
    make_course()
    assert client.get("/", headers={"Host": HOST}).status_code == 200
    page = client.get("/courses/python-jumpstart", headers={"Host": f"{HOST}:443"})
    assert page.status_code == 200
    assert client.get("/nowhere", headers={"Host": HOST}).status_code == 404


def test_unset_any_host_is_served(client, make_course):
    make_course()
    assert client.get("/", headers={"Host": "anything.example"}).status_code == 200
