"""Hardening tests reuse the admin fixtures (account, signed-in client, real orders)."""

from tests.admin.conftest import (  # noqa: F401  (fixtures)
    admin_account,
    admin_client,
    buy,
    insert_orders,
    order_row,
)
from tests.storefront.conftest import checkout  # noqa: E402, F401  (fixture)
