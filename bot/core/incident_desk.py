"""What supervisors, owners and homeworkers do with major incidents: confirm or dismiss a
proposal, hand it over, tell every linked user, resolve it, link a case by hand, announce.

Every message sent here is a notice in the outbox, stored in the unit of work of the change
that caused it; every refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core import texts
from bot.core.audit import store
from bot.core.cards import waited
from bot.core.clock import utc_now
from bot.core.desk_input import named_ticket, registered_agent, written
from bot.core.domain import Reply
from bot.core.incident_intake import LIVE, link_case, supervisors_on_shift, tell_user
from bot.core.incidents import IncidentStatus, MajorIncident, incident_id_from_reference
from bot.core.masking import mask_sensitive
from bot.core.once import acting_once, answered
from bot.core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import (
    Agent,
    Move,
    Notice,
    Ticket,
    TicketStatus,
    refusal,
)
from bot.errors import Refused

LISTED_CASES = 20  # how many of an incident's cases `incidents` names


class IncidentDesk:
    """What supervisors, owners and homeworkers do with major incidents; refusals change nothing."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def listing(self) -> Reply:
        """The proposed and open major incidents, oldest first, with their cases."""
        now = self._clock()
        with self._unit_of_work(read_only=True) as uow:
            lines = open_incident_lines(uow, now, with_proposed=True, with_cases=True)
        if not lines:
            return Reply("No major incident is open or proposed.")
        return Reply("Major incidents:\n" + "\n".join(lines))

    def confirm(
        self, agent_id: int, reference: str, title: str = "", *, delivery: str | None = None
    ) -> Reply:
        """A supervisor confirms a proposal and owns it; its cases are linked, users told."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            supervisor = self._supervisor(uow, agent_id, "confirm")
            incident = self._incident(uow, reference)
            incident.confirm(supervisor.id, now, _cleaned(title))
            uow.incidents.save(incident)
            linked = [case for case in uow.tickets.of_incident(incident.id) if case.can(Move.LINK)]
            for case in linked:
                link_case(uow, case, incident, supervisor, now)
            _tell_other_supervisors(
                uow, supervisor, f"{incident.reference} confirmed by {supervisor.name}: "
                f"{incident.title}; {len(linked)} case(s) linked.", now,
            )  # fmt: skip
            refs = ", ".join(case.reference for case in linked) or "none yet"
            answer = Reply(
                f"{incident.reference} confirmed: {incident.title}. You own it. Linked "
                f"{len(linked)} case(s): {refs}; their users were told. New matching enquiries "
                f"are linked at once. `incident update {incident.reference} TEXT` tells every "
                f"linked user; `incident resolve {incident.reference} NOTE` when it is fixed."
            )
            return answered(uow, supervisor.id, answer, delivery, now)

    def dismiss(self, agent_id: int, reference: str, *, delivery: str | None = None) -> Reply:
        """A supervisor says the burst is not one incident; its cases stay in the queue."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            supervisor = self._supervisor(uow, agent_id, "dismiss")
            incident = self._incident(uow, reference)
            incident.dismiss()
            uow.incidents.save(incident)
            _tell_other_supervisors(
                uow, supervisor, f"{incident.reference} dismissed by {supervisor.name}.", now
            )
            answer = Reply(f"{incident.reference} dismissed; its cases stay as they are.")
            return answered(uow, supervisor.id, answer, delivery, now)

    def assign_owner(
        self, agent_id: int, reference: str, name: str, *, delivery: str | None = None
    ) -> Reply:
        """A supervisor hands an open incident to a homeworker (or another supervisor)."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            supervisor = self._supervisor(uow, agent_id, "hand over")
            incident = self._incident(uow, reference)
            owner = uow.agents.by_name(name.strip())
            if owner is None:
                raise Refused(f"There is no homeworker called {name.strip()!r}.")
            if not incident.is_open:
                raise Refused(f"{incident.reference} is {incident.status.value}.")
            incident.owner_id = owner.id
            uow.incidents.save(incident)
            if owner.id != supervisor.id:
                uow.outbox.add(
                    Notice(
                        f"{supervisor.name} made you the owner of {incident.reference} "
                        f"({incident.title}): `incident update {incident.reference} TEXT` tells "
                        f"every linked user; `incident resolve {incident.reference} NOTE` ends it.",
                        agent_id=owner.id,
                    ),
                    now,
                )
            answer = Reply(f"{owner.name} now owns {incident.reference}.")
            return answered(uow, supervisor.id, answer, delivery, now)

    def post_update(
        self, agent_id: int, reference: str, text: str, *, delivery: str | None = None
    ) -> Reply:
        """The owner (or a supervisor) sends news to every user linked to the incident."""
        news = _required(text, "news", f"Write the news, e.g. `incident update {reference} ...`.")

        def told(incident: MajorIncident) -> str:
            incident.post_update(news)
            return texts.incident_update(incident.reference, incident.title, news)

        return self._tell_linked(agent_id, reference, told, "Update", delivery)

    def set_workaround(
        self, agent_id: int, reference: str, text: str, *, delivery: str | None = None
    ) -> Reply:
        """The owner writes what users can do meanwhile: told to those linked, and to all
        who are linked from now on."""
        workaround = _required(
            text, "workaround", f"Write it, e.g. `incident workaround {reference} ...`."
        )

        def told(incident: MajorIncident) -> str:
            incident.set_workaround(workaround)
            return texts.incident_workaround(incident.reference, incident.title, workaround)

        return self._tell_linked(agent_id, reference, told, "Workaround", delivery)

    def _tell_linked(
        self,
        agent_id: int,
        reference: str,
        change: Callable[[MajorIncident], str],
        what: str,
        delivery: str | None,
    ) -> Reply:
        """Change an incident the agent may run and tell every linked user what ``change``
        returns."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            incident = self._owned(uow, agent_id, reference)
            message = change(incident)
            uow.incidents.save(incident)
            linked = self._linked(uow, incident)
            for case in linked:
                tell_user(uow, case, message, now)
            answer = Reply(f"{what} sent to {len(linked)} linked user(s) of {incident.reference}.")
            return answered(uow, agent_id, answer, delivery, now)

    def resolve(
        self, agent_id: int, reference: str, note: str, *, delivery: str | None = None
    ) -> Reply:
        """The owner (or a supervisor) ends the incident: every linked case is resolved with
        it and its user asked whether it works for them ("not fixed" reopens their own case)."""
        fix = _required(
            note, "note", f"Say what fixed it, e.g. `incident resolve {reference} ...`."
        )
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            incident = self._owned(uow, agent_id, reference)
            incident.resolve(fix, now)
            uow.incidents.save(incident)
            told = self._linked(uow, incident)
            for case in told:
                store(uow, case, case.resolve_with_incident(incident.reference, fix, now))
                message = texts.incident_fixed(
                    case.reference, incident.reference, incident.title, fix
                )
                tell_user(uow, case, message, now, choices=texts.rating_choices(case.reference))
            answer = Reply(
                f"{incident.reference} resolved. {len(told)} linked user(s) were asked to "
                "confirm it works for them."
            )
            return answered(uow, agent_id, answer, delivery, now)

    def link(
        self, agent_id: int, case_reference: str, reference: str, *, delivery: str | None = None
    ) -> Reply:
        """Link a case by hand: its holder, a supervisor, or anyone while it is queued."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = named_ticket(uow, case_reference)
            incident = self._incident(uow, reference)
            if not incident.is_open:
                raise Refused(f"{incident.reference} is {incident.status.value}, not open.")
            if not ticket.can(Move.LINK):
                raise Refused(refusal(ticket.reference, ticket.status, Move.LINK))
            mine = ticket.assignee_id == agent.id or ticket.status is TicketStatus.QUEUED
            if not (mine or agent.is_supervisor):
                raise Refused(f"{ticket.reference} is not yours to link.")
            link_case(uow, ticket, incident, agent, now)
            answer = Reply(
                f"{ticket.reference} linked to {incident.reference}; the user has been told it "
                "is a known problem."
            )
            return answered(uow, agent.id, answer, delivery, now)

    def announce(self, agent_id: int, text: str, *, delivery: str | None = None) -> Reply:
        """A supervisor's message to every homeworker on shift."""
        message = _required(
            text, "announcement", "Write the announcement, e.g. `announce known outage, ...`."
        )
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            supervisor = self._supervisor(uow, agent_id, "announce")
            team = [a for a in uow.agents.all() if a.id != supervisor.id and a.is_available(now)]
            for agent in team:
                uow.outbox.add(
                    Notice(f"Announcement from {supervisor.name}: {message}", agent_id=agent.id),
                    now,
                )
            names = ", ".join(a.name for a in team)
            answer = Reply(
                f"Announced to {len(team)} on shift: {names}."
                if team
                else "Nobody else is on shift; nobody was told."
            )
            return answered(uow, supervisor.id, answer, delivery, now)

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _incident(uow: UnitOfWork, reference: str) -> MajorIncident:
        incident_id = incident_id_from_reference(reference)
        incident = uow.incidents.get(incident_id) if incident_id is not None else None
        if incident is None:
            raise Refused(f"There is no major incident {reference.strip()!r}. They look like MI-3.")
        return incident

    @staticmethod
    def _supervisor(uow: UnitOfWork, agent_id: int, verb: str) -> Agent:
        agent = registered_agent(uow, agent_id)
        if not agent.is_supervisor:
            raise Refused(f"Only a supervisor can {verb} a major incident.")
        return agent

    def _owned(self, uow: UnitOfWork, agent_id: int, reference: str) -> MajorIncident:
        agent = registered_agent(uow, agent_id)
        incident = self._incident(uow, reference)
        if incident.owner_id != agent.id and not agent.is_supervisor:
            raise Refused(f"Only {incident.reference}'s owner or a supervisor can do that.")
        return incident

    @staticmethod
    def _linked(uow: UnitOfWork, incident: MajorIncident) -> list[Ticket]:
        return [
            case
            for case in uow.tickets.of_incident(incident.id)
            if case.status is TicketStatus.LINKED
        ]


