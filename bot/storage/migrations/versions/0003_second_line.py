"""Second line: agents, tickets, their audit trail, the outbox, and message authors.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("messages") as table:
        table.add_column(sa.Column("author", sa.String(200), nullable=True))
        table.add_column(sa.Column("original_text", sa.Text, nullable=True))
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("on_shift", sa.Boolean, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("working_hours", sa.String(16), nullable=True),
        sa.Column("telegram_id", sa.String(32), nullable=True, unique=True),
        sa.Column("current_ticket_id", sa.Integer, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        _timestamp("created_at", nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("packet", sa.JSON, nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("helper_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("claimed_at"),
        _timestamp("first_response_at"),
        _timestamp("awaiting_agent_since"),
        _timestamp("resolved_at"),
        _timestamp("closed_at"),
        sa.Column("resolution_note", sa.Text, nullable=True),
        sa.Column("corrected_category", sa.String(64), nullable=True),
        sa.Column("second_line_needed", sa.Boolean, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
        _timestamp("claim_breached_at"),
        _timestamp("resolve_breached_at"),
        sa.Column("offered_to", sa.JSON, nullable=False),
    )
    for column in ("conversation_id", "user_id", "status", "assignee_id"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        _timestamp("at", nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("choices", sa.JSON, nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("delivered_at"),
    )
    for column in ("user_id", "agent_id", "delivered_at"):
        op.create_index(f"ix_outbox_{column}", "outbox", [column])


def downgrade() -> None:
    for name in ("outbox", "ticket_events", "tickets", "agents"):
        op.drop_table(name)
    with op.batch_alter_table("messages") as messages:
        messages.drop_column("original_text")
        messages.drop_column("author")
