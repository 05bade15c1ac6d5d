"""A notice is delivered through a lease: taken for a while, marked delivered only once the
channel accepted it (or gave up), and taken up by anyone once the lease runs out; a long one
remembers how many of its pieces went, and a reply to an update names that update.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("taken_until", sa.DateTime(timezone=True), nullable=True))
        outbox.add_column(sa.Column("caused_by", sa.String(80), nullable=True))
        outbox.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        outbox.add_column(sa.Column("pieces_sent", sa.Integer, nullable=False, server_default="0"))
        outbox.create_index("ix_outbox_caused_by", ["caused_by"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_index("ix_outbox_caused_by")
        for column in ("pieces_sent", "outcome", "caused_by", "taken_until"):
            outbox.drop_column(column)
