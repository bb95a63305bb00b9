"""Errors answered to the pages' scripts: a request that asks for JSON (`Accept:
application/json`, as the Payment Element's Pay, the receipt's status poll and the tax line
send it) gets `{"error": …}` with the status, which the script shows; a browser gets the
error page. Before, an expired CSRF token or a NUL character reached the Payment Element as
an HTML page it could not read, and the buyer saw no reason."""

import pytest

from tests.helpers import csrf_from

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def course(make_course, flow):
    flow("payment_intents")
    return make_course()


def _csrf(client):
    page = client.get("/courses/python-jumpstart")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def test_a_missing_csrf_token_is_json_for_the_payment_element(client, course):
    _csrf(client)  # the browser has a session, the post lacks its token
    response = client.post("/courses/python-jumpstart/payment-intent",
                           data={"email": "ada@example.com"}, headers=JSON)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert "session expired" in response.get_json()["error"]


def test_a_wrong_csrf_token_is_json_for_the_payment_element(client, course):
    _csrf(client)
    response = client.post("/courses/python-jumpstart/payment-intent", headers=JSON,
                           data={"email": "ada@example.com", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "session expired" in response.get_json()["error"]


def test_a_nul_character_is_json_for_the_payment_element(client, course):
    response = client.post("/courses/python-jumpstart/payment-intent", headers=JSON,
                           data={"email": "ada\x00@example.com", "csrf_token": _csrf(client)})
    assert response.status_code == 400
    assert "NUL character" in response.get_json()["error"]


@pytest.mark.parametrize("accept", [HTML["Accept"], "*/*", None])
def test_a_browser_still_gets_the_error_page(client, course, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.post("/courses/python-jumpstart/payment-intent",
                           data={"email": "ada@example.com"}, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "session expired" in response.get_data(as_text=True)


def test_not_found_follows_what_was_asked_for(client, course):
    as_json = client.get("/no-such-page", headers=JSON)
    assert as_json.status_code == 404 and "error" in as_json.get_json()
    as_page = client.get("/no-such-page", headers=HTML)
    assert as_page.status_code == 404 and as_page.mimetype == "text/html"