def open_incident_lines(
    uow: UnitOfWork, now: datetime, with_proposed: bool = False, with_cases: bool = False
) -> list[str]:
    """One line per open (and, if asked, proposed) major incident; ``with_cases``: and one
    naming its cases (`view T-…` shows any of them)."""
    statuses = LIVE if with_proposed else (IncidentStatus.OPEN,)
    lines = []
    for incident in uow.incidents.with_status(*statuses):
        cases = [
            t
            for t in uow.tickets.of_incident(incident.id)
            if t.status is TicketStatus.LINKED or (t.is_open and not incident.is_open)
        ]
        owner = uow.agents.get(incident.owner_id) if incident.owner_id else None
        since = incident.confirmed_at or incident.created_at
        counted = "linked" if incident.is_open else "grouped"
        lines.append(
            f"{incident.reference} · {incident.status.value} · {incident.title} · "
            f"owner {owner.name if owner else 'none yet'} · {len(cases)} {counted} · "
            f"since {since:%H:%M} UTC ({waited(since, now)})"
        )
        if with_cases and cases:
            shown = ", ".join(t.reference for t in cases[:LISTED_CASES])
            more = f" and {len(cases) - LISTED_CASES} more" if len(cases) > LISTED_CASES else ""
            lines.append(f"  cases: {shown}{more}")
    return lines


def _tell_other_supervisors(uow: UnitOfWork, decided: Agent, text: str, now: datetime) -> None:
    """The other supervisors the proposal went to learn who decided it, and how."""
    for supervisor in supervisors_on_shift(uow, now):
        if supervisor.id != decided.id:
            uow.outbox.add(Notice(text, agent_id=supervisor.id), now)


def _cleaned(text: str) -> str:
    return mask_sensitive(text.replace("\x00", "").strip()).text[:200]


def _required(text: str, what: str, hint: str) -> str:
    cleaned = mask_sensitive(written(text, what)).text
    if not cleaned:
        raise Refused(hint)
    return cleaned
