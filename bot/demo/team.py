"""The simulated second-line team: shifts, claiming, replying, transferring and resolving."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.core.roster import Roster
from bot.core.second_line import SecondLineDesk
from bot.core.tickets import Agent, Role, Ticket, TicketStatus, WorkingHours
from bot.demo.material import FIXES, TEAM, Member
from bot.demo.users import Users
from bot.errors import Refused

CLAIMED = re.compile(r"^(T-\d+)")
TEAM_REPLIES = (
    "Thanks for the details. Could you restart the device and tell me if it still happens?",
    "I've had a look at your account. Can you try signing in again now?",
    "I've pushed a fix to your laptop; please reboot when you can and let me know.",
    "Could you send me the exact error message you see?",
    "I'm checking the logs on our side; are you on the office network or at home?",
)
OpenTickets = Callable[[], list[Ticket]]


@dataclass
class Plan:
    """What the person holding a case means to do next, and when."""

    exchanges: int
    replies: int = 0
    due: datetime | None = None
    holder: int | None = None


@dataclass
class DemoTeam:
    """Five homeworkers and a supervisor working the queue through the real desk."""

    desk: SecondLineDesk
    roster: Roster
    users: Users
    open_tickets: OpenTickets
    rng: random.Random
    clock: Callable[[], datetime]
    members: dict[int, Member] = field(default_factory=dict)
    agents: dict[int, Agent] = field(default_factory=dict)
    on_shift: dict[int, bool] = field(default_factory=dict)
    plans: dict[int, Plan] = field(default_factory=dict)
    open_cases: int = 0

    def register(self) -> None:
        """Add the team to the roster (kept as they are when already registered)."""
        for member in TEAM:
            agent = Agent(
                id=0,
                name=member.name,
                role=member.role,
                skills=member.skills,
                capacity=member.capacity,
                timezone=member.timezone,
                working_hours=WorkingHours(member.start, member.end),
                display_name=member.display_name,
            )
            try:
                added = self.roster.add(agent)
            except Refused:
                added = self.desk.agent_named(member.name)
            self.members[added.id] = member
            self.agents[added.id] = added
            self.on_shift[added.id] = added.on_shift

    def tick(self) -> None:
        """Everyone on shift works their cases and maybe takes a new one."""
        now = self.clock()
        tickets = self.open_tickets()
        self.open_cases = len(tickets)
        queued = [t for t in tickets if t.status is TicketStatus.QUEUED]
        for agent_id, member in self.members.items():
            held = [t for t in tickets if t.assignee_id == agent_id]
            working = _works_at(member, now)
            if working != self.on_shift[agent_id]:
                self._shift(agent_id, working, held)
            if not working:
                continue
            for ticket in held:
                if ticket.status is TicketStatus.ASSIGNED:
                    self._work(agent_id, ticket, now)
            self._maybe_claim(agent_id, member, queued, len(held), now)

    # --- shifts and claims -------------------------------------------------------------------

    def _shift(self, agent_id: int, working: bool, held: list[Ticket]) -> None:
        self.desk.set_shift(agent_id, working)
        self.on_shift[agent_id] = working
        if working:
            return
        for ticket in held:
            if ticket.status is TicketStatus.ASSIGNED:
                self._try(partial(self.desk.release, agent_id, ticket.reference))

    def _maybe_claim(
        self, agent_id: int, member: Member, queued: list[Ticket], load: int, now: datetime
    ) -> None:
        agent = self.agents[agent_id]
        mine = [t for t in queued if agent.has_skill(t.category)]
        if not mine:
            return
        if member.role is Role.SUPERVISOR:
            urgent = any(
                t.priority == "P1" and now - t.created_at > timedelta(minutes=10) for t in mine
            )
            if len(queued) < 3 and not urgent:
                return
        elif load >= member.capacity:
            return
        chance = 0.9 if any(t.priority == "P1" for t in mine) else 0.4
        if self.rng.random() >= chance:
            return
        found = CLAIMED.match(self.desk.next_case(agent_id).text)
        if found is not None:
            queued[:] = [t for t in queued if t.reference != found.group(1)]

    # --- working a case ------------------------------------------------------------------------

    def _work(self, agent_id: int, ticket: Ticket, now: datetime) -> None:
        plan = self.plans.setdefault(ticket.id, Plan(self.rng.choice((1, 1, 1, 2, 2, 3))))
        if plan.due is None or plan.holder != agent_id:
            plan.holder = agent_id
            plan.due = now + self._delay(first=plan.replies == 0)
            return
        if now < plan.due:
            return
        plan.due = None
        if plan.replies < plan.exchanges:
            if self._try(lambda: self.desk.reply(agent_id, self._reply_text(), ticket.reference)):
                plan.replies += 1
                self.users.answered_by_team(ticket.reference)
        elif not self._maybe_transfer(agent_id, ticket):
            self._resolve(agent_id, ticket, now, plan)

    def _delay(self, first: bool) -> timedelta:
        if self.rng.random() < 0.04:
            return timedelta(minutes=self.rng.uniform(70, 150))  # forgets it: taken back
        low, high = (2, 35) if first else (5, 45)
        return timedelta(minutes=self.rng.uniform(low, high))

    def _reply_text(self) -> str:
        return self.rng.choice(TEAM_REPLIES)

    def _true_category(self, ticket: Ticket) -> str | None:
        case = self.users.cases.get(ticket.reference)
        return case.enquiry.category if case is not None else None

    def _maybe_transfer(self, agent_id: int, ticket: Ticket) -> bool:
        true = self._true_category(ticket)
        agent = self.agents[agent_id]
        if true is None or true == ticket.category or agent.has_skill(true):
            return False
        if self.rng.random() >= 0.5:
            return False
        return self._try(lambda: self.desk.transfer(agent_id, true, ticket.reference))

    def _resolve(self, agent_id: int, ticket: Ticket, now: datetime, plan: Plan) -> None:
        true = self._true_category(ticket)
        category = true if true is not None and self.rng.random() < 0.9 else ticket.category
        note = FIXES.get(category or "", "Walked the user through the fix; confirmed working.")
        if self.rng.random() < 0.04:
            self._try(
                lambda: self.desk.ask_for_help(agent_id, "can you check my fix?", ticket.reference)
            )
        needed = self.rng.random() >= 0.15
        if self._try(lambda: self.desk.resolve(agent_id, note, category, needed, ticket.reference)):
            plan.exchanges = plan.replies + 1  # if it comes back, ask once more first
            self.users.resolved(ticket.reference, now - ticket.created_at)

    @staticmethod
    def _try(action: Callable[[], object]) -> bool:
        try:
            action()
        except Refused:
            return False
        return True


def _works_at(member: Member, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(member.timezone))
    return local.weekday() in member.weekdays and member.start <= local.time() < member.end
