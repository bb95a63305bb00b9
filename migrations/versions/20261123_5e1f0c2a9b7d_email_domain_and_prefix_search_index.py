"""orders.email_domain for the admin's domain search; email index usable for LIKE 'x%'

Revision ID: 5e1f0c2a9b7d
Revises: 5e7a1c0d9b42
Create Date: 2026-11-23 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = '5e7a1c0d9b42'
branch_labels = None
depends_on = None


def _recreate_email_index(ops):
    # On PostgreSQL the email index gets varchar_pattern_ops so `email LIKE 'alice%'` uses
    # it under any collation; SQLite has no operator classes and keeps the same index.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_orders_email_created', table_name='orders')
    op.create_index('ix_orders_email_created', 'orders', ['email', 'created_at', 'id'],
                    unique=False, postgresql_ops=ops)


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_domain', sa.String(length=254), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE orders SET email_domain = lower(substring(email from '[^@]*$')) "
                   "WHERE position('@' in email) > 0")
    else:
        op.execute("UPDATE orders SET email_domain = lower(substr(email, instr(email, '@') + 1)) "
                   "WHERE instr(email, '@') > 0")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_domain_created', ['email_domain', 'created_at', 'id'],
                              unique=False)
    _recreate_email_index({'email': 'varchar_pattern_ops'})


def downgrade():
    _recreate_email_index({})
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_domain_created')
        batch_op.drop_column('email_domain')
