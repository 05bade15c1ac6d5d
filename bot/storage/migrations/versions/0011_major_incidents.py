"""Major incidents: many reports of one problem under one parent, and each case's link to it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "major_incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_report_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("workaround", sa.Text, nullable=False, server_default=""),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text, nullable=False, server_default=""),
        sa.Column("updates", sa.JSON, nullable=False),
    )
    op.create_index("ix_major_incidents_status", "major_incidents", ["status"])
    with op.batch_alter_table("tickets") as tickets:
        tickets.add_column(sa.Column("incident_id", sa.Integer, nullable=True))
        tickets.create_foreign_key(
            "fk_tickets_incident_id", "major_incidents", ["incident_id"], ["id"]
        )
        tickets.create_index("ix_tickets_incident_id", ["incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as tickets:
        tickets.drop_index("ix_tickets_incident_id")
        tickets.drop_constraint("fk_tickets_incident_id", type_="foreignkey")
        tickets.drop_column("incident_id")
    op.drop_table("major_incidents")
