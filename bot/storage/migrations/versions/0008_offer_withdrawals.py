"""Offers can be withdrawn: the outbox keeps each notice's kind, the case status its card
shows, where a door delivered it, and which offer a withdrawal is about.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="message")
        )
        outbox.add_column(sa.Column("case_status", sa.String(32), nullable=True))
        outbox.add_column(sa.Column("withdraws", sa.Integer, nullable=True))
        outbox.add_column(sa.Column("sent_as", sa.String(120), nullable=True))
        outbox.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        outbox.create_index("ix_outbox_ticket_id", ["ticket_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_index("ix_outbox_ticket_id")
        for column in ("withdrawn_at", "sent_as", "withdraws", "case_status", "kind"):
            outbox.drop_column(column)
