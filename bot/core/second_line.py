"""The homeworkers' desk: claiming, working, handing on and resolving second-line cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core import texts
from bot.core.audit import done_with, store
from bot.core.cards import header, queue_line
from bot.core.clock import utc_now
from bot.core.desk_input import named_ticket, registered_agent, written
from bot.core.dispatch import (
    alert_supervisors,
    case_card,
    case_reply,
    claim_choice,
    offer_case,
)
from bot.core.domain import Article, Attachment, Choice, Direction, Reply, TextPart, joined
from bot.core.incident_desk import IncidentDesk, open_incident_lines
from bot.core.masking import mask_sensitive
from bot.core.once import acting_once, answered
from bot.core.ports import Clock, KnowledgeBase, UnitOfWork, UnitOfWorkFactory
from bot.core.routing import can_take, queue_order
from bot.core.tickets import (
    DEFAULT_SERVICE_LEVELS,
    SENT_ARTICLE,
    Agent,
    Move,
    Notice,
    Role,
    ServiceLevels,
    Ticket,
    TicketEvent,
    TicketStatus,
    refusal,
)
from bot.errors import Refused

ARTICLE_MATCHES = 5  # how many articles a search for a canned answer lists
LISTED_SHARE = 0.5  # a listed match scores at least this share of the answer threshold


class SecondLineDesk:
    """What a homeworker or supervisor can do; every refusal changes nothing."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        categories: Sequence[str],
        levels: ServiceLevels = DEFAULT_SERVICE_LEVELS,
        clock: Clock = utc_now,
        knowledge: Callable[[], KnowledgeBase] | None = None,
    ) -> None:
        """``knowledge`` opens the knowledge base on first use, so a desk that never sends
        an article never indexes one."""
        self._unit_of_work = unit_of_work
        self.categories = tuple(categories)
        self.levels = levels
        self._clock = clock
        self._knowledge = knowledge
        self.incidents = IncidentDesk(unit_of_work, clock)

    # --- who is asking -------------------------------------------------------------------

    def agent_named(self, name: str) -> Agent:
        """The registered agent of that name, or a refusal saying how to register one."""
        with self._unit_of_work(read_only=True) as uow:
            agent = uow.agents.by_name(name.strip())
        if agent is None:
            raise Refused(
                f"There is no homeworker called {name!r}. An admin adds one with "
                f"`triage agents add {name}`."
            )
        return agent

    def agent_with_telegram_id(self, telegram_id: str) -> Agent | None:
        """The agent registered with this Telegram user id, if any."""
        with self._unit_of_work(read_only=True) as uow:
            return uow.agents.by_telegram_id(telegram_id)

    # --- looking -------------------------------------------------------------------------

    def queue(self, agent_id: int) -> Reply:
        """The cases waiting to be claimed, most urgent first."""
        now = self._clock()
        with self._unit_of_work(read_only=True) as uow:
            agent = registered_agent(uow, agent_id)
            waiting = sorted(uow.tickets.with_status(TicketStatus.QUEUED), key=queue_order)
            incidents = open_incident_lines(uow, now)
        known = (
            ["Open major incidents (`link T-… MI-…` links a case to one):", *incidents, ""]
            if incidents
            else []
        )
        if not waiting:
            return Reply("\n".join([*known, "No case is waiting in the queue."]))
        lines = [queue_line(ticket, now) for ticket in waiting]
        mine = [t for t in waiting if agent.has_skill(t.category)]
        choices = (claim_choice(mine[0]),) if mine else ()
        return Reply("\n".join([*known, f"{len(waiting)} case(s) waiting:", *lines]), choices)

    def mine(self, agent_id: int) -> Reply:
        """The cases this agent holds, marking the current one."""
        now = self._clock()
        with self._unit_of_work(read_only=True) as uow:
            agent = registered_agent(uow, agent_id)
            held = uow.tickets.held_by(agent_id)
        if not held:
            return Reply("You hold no cases. `queue` lists waiting cases; `next` takes one.")
        lines = [
            ("→ " if ticket.id == agent.current_ticket_id else "  ") + header(ticket, now)
            for ticket in held
        ]
        return Reply(f"You hold {len(held)} of {agent.capacity} case(s):\n" + "\n".join(lines))

    def view(self, agent_id: int, reference: str) -> Reply:
        """A case's full card, for its holder, a supervisor, or anyone while it is queued or
        linked to a major incident."""
        now = self._clock()
        with self._unit_of_work(read_only=True) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = named_ticket(uow, reference)
            if not (
                agent.is_supervisor
                or ticket.assignee_id == agent.id
                or ticket.status in (TicketStatus.QUEUED, TicketStatus.LINKED)
            ):
                raise Refused(f"{ticket.reference} is not yours to view.")
            return case_reply(uow, ticket, now, agent)

    # --- taking cases ----------------------------------------------------------------------

    def claim(self, agent_id: int, reference: str, *, delivery: str | None = None) -> Reply:
        """Take a queued case; exactly one of several simultaneous claimers wins."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = named_ticket(uow, reference)
            self._check_can_claim(uow, agent, now)
            if ticket.assignee_id == agent.id and ticket.is_open:
                raise Refused(f"You already have {ticket.reference}.")
            if not self._won_claim(uow, agent, ticket, ticket.claim(agent, now), now):
                raise Refused(self._lost_claim(uow, ticket))
            answer = self._after_claim(uow, agent, ticket, now)
            return answered(uow, agent.id, answer, delivery, now)

    def next_case(self, agent_id: int, *, delivery: str | None = None) -> Reply:
        """Take the most urgent waiting case this agent has the skill for."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            self._check_can_claim(uow, agent, now)
            waiting = sorted(uow.tickets.with_status(TicketStatus.QUEUED), key=queue_order)
            for ticket in waiting:
                if not agent.has_skill(ticket.category):
                    continue
                claimed = ticket.claim(agent, now, next_in_queue=True)
                if self._won_claim(uow, agent, ticket, claimed, now):
                    answer = self._after_claim(uow, agent, ticket, now)
                    return answered(uow, agent.id, answer, delivery, now)
            nothing = Reply("No case is waiting for your skills right now.")
            return answered(uow, agent.id, nothing, delivery, now)

    def take_over(self, agent_id: int, reference: str, *, delivery: str | None = None) -> Reply:
        """A supervisor takes a case from whoever holds it."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            if not agent.is_supervisor:
                raise Refused("Only a supervisor can take over a case.")
            ticket = self._open_ticket(uow, reference)
            previous = ticket.assignee_id
            was_queued = ticket.status is TicketStatus.QUEUED
            taken = ticket.take_over(agent, now)
            if was_queued:
                if not self._won_claim(uow, agent, ticket, taken, now):
                    raise Refused(self._lost_claim(uow, ticket))
                self._tell_user_picked_up(uow, agent, ticket, now)
            else:
                store(uow, ticket, taken)
            if previous is not None:
                uow.outbox.add(
                    Notice(
                        f"{agent.name} (supervisor) has taken over {ticket.reference}.",
                        agent_id=previous,
                        ticket_id=ticket.id,
                    ),
                    now,
                )
                done_with(uow, previous, ticket.id)
            uow.agents.save(agent.working_on(ticket.id))
            return answered(uow, agent.id, case_reply(uow, ticket, now, agent), delivery, now)

    def switch(self, agent_id: int, reference: str, *, delivery: str | None = None) -> Reply:
        """Make one of the agent's cases the current one."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            uow.agents.save(agent.working_on(ticket.id))
            answer = Reply(f"Now working on {header(ticket, now)}.")
            return answered(uow, agent.id, answer, delivery, now)

    # --- working a case ----------------------------------------------------------------------

    def reply(
        self, agent_id: int, text: str, reference: str | None = None, *, delivery: str | None = None
    ) -> Reply:
        """Send the user a message on the agent's current (or named) case."""
        message = mask_sensitive(written(text, "reply")).text
        if not message:
            raise Refused("Write the reply after the command, e.g. `reply Please restart now`.")
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            sender = agent.display_name or texts.TEAM_NAME
            uow.messages.add(
                ticket.conversation_id,
                Direction.OUTBOUND,
                message,
                now,
                author=agent.actor,
            )
            uow.outbox.add(
                Notice(
                    f"{sender} ({ticket.reference}): {message}",
                    user_id=ticket.user_id,
                    ticket_id=ticket.id,
                ),
                now,
            )
            store(uow, ticket, ticket.agent_replied(agent, message, now))
            answer = Reply(f"Sent to the user on {ticket.reference}.")
            return answered(uow, agent.id, answer, delivery, now)

    def send_attachment(
        self,
        agent_id: int,
        attachment: Attachment,
        caption: str = "",
        reference: str | None = None,
        *,
        delivery: str | None = None,
    ) -> Reply:
        """Pass a photo or document to the user of the agent's current (or named) case."""
        said = mask_sensitive(written(caption, "caption")).text
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            sender = agent.display_name or texts.TEAM_NAME
            uow.messages.add(
                ticket.conversation_id,
                Direction.OUTBOUND,
                f"{attachment.describe()} {said}".strip(),
                now,
                author=agent.actor,
                attachment=attachment,
            )
            heading = f"{sender} ({ticket.reference})"
            uow.outbox.add(
                Notice(
                    f"{heading}: {said}" if said else f"{heading} sent a {attachment.kind}.",
                    user_id=ticket.user_id,
                    ticket_id=ticket.id,
                    attachment=attachment,
                ),
                now,
            )
            store(uow, ticket, ticket.agent_replied(agent, said or attachment.kind, now))
            answer = Reply(f"Sent the {attachment.kind} to the user on {ticket.reference}.")
            return answered(uow, agent.id, answer, delivery, now)

    def send_article(self, agent_id: int, wanted: str, *, delivery: str | None = None) -> Reply:
        """Send the user of the current case the article whose id is ``wanted``; anything
        else is a search, answered with the best matches to choose from (nothing is sent)."""
        asked = mask_sensitive(written(wanted, "search")).text
        if not asked:
            raise Refused("Say what to look for, e.g. `kb vpn`, or which article to send.")
        knowledge = self._knowledge_base()
        article = knowledge.article(asked.casefold())
        if article is None:
            return self._article_matches(knowledge, asked)
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, None)
            sender = agent.display_name or texts.TEAM_NAME
            parts = (
                TextPart(texts.article_sent(sender, ticket.reference)),
                texts.article_markdown(article),
            )
            uow.messages.add(
                ticket.conversation_id,
                Direction.OUTBOUND,
                f"[{SENT_ARTICLE} {article.id}: {article.title}]",  # the card's one line for it
                now,
                author=agent.actor,
            )
            uow.outbox.add(
                Notice(joined(parts), user_id=ticket.user_id, ticket_id=ticket.id, parts=parts),
                now,
            )
            store(uow, ticket, ticket.send_article(agent, article.id, now))
            answer = Reply(
                f"Sent {article.id} ({article.title}) to the user on {ticket.reference}."
            )
            return answered(uow, agent.id, answer, delivery, now)

    def _article_matches(self, knowledge: KnowledgeBase, query: str) -> Reply:
        """The articles that best match ``query``, numbered, each a choice that sends it."""
        if query.isdigit():
            raise Refused(
                f"{query} is not an article id: pick from the last search by its number in the "
                "terminal desk, tap its button in chat, or send `kb ARTICLE-ID`."
            )
        bar = knowledge.min_score * LISTED_SHARE
        found = [m for m in knowledge.search(query, limit=ARTICLE_MATCHES) if m.score >= bar]
        if not found:
            return Reply(f"No article matches {query!r}. Try other words.")
        lines = [
            f"{number}. {match.article.id} · {match.article.title} (score {match.score:.2f})"
            for number, match in enumerate(found, start=1)
        ]
        header = f"Articles for {query!r}; `kb ARTICLE-ID` sends one to your current case's user:"
        choices = tuple(_send_choice(number, m.article) for number, m in enumerate(found, 1))
        return Reply("\n".join([header, *lines]), choices)

    def note(
        self, agent_id: int, text: str, reference: str | None = None, *, delivery: str | None = None
    ) -> Reply:
        """Add an internal note the user never sees."""
        message = mask_sensitive(written(text, "note")).text
        if not message:
            raise Refused("Write the note after the command, e.g. `note checked the logs`.")
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            store(uow, ticket, ticket.note(agent, message, now))
            answer = Reply(f"Note added to {ticket.reference} (the user does not see it).")
            return answered(uow, agent.id, answer, delivery, now)

    def transfer(
        self,
        agent_id: int,
        target: str,
        reference: str | None = None,
        *,
        delivery: str | None = None,
    ) -> Reply:
        """Hand a case to a named colleague, or back to the queue for another skill."""
        wanted = target.strip()
        if not wanted:
            raise Refused("Say who or which skill, e.g. `transfer dana` or `transfer network`.")
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            colleague = uow.agents.by_name(wanted)
            if colleague is not None:
                answer = self._transfer_to_agent(uow, agent, colleague, ticket, now)
            elif wanted.casefold() in self.categories:
                answer = self._transfer_to_skill(uow, agent, wanted.casefold(), ticket, now)
            else:
                raise Refused(
                    f"No homeworker or skill called {wanted!r}. "
                    f"Skills: {', '.join(self.categories)}."
                )
            return answered(uow, agent.id, Reply(answer), delivery, now)

    def release(
        self, agent_id: int, reference: str | None = None, *, delivery: str | None = None
    ) -> Reply:
        """Put a case back in the queue for someone else."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            store(uow, ticket, ticket.release(agent, now))
            uow.agents.save(agent.done_with(ticket.id))
            offer_case(uow, ticket, now, self.levels, excluding=agent.id)
            answer = Reply(f"{ticket.reference} is back in the queue.")
            return answered(uow, agent.id, answer, delivery, now)

    def resolve(
        self,
        agent_id: int,
        note: str,
        corrected_category: str | None = None,
        second_line_needed: bool = True,
        reference: str | None = None,
        *,
        delivery: str | None = None,
    ) -> Reply:
        """Close the work on a case with a resolution note, and ask the user for a rating."""
        resolution = mask_sensitive(written(note, "note")).text
        if not resolution:
            raise Refused("Say what fixed it, e.g. `resolve reset the VPN profile`.")
        category = corrected_category.casefold() if corrected_category else None
        if category is not None and category not in self.categories:
            known = ", ".join(self.categories)
            raise Refused(f"{corrected_category!r} is not a category. Categories: {known}.")
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            resolved = ticket.resolve(agent, resolution, category, second_line_needed, now)
            store(uow, ticket, resolved)
            uow.agents.save(agent.done_with(ticket.id))
            uow.messages.add(
                ticket.conversation_id,
                Direction.OUTBOUND,
                texts.resolved(ticket.reference, resolution),
                now,
                author=agent.actor,
            )
            uow.outbox.add(
                Notice(
                    texts.resolved(ticket.reference, resolution),
                    user_id=ticket.user_id,
                    ticket_id=ticket.id,
                    choices=texts.rating_choices(ticket.reference),
                ),
                now,
            )
            answer = Reply(
                f"{ticket.reference} resolved. The user has been asked to rate the help."
            )
            return answered(uow, agent.id, answer, delivery, now)

    def ask_for_help(
        self,
        agent_id: int,
        question: str,
        reference: str | None = None,
        *,
        delivery: str | None = None,
    ) -> Reply:
        """Ask the supervisors for help with a case; they see its card and the question."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            ticket = self._workable(uow, agent, reference)
            ask = mask_sensitive(written(question, "question")).text or "(no question given)"
            asked = ticket.ask_for_help(agent, ask, now)
            supervisors = alert_supervisors(
                uow, ticket, f"{agent.name} asks for help with {ticket.reference}: {ask}", now
            )
            if not supervisors:
                raise Refused("No supervisor is registered, so nobody can be asked for help.")
            store(uow, ticket, asked)
            names = ", ".join(s.name for s in supervisors)
            answer = Reply(f"Asked {names} for help with {ticket.reference}.")
            return answered(uow, agent.id, answer, delivery, now)

    def set_shift(self, agent_id: int, on_shift: bool, *, delivery: str | None = None) -> Reply:
        """Start or end a shift."""
        now = self._clock()
        with acting_once(self._unit_of_work, delivery, now) as uow:
            agent = registered_agent(uow, agent_id)
            uow.agents.save(replace(agent, on_shift=on_shift))
            held = uow.tickets.held_by(agent_id)
            waiting = len(uow.tickets.with_status(TicketStatus.QUEUED))
            answer = _shift_answer(agent, on_shift, len(held), waiting, now)
            return answered(uow, agent.id, answer, delivery, now)

    # --- helpers -------------------------------------------------------------------------------

    def _knowledge_base(self) -> KnowledgeBase:
        if self._knowledge is None:
            raise Refused("The knowledge base is not available on this desk.")
        return self._knowledge()

    def _open_ticket(self, uow: UnitOfWork, reference: str) -> Ticket:
        ticket = named_ticket(uow, reference)
        if ticket.status is TicketStatus.RESOLVED:
            raise Refused(f"{ticket.reference} is already resolved.")
        if not ticket.is_open:
            raise Refused(f"{ticket.reference} is {ticket.status.value}; nothing more can be done.")
        return ticket

    def _workable(self, uow: UnitOfWork, agent: Agent, reference: str | None) -> Ticket:
        """The open case the agent means, if they may work on it."""
        if reference is None:
            held = uow.tickets.held_by(agent.id)
            current = [t for t in held if t.id == agent.current_ticket_id]
            if current:
                return current[0]
            if len(held) == 1:
                return held[0]
            if not held:
                raise Refused("You hold no case. `queue` lists waiting cases; `next` takes one.")
            raise Refused(
                "You hold several cases; pick one with `switch T-…` first: "
                + ", ".join(t.reference for t in held)
            )
        ticket = self._open_ticket(uow, reference)
        if ticket.assignee_id != agent.id and not agent.is_supervisor:
            raise Refused(f"{ticket.reference} is not yours.")
        return ticket

    def _check_can_claim(self, uow: UnitOfWork, agent: Agent, now: datetime) -> None:
        if not agent.on_shift:
            raise Refused("You are off shift. Send `shift on` to start taking cases.")
        if not agent.is_available(now):
            raise Refused(f"It is outside your working hours ({agent.working_hours}).")
        held = len(uow.tickets.held_by(agent.id))
        if held >= agent.capacity and agent.role is Role.HOMEWORKER:
            raise Refused(
                f"You already hold {held} case(s), your capacity. Resolve or release one first."
            )

    @staticmethod
    def _won_claim(
        uow: UnitOfWork, agent: Agent, ticket: Ticket, claimed: TicketEvent, now: datetime
    ) -> bool:
        """Store a claim unless another claimer stored theirs first (compare-and-set)."""
        if not uow.tickets.try_claim(ticket.id, agent.id, now):
            return False
        store(uow, ticket, claimed)
        return True

    @staticmethod
    def _lost_claim(uow: UnitOfWork, ticket: Ticket) -> str:
        """Why a claim that passed the rules lost the race."""
        now_stored = uow.tickets.get(ticket.id)
        status = now_stored.status if now_stored is not None else TicketStatus.ASSIGNED
        return refusal(ticket.reference, status, Move.CLAIM)

    def _after_claim(self, uow: UnitOfWork, agent: Agent, ticket: Ticket, now: datetime) -> Reply:
        uow.agents.save(agent.working_on(ticket.id))
        self._tell_user_picked_up(uow, agent, ticket, now)
        return case_reply(uow, ticket, now, agent)

    @staticmethod
    def _tell_user_picked_up(uow: UnitOfWork, agent: Agent, ticket: Ticket, now: datetime) -> None:
        """The one notice the user gets when someone takes their case from the queue."""
        uow.outbox.add(
            Notice(
                texts.picked_up(ticket.reference, agent.display_name),
                user_id=ticket.user_id,
                ticket_id=ticket.id,
            ),
            now,
        )

    def _transfer_to_agent(
        self, uow: UnitOfWork, agent: Agent, colleague: Agent, ticket: Ticket, now: datetime
    ) -> str:
        transferred = ticket.transfer_to_agent(agent, colleague, now)
        if not can_take(colleague, None, uow.agents.loads(), now):
            raise Refused(
                f"{colleague.name} can't take it now (off shift or at capacity). "
                "Transfer to a skill instead to put it back in the queue."
            )
        store(uow, ticket, transferred)
        uow.agents.save(agent.done_with(ticket.id))
        uow.agents.save(colleague.working_on(ticket.id))
        uow.outbox.add(
            Notice(
                f"{agent.name} transferred {ticket.reference} to you:\n"
                f"{case_card(uow, ticket, now, colleague)}",
                agent_id=colleague.id,
                ticket_id=ticket.id,
                case_status=ticket.status,
            ),
            now,
        )
        return f"{ticket.reference} transferred to {colleague.name}."

    def _transfer_to_skill(
        self, uow: UnitOfWork, agent: Agent, skill: str, ticket: Ticket, now: datetime
    ) -> str:
        store(uow, ticket, ticket.transfer_to_skill(agent, skill, now))
        uow.agents.save(agent.done_with(ticket.id))
        offered = offer_case(uow, ticket, now, self.levels, excluding=agent.id)
        who = ", ".join(a.name for a in offered) or "nobody is available yet"
        return f"{ticket.reference} is queued for {skill}; offered to: {who}."


def _shift_answer(agent: Agent, on_shift: bool, held: int, waiting: int, now: datetime) -> Reply:
    """What a homeworker is told on starting or ending a shift."""
    if not on_shift:
        extra = (
            f" You still hold {held} case(s): release them, or they are taken back "
            "if the user waits too long."
            if held
            else ""
        )
        return Reply("You are off shift; no new cases will be offered to you." + extra)
    hours = ""
    if agent.working_hours is not None and not replace(agent, on_shift=True).is_available(now):
        hours = f" (outside your working hours {agent.working_hours} {agent.timezone})"
    return Reply(f"You are on shift{hours}. {waiting} case(s) waiting in the queue.")


def _send_choice(number: int, article: Article) -> Choice:
    """A choice that sends the article: numbered as the list shows it."""
    return Choice(f"{number}. {article.id}", f"kb {article.id}")
