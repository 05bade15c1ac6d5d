"""Major incidents: many reports of one problem under one parent, and each case's link to it.

On SQLite the column is added in place (``ALTER TABLE ... ADD COLUMN ... REFERENCES``), which
is quicker than a rebuild. Going down, SQLite rebuilds ``tickets``; ``migrate`` runs it with
foreign keys off and checks them before the commit, so the trail and the outbox keep pointing
at their cases.

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
    if _on_sqlite():
        op.execute(
            "ALTER TABLE tickets ADD COLUMN incident_id INTEGER REFERENCES major_incidents (id)"
        )
    else:
        op.add_column("tickets", sa.Column("incident_id", sa.Integer, nullable=True))
        op.create_foreign_key(
            "fk_tickets_incident_id", "tickets", "major_incidents", ["incident_id"], ["id"]
        )
    op.create_index("ix_tickets_incident_id", "tickets", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_incident_id", table_name="tickets")
    if _on_sqlite():
        with op.batch_alter_table("tickets") as tickets:
            tickets.drop_column("incident_id")
    else:
        op.drop_constraint("fk_tickets_incident_id", "tickets", type_="foreignkey")
        op.drop_column("tickets", "incident_id")
    op.drop_table("major_incidents")


def _on_sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")
