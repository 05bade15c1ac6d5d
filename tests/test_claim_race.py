"""Claiming is atomic: of several homeworkers claiming one case at once, exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.core.domain import Sender
from bot.errors import Refused
from bot.storage.schema import TicketEventRow
from tests.desk_fixtures import OUTAGE, Desk

CLAIMERS = 8


def test_simultaneous_claims_have_exactly_one_winner(desk: Desk) -> None:
    agents = [desk.add(f"hw{i}") for i in range(CLAIMERS)]
    desk.user(OUTAGE)
    start = threading.Barrier(CLAIMERS)

    def claim(agent_id: int) -> str:
        start.wait()
        try:
            desk.app.team.desk.claim(agent_id, "T-1001")
        except Refused as refusal:
            return str(refusal)
        return "won"

    with ThreadPoolExecutor(CLAIMERS) as pool:
        outcomes = list(pool.map(claim, [agent.id for agent in agents]))

    assert outcomes.count("won") == 1
    assert outcomes.count("T-1001 was already claimed by someone else.") == CLAIMERS - 1
    winner = agents[outcomes.index("won")]
    assert desk.ticket().assignee_id == winner.id
    with desk.app.sessions() as session:
        claims = session.scalars(
            select(TicketEventRow.actor).where(TicketEventRow.action == "claimed")
        ).all()
    assert claims == [f"homeworker:{winner.name}"]


def test_simultaneous_next_pulls_share_out_the_queue(desk: Desk) -> None:
    agents = [desk.add(f"hw{i}", capacity=1) for i in range(CLAIMERS)]
    for number in range(CLAIMERS // 2):
        desk.user("talk to a person", sender=Sender("test", f"user{number}", f"User {number}"))
    start = threading.Barrier(CLAIMERS)

    def pull(agent_id: int) -> str:
        start.wait()
        return desk.app.team.desk.next_case(agent_id).text.split(" ·")[0]

    with ThreadPoolExecutor(CLAIMERS) as pool:
        taken = list(pool.map(pull, [agent.id for agent in agents]))

    won = sorted(t for t in taken if t.startswith("T-"))
    assert won == [f"T-{1001 + n}" for n in range(CLAIMERS // 2)]
    assert taken.count("No case is waiting for your skills right now.") == CLAIMERS // 2
