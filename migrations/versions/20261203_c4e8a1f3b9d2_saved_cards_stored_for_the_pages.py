"""saved_cards: what the pages show of a buyer's saved cards, kept by the store and the
card webhooks, so showing a card asks Stripe nothing

Revision ID: c4e8a1f3b9d2
Revises: b7d2e4f6a8c1
Create Date: 2026-12-03 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f3b9d2'
down_revision = 'b7d2e4f6a8c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.String(length=255), nullable=False),
        sa.Column('buyer_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=255), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('brand', sa.String(length=40), nullable=False),
        sa.Column('last4', sa.String(length=4), nullable=False),
        sa.Column('exp_month', sa.Integer(), nullable=False),
        sa.Column('exp_year', sa.Integer(), nullable=False),
        sa.Column('funding', sa.String(length=20), nullable=True),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('stripe_at', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'],
                                name=op.f('fk_saved_cards_buyer_id_buyers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_cards')),
        sa.UniqueConstraint('card_id', name=op.f('uq_saved_cards_card_id')),
    )
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_cards_buyer_id'), ['buyer_id'],
                              unique=False)
        batch_op.create_index('ix_saved_cards_customer_live', ['customer_id', 'removed_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_cards_customer_live')
        batch_op.drop_index(batch_op.f('ix_saved_cards_buyer_id'))
    op.drop_table('saved_cards')
