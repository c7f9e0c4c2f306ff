"""Reliable reminders: lease owners, parked rows, a phase per user, combined messages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import BigId

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(200), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phase_seconds", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("group_id", BigId, nullable=True))
        batch.add_column(sa.Column("status", sa.String(80), nullable=True))
    op.create_index("ix_deliveries_group_id", "deliveries", ["group_id"])
    op.create_index("ix_deliveries_sent_at", "deliveries", ["sent_at"])
    op.create_index("ix_subscriptions_claimed_by", "subscriptions", ["claimed_by"])
    # Existing users get a stable phase spread over ten minutes (see ``models.phase_for``).
    op.execute("UPDATE users SET phase_seconds = (id * 7919) % 600")


def downgrade() -> None:
    op.drop_index("ix_subscriptions_claimed_by", "subscriptions")
    op.drop_index("ix_deliveries_sent_at", "deliveries")
    op.drop_index("ix_deliveries_group_id", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("status")
        batch.drop_column("group_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phase_seconds")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("last_error")
        batch.drop_column("claimed_by")
