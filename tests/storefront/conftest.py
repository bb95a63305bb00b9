"""Helpers for driving the checkout like a browser would (CSRF included)."""

import pytest

from tests.helpers import csrf_from


def csrf_token(client, slug):
    """GET the course page and return the CSRF token from its form."""
    page = client.get(f"/courses/{slug}")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


@pytest.fixture
def checkout(client):
    """POST the checkout form of a course page; returns the response."""

    def post(slug, token, email="buyer@example.com", extra=None, follow=False):
        data = {"csrf_token": csrf_token(client, slug), "stripeToken": token,
                "stripeEmail": email}
        data.update(extra or {})
        return client.post(f"/courses/{slug}/checkout", data=data,
                           follow_redirects=follow)

    return post
