"""The scheduled service-level check: breaches are re-offered and reported, silence is undone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.audit import done_with, store
from bot.core.cards import waited
from bot.core.clock import utc_now
from bot.core.dispatch import alert_supervisors, offer_case
from bot.core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import HELD_STATUSES, Notice, ServiceLevels, Ticket, TicketStatus


@dataclass
class CheckReport:
    """What one service-level check did, by ticket reference."""

    claim_breaches: list[str] = field(default_factory=list)
    resolve_breaches: list[str] = field(default_factory=list)
    taken_back: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [
            f"{len(self.claim_breaches)} waiting past the claim target",
            f"{len(self.resolve_breaches)} past the resolve target",
            f"{len(self.taken_back)} taken back from silent homeworkers",
        ]
        return "; ".join(parts)


class ServiceLevelCheck:
    """Run every minute or so by a door's scheduler, or by `triage sla check` from cron."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        levels: ServiceLevels,
        clock: Clock = utc_now,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._levels = levels
        self._clock = clock

    def run(self) -> CheckReport:
        """Flag and act on every breach that has not been handled yet."""
        now = self._clock()
        report = CheckReport()
        with self._unit_of_work() as uow:
            for ticket in uow.tickets.with_status(TicketStatus.QUEUED):
                if self._claim_breached(ticket, now):
                    self._escalate_unclaimed(uow, ticket, now)
                    report.claim_breaches.append(ticket.reference)
            for ticket in uow.tickets.with_status(*HELD_STATUSES):
                if self._silent(ticket, now):
                    self._take_back(uow, ticket, now)
                    report.taken_back.append(ticket.reference)
                elif self._resolve_breached(ticket, now):
                    store(uow, ticket, ticket.resolve_breached(now))
                    alert_supervisors(
                        uow,
                        ticket,
                        f"{ticket.reference} ({ticket.priority}) is past its resolve target.",
                        now,
                    )
                    report.resolve_breaches.append(ticket.reference)
            uow.commit()
        return report

    def _claim_breached(self, ticket: Ticket, now: datetime) -> bool:
        target = self._levels.claim_target(ticket.priority)
        return ticket.claim_breached_at is None and now - ticket.created_at > target

    def _resolve_breached(self, ticket: Ticket, now: datetime) -> bool:
        target = self._levels.resolve_target(ticket.priority)
        return ticket.resolve_breached_at is None and now - ticket.created_at > target

    def _silent(self, ticket: Ticket, now: datetime) -> bool:
        since = ticket.awaiting_agent_since
        return (
            ticket.status is TicketStatus.ASSIGNED
            and since is not None
            and now - since > self._levels.silence_limit
        )

    def _escalate_unclaimed(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        store(uow, ticket, ticket.claim_breached(now))
        offer_case(uow, ticket, now, self._levels, everyone=True)
        alert_supervisors(
            uow,
            ticket,
            f"{ticket.reference} ({ticket.priority}) has waited {waited(ticket.created_at, now)} "
            "without being claimed.",
            now,
        )

    def _take_back(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        holder_id = ticket.assignee_id
        silence = waited(ticket.awaiting_agent_since or now, now)
        store(uow, ticket, ticket.take_back(silence, now))
        if holder_id is not None:
            done_with(uow, holder_id, ticket.id)
            uow.outbox.add(
                Notice(
                    f"{ticket.reference} went back to the queue: the user waited {silence} "
                    "for an answer.",
                    agent_id=holder_id,
                    ticket_id=ticket.id,
                ),
                now,
            )
        offer_case(uow, ticket, now, self._levels, excluding=holder_id)
        alert_supervisors(
            uow, ticket, f"{ticket.reference} was taken back after {silence} of silence.", now
        )
