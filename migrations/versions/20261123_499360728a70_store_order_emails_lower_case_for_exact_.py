"""store order emails lower-case for exact admin search

Revision ID: 499360728a70
Revises: 0b6a711b1289
Create Date: 2026-11-23 14:22:01.742786

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '499360728a70'
down_revision = '0b6a711b1289'
branch_labels = None
depends_on = None


def upgrade():
    # Checkout now stores emails lower-case so the admin's exact, case-insensitive search
    # can use ix_orders_email_created; bring the rows stored before in line.
    op.execute("UPDATE orders SET email = lower(email) WHERE email <> lower(email)")


def downgrade():
    # The original capitalisation is not kept; lower-case addresses still work.
    pass
