"""Major incidents at intake: a new case is linked to the open incident it reports, grouped
into a proposal, or completes a burst the supervisors are asked about; and what the users of
linked cases are told.

Every message sent here is a notice in the outbox, stored in the unit of work of the change
that caused it.
"""

from __future__ import annotations

from datetime import datetime

from bot.core import texts
from bot.core.audit import done_with, store
from bot.core.cards import waited
from bot.core.domain import Choice, Direction
from bot.core.incidents import (
    BurstRule,
    IncidentStatus,
    MajorIncident,
    Report,
    find_burst,
)
from bot.core.ports import UnitOfWork
from bot.core.tickets import SYSTEM, Agent, Notice, Role, Ticket

LISTED_REPORTS = 10  # how many grouped reports a proposal lists
LIVE = (IncidentStatus.PROPOSED, IncidentStatus.OPEN)


def report_of(ticket: Ticket) -> Report:
    """A case as the burst detector reads it."""
    return Report(ticket.id, ticket.packet.question, ticket.category, ticket.created_at)


def link_or_detect(
    uow: UnitOfWork, ticket: Ticket, now: datetime, rule: BurstRule
) -> MajorIncident | None:
    """For a newly queued case: link it to the open major incident it reports (returned),
    else group it into a matching proposal, else propose one if it completes a burst."""
    live = uow.incidents.with_status(*LIVE)
    latest = report_of(ticket)
    known = _known_reports(uow, live)
    opened = _reported(latest, [i for i in live if i.is_open], known, rule)
    if opened is not None:
        store(uow, ticket, ticket.link(opened.id, opened.reference, SYSTEM, now))
        return opened
    proposed = _reported(latest, [i for i in live if not i.is_open], known, rule)
    if proposed is not None:
        store(uow, ticket, ticket.group_into(proposed.id, proposed.reference, now))
        return None
    recent = [
        report_of(t)
        for t in uow.tickets.created_since(now - rule.window)
        if t.incident_id is None and t.is_open and t.id != ticket.id
    ]
    burst = find_burst(latest, recent, rule)
    if burst is None:
        return None
    incident = uow.incidents.add(
        MajorIncident(
            0, burst.title, burst.category, IncidentStatus.PROPOSED, burst.terms, now,
            burst.first_at,
        )
    )  # fmt: skip
    grouped = [
        ticket if report.ticket_id == ticket.id else uow.tickets.get(report.ticket_id)
        for report in burst.reports
    ]  # the new case itself as the caller holds it, so what it saves next keeps the group
    cases = [t for t in grouped if t is not None]
    for case in cases:
        store(uow, case, case.group_into(incident.id, incident.reference, now))
    _propose(uow, incident, cases, now)
    return None


def open_incident_reported(
    uow: UnitOfWork, text: str, category: str | None, now: datetime, rule: BurstRule
) -> MajorIncident | None:
    """The open major incident a new enquiry reports, if any: during an outage "is the VPN
    down?" is the outage, not a question for the VPN article."""
    opened = uow.incidents.with_status(IncidentStatus.OPEN)
    return _reported(Report(0, text, category, now), opened, _known_reports(uow, opened), rule)


def _known_reports(uow: UnitOfWork, incidents: list[MajorIncident]) -> dict[int, list[Report]]:
    """Each incident's cases, as the detector reads them."""
    return {i.id: [report_of(t) for t in uow.tickets.of_incident(i.id)] for i in incidents}


def _reported(
    report: Report,
    incidents: list[MajorIncident],
    known: dict[int, list[Report]],
    rule: BurstRule,
) -> MajorIncident | None:
    """The first of ``incidents`` that ``report`` is a report of, if any."""
    return next((i for i in incidents if i.matches(report, known[i.id], rule)), None)


def supervisors_on_shift(uow: UnitOfWork, now: datetime) -> list[Agent]:
    """The supervisors on shift; all of them when none is, so a proposal is never lost."""
    supervisors = [a for a in uow.agents.all() if a.role is Role.SUPERVISOR]
    return [a for a in supervisors if a.is_available(now)] or supervisors


def _propose(uow: UnitOfWork, incident: MajorIncident, cases: list[Ticket], now: datetime) -> None:
    ref = incident.reference
    lines = [
        f"  {case.reference} {case.created_at:%H:%M} {case.packet.user_name}: "
        f"{case.packet.question[:100]}"
        for case in cases[:LISTED_REPORTS]
    ]
    span = waited(incident.first_report_at, now)
    text = "\n".join(
        [
            f"Possible major incident {ref}: {incident.title}",
            f"{len(cases)} similar reports in {span} ({incident.category or 'uncategorised'}):",
            *lines,
            f"`incident confirm {ref} [TITLE]` links them, and every new matching enquiry, "
            f"to it (you own it); `incident dismiss {ref}` leaves them queued.",
        ]
    )
    choices = (
        Choice(f"Confirm {ref}", f"incident confirm {ref}"),
        Choice(f"Dismiss {ref}", f"incident dismiss {ref}"),
    )
    for supervisor in supervisors_on_shift(uow, now):
        uow.outbox.add(Notice(text, agent_id=supervisor.id, choices=choices), now)


def tell_user(
    uow: UnitOfWork, ticket: Ticket, text: str, now: datetime, choices: tuple[Choice, ...] = ()
) -> None:
    """A notice to the case's user, kept in their conversation's transcript too."""
    uow.messages.add(ticket.conversation_id, Direction.OUTBOUND, text, now)
    uow.outbox.add(Notice(text, user_id=ticket.user_id, ticket_id=ticket.id, choices=choices), now)


def known_problem(incident: MajorIncident, ticket: Ticket) -> str:
    """What the user of a case linked to ``incident`` is told."""
    since = incident.confirmed_at or incident.created_at
    return texts.known_problem(since, ticket.reference, incident.reference, incident.workaround)


def link_case(
    uow: UnitOfWork, ticket: Ticket, incident: MajorIncident, actor: Agent, now: datetime
) -> None:
    """Link an open case to an open incident by hand (or on confirmation): its holder lets
    go, its offers are withdrawn, and its user is told it is a known problem."""
    holder = ticket.assignee_id
    store(uow, ticket, ticket.link(incident.id, incident.reference, actor.actor, now))
    if holder is not None and holder != actor.id:
        uow.outbox.add(
            Notice(
                f"{actor.name} linked {ticket.reference} to {incident.reference} "
                f"({incident.title}); it is no longer yours.",
                agent_id=holder,
                ticket_id=ticket.id,
            ),
            now,
        )
    done_with(uow, holder, ticket.id)
    tell_user(uow, ticket, known_problem(incident, ticket), now)


def incident_status(uow: UnitOfWork, ticket: Ticket) -> str:
    """A linked case's state for its user (/status): the incident, its workaround and news."""
    incident = uow.incidents.get(ticket.incident_id) if ticket.incident_id else None
    if incident is None:
        return f"{ticket.reference} is linked to a known problem; you will hear from us here."
    text = f"{known_problem(incident, ticket)}\n{incident.reference}: {incident.title}."
    if incident.updates:
        text += f"\nLatest news: {incident.updates[-1]}"
    return text
