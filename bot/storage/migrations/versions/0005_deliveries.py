"""Deliveries already handled, by key, for every channel (was: Telegram update ids).

The desk records a delivery in the same transaction as its answer, so a message delivered
again (Telegram re-sends after a crash) is never answered twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deliveries_handled_at", "deliveries", ["handled_at"])
    op.execute(
        "INSERT INTO deliveries (key, handled_at) "
        "SELECT 'telegram:' || CAST(update_id AS VARCHAR(40)), handled_at FROM telegram_updates"
    )
    op.drop_table("telegram_updates")


def downgrade() -> None:
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_updates_handled_at", "telegram_updates", ["handled_at"])
    op.execute(
        "INSERT INTO telegram_updates (update_id, handled_at) "
        "SELECT CAST(SUBSTR(key, 10) AS BIGINT), handled_at FROM deliveries "
        "WHERE key LIKE 'telegram:%'"
    )
    op.drop_table("deliveries")
