"""Subscribers are chats: ``users`` becomes ``subscribers`` (a private chat, a group or a channel).

Every existing row is a private chat and keeps its settings, its reminders and their history.
``platform_user_id`` becomes ``person_id``; ``subscriptions.user_id`` and ``deliveries.user_id``
become ``subscriber_id``. A private Telegram chat's id is the person's id, so a row whose
``chat_id`` had been overwritten with a group's (an old bug) points back at the private chat.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_subscriptions_user_id", "subscriptions")
    op.drop_index("ix_deliveries_user_id", "deliveries")
    op.rename_table("users", "subscribers")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("uq_users_platform_user", type_="unique")
        batch.alter_column("platform_user_id", new_column_name="person_id", existing_type=sa.String(64),
                           existing_nullable=False)
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="private"))
        batch.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("title", sa.String(128), nullable=True))
        batch.add_column(sa.Column("blocked_reason", sa.String(200), nullable=True))
    op.execute("UPDATE subscribers SET chat_id = person_id WHERE platform = 'telegram' AND chat_id <> person_id")
    with op.batch_alter_table("subscribers") as batch:
        batch.create_unique_constraint("uq_subscribers_platform_chat", ["platform", "chat_id"])
        batch.create_index("ix_subscribers_person", ["platform", "person_id"])
    for table, unique in (("subscriptions", "uq_subscriptions_user_kind"), ("deliveries", None)):
        with op.batch_alter_table(table) as batch:
            if unique:
                batch.drop_constraint(unique, type_="unique")
            batch.alter_column("user_id", new_column_name="subscriber_id", existing_type=sa.BigInteger(),
                               existing_nullable=False)
        if unique:  # a batch of its own: in SQLite's copy the new column name exists only afterwards
            with op.batch_alter_table(table) as batch:
                batch.create_unique_constraint("uq_subscriptions_subscriber_kind", ["subscriber_id", "kind"])
        op.create_index(f"ix_{table}_subscriber_id", table, ["subscriber_id"])


def downgrade() -> None:
    for table, unique in (("subscriptions", "uq_subscriptions_subscriber_kind"), ("deliveries", None)):
        op.drop_index(f"ix_{table}_subscriber_id", table)
        with op.batch_alter_table(table) as batch:
            if unique:
                batch.drop_constraint(unique, type_="unique")
            batch.alter_column("subscriber_id", new_column_name="user_id", existing_type=sa.BigInteger(),
                               existing_nullable=False)
        if unique:
            with op.batch_alter_table(table) as batch:
                batch.create_unique_constraint("uq_subscriptions_user_kind", ["user_id", "kind"])
    # Groups and channels have no place in the old table (foreign keys are off while migrating,
    # so their reminders and deliveries go explicitly).
    for table in ("deliveries", "subscriptions"):
        op.execute(f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM subscribers WHERE kind <> 'private')")
    op.execute("DELETE FROM subscribers WHERE kind <> 'private'")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_index("ix_subscribers_person")
        batch.drop_constraint("uq_subscribers_platform_chat", type_="unique")
        batch.drop_column("blocked_reason")
        batch.drop_column("title")
        batch.drop_column("thread_id")
        batch.drop_column("kind")
        batch.alter_column("person_id", new_column_name="platform_user_id", existing_type=sa.String(64),
                           existing_nullable=False)
    with op.batch_alter_table("subscribers") as batch:
        batch.create_unique_constraint("uq_users_platform_user", ["platform", "platform_user_id"])
    op.rename_table("subscribers", "users")
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])
