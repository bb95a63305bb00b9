"""Small helpers shared by test modules."""

import re

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html):
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def check_again(client, public_id):
    """Press "Check again now" on a pending receipt (the POST that may repeat the order's
    stored request); returns the receipt it redirects to."""
    page = client.get(f"/orders/{public_id}")
    assert page.status_code == 200, page.status_code
    if 'data-testid="check-again"' not in page.get_data(as_text=True):
        return page  # opening the receipt found the outcome (read-only): nothing to press
    return client.post(f"/orders/{public_id}/check", follow_redirects=True,
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})
