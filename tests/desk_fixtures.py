"""The second-line test desk: a user's side, the team's side, and a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.core.domain import Sender
from bot.core.tickets import Agent
from bot.storage.schema import TicketEventRow, TicketRow
from tests.conftest import AppFactory, said
from tests.fakes import FakeTriage, ManualClock, escalating

OUTAGE = "the whole 2nd floor has no network since the power cut"
RANSOM = "there's a ransom note on my screen"
ALICE = Sender("test", "alice", "Alice")
BOB = Sender("test", "bob", "Bob")


@dataclass
class Desk:
    """The desk with a user's and the team's sides, and a clock the test controls."""

    app: App
    clock: ManualClock

    def user(self, line: str, sender: Sender = ALICE) -> str:
        """What the bot answers a user, and whatever the team sent them meanwhile."""
        answer = said(self.app.desk.handle(sender, line))
        return "\n".join([answer, *self.news_for(sender)])

    def news_for(self, sender: Sender = ALICE) -> list[str]:
        return [n.text for n in self.app.team.notices.collect_for_user(sender)]

    def news_for_agent(self, name: str) -> str:
        agent = self.agent(name)
        return "\n".join(n.text for n in self.app.team.notices.collect_for_agent(agent.id))

    def agent(self, name: str) -> Agent:
        return self.app.team.desk.agent_named(name)

    def add(self, name: str, **fields: object) -> Agent:
        fields.setdefault("on_shift", True)
        return self.app.team.roster.add(Agent(id=0, name=name, **fields))  # type: ignore[arg-type]

    def ticket(self, ticket_id: int = 1) -> TicketRow:
        with self.app.sessions() as session:
            return session.get_one(TicketRow, ticket_id)

    def trail(self, ticket_id: int = 1) -> list[str]:
        with self.app.sessions() as session:
            rows = session.scalars(
                select(TicketEventRow)
                .where(TicketEventRow.ticket_id == ticket_id)
                .order_by(TicketEventRow.id)
            )
            return [f"{row.actor} {row.action}" for row in rows]


@pytest.fixture
def desk(make_app: AppFactory) -> Desk:
    clock = ManualClock()
    triage = FakeTriage(
        {
            OUTAGE: escalating("network", "P1"),
            RANSOM: escalating("security", "P1"),
            "outlook keeps crashing for everyone in finance": escalating("email", "P2"),
            "new starter needs access to the payroll share": escalating("account", "P3"),
        }
    )
    return Desk(make_app(triage=triage, clock=clock), clock)
