"""An update acted on once: the unit of work that records it as handled, and the answer
kept with the change it caused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from bot.core.domain import Reply
from bot.core.notices import reserve_answers
from bot.core.ports import UnitOfWork, UnitOfWorkFactory
from bot.errors import AlreadyHandled


@contextmanager
def acting_once(
    unit_of_work: UnitOfWorkFactory, delivery: str | None, now: datetime
) -> Iterator[UnitOfWork]:
    """A unit of work that first records ``delivery`` as handled, refusing a replay."""
    with unit_of_work() as uow:
        if delivery is not None and not uow.deliveries.first_time(delivery, now):
            raise AlreadyHandled("This command was already carried out.")
        yield uow


def answered(
    uow: UnitOfWork, agent_id: int, answer: Reply, delivery: str | None, now: datetime
) -> Reply:
    """Keep the answer to a homeworker's delivered command in the outbox with the change,
    commit, and return it: a crash before it is sent loses nothing, a replay sends nothing."""
    reserve_answers(uow, [answer], delivery, now, agent_id=agent_id)
    uow.commit()
    return answer
