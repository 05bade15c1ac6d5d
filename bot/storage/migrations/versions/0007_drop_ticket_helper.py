"""Tickets no longer keep a helper: the column was written on takeover and never read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("helper_id")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column(
                "helper_id",
                sa.Integer,
                sa.ForeignKey("agents.id", name="fk_tickets_helper_id_agents"),
                nullable=True,
            )
        )
