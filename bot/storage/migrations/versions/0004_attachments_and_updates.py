"""Attachments on messages and notices; Telegram updates already handled.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as messages:
        messages.add_column(sa.Column("attachment", sa.JSON, nullable=True))
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("attachment", sa.JSON, nullable=True))
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_updates_handled_at", "telegram_updates", ["handled_at"])


def downgrade() -> None:
    op.drop_table("telegram_updates")
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("attachment")
    with op.batch_alter_table("messages") as messages:
        messages.drop_column("attachment")
