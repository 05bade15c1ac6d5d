"""Triage verdicts on conversations and handoff requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("category", sa.String(64), nullable=True))
        table.add_column(sa.Column("priority", sa.String(8), nullable=True))
        table.add_column(sa.Column("verdict", sa.JSON, nullable=True))
        table.create_index("ix_conversations_category", ["category"])
    with op.batch_alter_table("handoff_requests") as table:
        table.add_column(sa.Column("verdict", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_requests") as table:
        table.drop_column("verdict")
    with op.batch_alter_table("conversations") as table:
        table.drop_index("ix_conversations_category")
        table.drop_column("verdict")
        table.drop_column("priority")
        table.drop_column("category")
