"""The end user's side of a second-line case: opening it, writing to it, status, rating."""

from __future__ import annotations

from datetime import datetime

from bot.core import texts
from bot.core.audit import store
from bot.core.dispatch import alert_supervisors, offer_case
from bot.core.domain import (
    DEFAULT_PRIORITY,
    Attachment,
    Conversation,
    ConversationStatus,
    Direction,
    HandoffRequest,
    Priority,
    Reply,
    Stage,
    TriageVerdict,
)
from bot.core.incident_intake import incident_status, known_problem, link_or_detect
from bot.core.intents import Intent
from bot.core.ports import UnitOfWork
from bot.core.reply_reading import PLAIN_QUESTION, ReplyReading
from bot.core.routing import expected_wait, queue_order
from bot.core.summary import summarize
from bot.core.tickets import (
    HELD_STATUSES,
    HandoffPacket,
    Move,
    Notice,
    ServiceLevels,
    Ticket,
    TicketStatus,
)

LOW_RATING = 2
URGENT = Priority.P2  # the model alone raises an open case only to P2 or P1 (a rule: to any)


class UserCases:
    """Opens cases for first line and answers users whose case is with second line."""

    def __init__(self, levels: ServiceLevels) -> None:
        self.levels = levels

    def open_case(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        handoff: HandoffRequest,
        user_name: str,
        now: datetime,
    ) -> tuple[Ticket, str]:
        """Queue a case with everything first line knew, or link it at once to the open major
        incident it reports; returns it and what its user is told."""
        verdict = handoff.verdict
        said = [
            line.text
            for line in uow.messages.transcript(conversation.id)
            if line.direction is Direction.INBOUND
        ]
        packet = HandoffPacket(
            user_name=user_name,
            question=handoff.question,
            summary=summarize(said),
            reason=handoff.reason,
            signal=verdict.signal if verdict and handoff.reason == verdict.reason else "dialogue",
            category=verdict.category if verdict else None,
            confidence=verdict.confidence if verdict else 0.0,
            runner_ups=verdict.runner_ups if verdict else (),
            priority=verdict.priority if verdict else DEFAULT_PRIORITY,
            terms=verdict.terms if verdict else (),
            articles_tried=handoff.articles_tried,
        )
        ticket = uow.tickets.add(
            Ticket(
                id=0,
                conversation_id=conversation.id,
                user_id=conversation.user_id,
                status=TicketStatus.QUEUED,
                priority=packet.priority,
                category=packet.category,
                packet=packet,
                created_at=now,
            )
        )
        uow.events.add(ticket.opened(handoff.reason, now))
        incident = link_or_detect(uow, ticket, now, self.levels.burst)
        if incident is not None:  # a known problem: linked, not queued
            return ticket, known_problem(incident, ticket)
        offer_case(uow, ticket, now, self.levels)
        if ticket.priority is Priority.P1:
            alert_supervisors(uow, ticket, f"P1 case {ticket.reference} has been queued.", now)
        wait = expected_wait(uow.agents.all(), ticket, now, self.levels)
        return ticket, texts.handed_off(handoff, ticket.reference, wait)

    def on_message(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        reply: ReplyReading,
        text: str,
        now: datetime,
        verdict: TriageVerdict | None = None,
    ) -> list[Reply] | None:
        """Answer a user whose conversation is with second line; None: start afresh.

        ``reply`` is how the message was read; ``verdict`` is its own triage: an incident more
        urgent than the case raises the case (see :meth:`_raise_if_more_urgent`)."""
        intent = reply.intent
        ticket = uow.tickets.for_conversation(conversation.id)
        if ticket is None or ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
            conversation.status = ConversationStatus.RESOLVED
            return None
        if intent is Intent.CANCEL:
            return [self._cancel(uow, conversation, ticket, now)]
        if intent is Intent.HELP:
            return [Reply(texts.HELP)]
        if intent is Intent.STATUS:
            return [self.status_of(uow, ticket, now)]
        if ticket.status is TicketStatus.RESOLVED:
            answer = self._after_resolution(uow, conversation, ticket, reply, now)
            if answer is not None and ticket.is_open:  # reopened: as urgent as it now reads
                answer[:0] = self._raise_if_more_urgent(uow, ticket, intent, text, verdict, now)
            return answer
        raised = self._raise_if_more_urgent(uow, ticket, intent, text, verdict, now)
        return [*raised, self._relay(uow, ticket, text, now)]

    def _raise_if_more_urgent(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        intent: Intent,
        text: str,
        verdict: TriageVerdict | None,
        now: datetime,
    ) -> list[Reply]:
        """A never-miss rule, or the model escalating an IT question, at a higher priority
        than the open case: the case takes that priority and category, the person holding it
        and the supervisors are told at once, and the user gets the rule's advice."""
        if verdict is None or not verdict.more_urgent_than(ticket.priority):
            return []
        unlinked = ticket.status is TicketStatus.LINKED and verdict.from_rule
        if unlinked:
            self._unlink(uow, ticket, now)  # "and now there's a ransom note": not the outage's
        if not ticket.can(Move.RAISE_PRIORITY):
            return []  # a case linked to a major incident is the incident's
        if not (verdict.from_rule or intent in (Intent.QUESTION, Intent.REOPEN)):
            return []  # the model's reading of "yes" or "thanks" raises nothing
        if not verdict.from_rule and verdict.priority.rank > URGENT.rank:
            return []  # "I restarted it, still the same" is more of the case, not an emergency
        before = ticket.priority
        store(uow, ticket, ticket.raise_priority(verdict.priority, verdict.category, "triage", now))
        why = f"{ticket.reference} raised from {before} to {ticket.priority}: {verdict.reason}"
        if ticket.assignee_id is not None:
            uow.outbox.add(
                Notice(f"{why}. The user wrote: {text}", agent_id=ticket.assignee_id,
                       ticket_id=ticket.id),
                now,
            )  # fmt: skip
        alert_supervisors(uow, ticket, f"{why}.", now)
        if unlinked:
            offer_case(uow, ticket, now, self.levels)  # as urgent as it now is
        return [Reply(texts.priority_raised(ticket.reference, verdict))]

    def _unlink(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        """Take a linked case out of its major incident: queued as its own case again."""
        incident = uow.incidents.get(ticket.incident_id) if ticket.incident_id else None
        reference = incident.reference if incident is not None else "its major incident"
        store(uow, ticket, ticket.unlink(reference, now))

    def on_attachment(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        attachment: Attachment,
        text: str,
        now: datetime,
    ) -> Reply:
        """Pass a user's photo or document to whoever holds their case, or keep it for them."""
        ticket = uow.tickets.for_conversation(conversation.id)
        if ticket is None or not ticket.is_open:
            return Reply(texts.ATTACHMENT_KEPT.format(kind=attachment.kind))
        if ticket.assignee_id is not None and ticket.status is not TicketStatus.QUEUED:
            uow.outbox.add(
                Notice(
                    f"{ticket.reference} · {ticket.packet.user_name}: {text}",
                    agent_id=ticket.assignee_id,
                    ticket_id=ticket.id,
                    attachment=attachment,
                ),
                now,
            )
        return Reply(
            texts.ATTACHMENT_ADDED.format(kind=attachment.kind, reference=ticket.reference)
        )

    def status(self, uow: UnitOfWork, user_id: int, now: datetime) -> Reply:
        """Where the user's latest request stands."""
        ticket = uow.tickets.latest_for_user(user_id)
        if ticket is None:
            return Reply(texts.NO_REQUEST)
        return self.status_of(uow, ticket, now)

    def status_of(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> Reply:
        """A sentence on one ticket's state, for its user."""
        ref = ticket.reference
        if ticket.status is TicketStatus.QUEUED:
            position, waiting = self._position(uow, ticket)
            wait = expected_wait(uow.agents.all(), ticket, now, self.levels)
            return Reply(
                f"{ref} (priority {ticket.priority}) is queued, {position} of {waiting} waiting. "
                f"{wait}"
            )
        if ticket.status is TicketStatus.ASSIGNED:
            return Reply(f"{ref} is with a member of our team, who will reply here.")
        if ticket.status is TicketStatus.WAITING_ON_USER:
            return Reply(f"{ref} is waiting for your reply to our team's last message.")
        if ticket.status is TicketStatus.LINKED:
            return Reply(incident_status(uow, ticket))
        if ticket.status is TicketStatus.RESOLVED:
            resolved = texts.resolved(ref, ticket.resolution_note or "")
            return Reply(resolved, texts.rating_choices(ref))
        return Reply(f"{ref} is {ticket.status.value}. Write any time if you need more help.")

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _position(uow: UnitOfWork, ticket: Ticket) -> tuple[int, int]:
        waiting = sorted(uow.tickets.with_status(TicketStatus.QUEUED), key=queue_order)
        ids = [t.id for t in waiting]
        return (ids.index(ticket.id) + 1 if ticket.id in ids else len(ids)), len(ids)

    def _relay(self, uow: UnitOfWork, ticket: Ticket, text: str, now: datetime) -> Reply:
        if ticket.status is TicketStatus.LINKED:
            return Reply(f"Added to {ticket.reference}. {incident_status(uow, ticket)}")
        if ticket.status is TicketStatus.QUEUED or ticket.assignee_id is None:
            position, waiting = self._position(uow, ticket)
            return Reply(
                texts.QUEUED_ADDED.format(
                    reference=ticket.reference,
                    priority=ticket.priority,
                    position=position,
                    waiting=waiting,
                )
            )
        uow.outbox.add(
            Notice(
                f"{ticket.reference} · {ticket.packet.user_name}: {text}",
                agent_id=ticket.assignee_id,
                ticket_id=ticket.id,
            ),
            now,
        )
        if ticket.can(Move.USER_REPLIED):
            store(uow, ticket, ticket.user_replied(now))
        return Reply(texts.ADDED_FOR_TEAM.format(reference=ticket.reference))

    def _cancel(
        self, uow: UnitOfWork, conversation: Conversation, ticket: Ticket, now: datetime
    ) -> Reply:
        if ticket.assignee_id is not None and ticket.status in HELD_STATUSES:
            uow.outbox.add(
                Notice(
                    f"The user cancelled {ticket.reference}.",
                    agent_id=ticket.assignee_id,
                    ticket_id=ticket.id,
                ),
                now,
            )
        store(uow, ticket, ticket.cancel(now))
        conversation.status = ConversationStatus.CANCELLED
        conversation.stage = Stage.IDLE
        return Reply(texts.CASE_CANCELLED.format(reference=ticket.reference))

    def _after_resolution(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        ticket: Ticket,
        reply: ReplyReading,
        now: datetime,
    ) -> list[Reply] | None:
        """A rating closes the case; "not fixed" (or asking for a person) reopens it; a plain
        new IT question closes it unrated and starts afresh; anything else is asked once more
        for a rating, then the case closes unrated and the message is read afresh."""
        if reply.intent is Intent.RATING and reply.rating is not None:
            return [self._rate(uow, conversation, ticket, reply.rating, now)]
        if reply.intent in (Intent.REOPEN, Intent.HUMAN):
            conversation.stage = Stage.IDLE
            return [self._reopen(uow, ticket, reply.details, now)]
        plainly_new = reply.intent is Intent.QUESTION and reply.confidence >= PLAIN_QUESTION
        if not plainly_new and conversation.stage is not Stage.RATING_ASKED_AGAIN:
            conversation.stage = Stage.RATING_ASKED_AGAIN
            again = texts.RATE_AGAIN.format(reference=ticket.reference)
            return [Reply(again, texts.rating_choices(ticket.reference))]
        store(uow, ticket, ticket.close_unrated(now))
        conversation.status = ConversationStatus.RESOLVED
        conversation.stage = Stage.IDLE
        return None

    def _rate(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        ticket: Ticket,
        rating: int,
        now: datetime,
    ) -> Reply:
        store(uow, ticket, ticket.rate(rating, now))
        conversation.status = ConversationStatus.RESOLVED
        conversation.stage = Stage.IDLE
        answer = texts.RATING_THANKS.format(rating=rating)
        if rating <= LOW_RATING:
            alert_supervisors(
                uow, ticket, f"{ticket.reference} was rated {rating}/5.", now, with_card=False
            )
            answer += texts.RATING_LOW_FOLLOW_UP
        return Reply(answer)

    def _reopen(self, uow: UnitOfWork, ticket: Ticket, details: str, now: datetime) -> Reply:
        """Reopen the case with what the user added, told to its holder or to whoever it is
        offered to (and kept in its audit trail)."""
        holder = uow.agents.get(ticket.assignee_id) if ticket.assignee_id else None
        holder_available = holder is not None and holder.is_available(now)
        store(uow, ticket, ticket.reopen(now, holder_available=holder_available, details=details))
        said = f" The user wrote: {details}" if details else ""
        if holder is not None and holder_available:
            uow.outbox.add(
                Notice(
                    f"The user says {ticket.reference} is not fixed; it is back with you.{said}",
                    agent_id=holder.id,
                    ticket_id=ticket.id,
                ),
                now,
            )
        else:
            news = f"The user says {ticket.reference} is not fixed.{said}"
            offer_case(uow, ticket, now, self.levels, news=news)
        text = texts.REOPENED_WITH_DETAILS if details else texts.REOPENED
        return Reply(text.format(reference=ticket.reference))
