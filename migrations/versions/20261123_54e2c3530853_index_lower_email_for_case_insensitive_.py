"""index lower(email) for case-insensitive admin search

Revision ID: 54e2c3530853
Revises: 0b6a711b1289
Create Date: 2026-11-23 14:21:12.271948

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '54e2c3530853'
down_revision = '0b6a711b1289'
branch_labels = None
depends_on = None


def upgrade():
    # The admin searches purchases by email case-insensitively (lower(email) = :q),
    # newest first; this index serves that query on SQLite and PostgreSQL alike.
    op.create_index(
        "ix_orders_email_lower_created",
        "orders",
        [sa.text("lower(email)"), "created_at", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_orders_email_lower_created", table_name="orders")
