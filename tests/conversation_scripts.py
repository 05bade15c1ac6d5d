"""Multi-turn conversations as data: what a user (and the team) says, what the desk must do.

The scripts live in tests/conversations/*.yaml, one group a file::

    group: open case
    scripts:
      - name: a ransom note on a password case raises it
        turns:
          - user: my password expired and I can't log in
            says: ...                 # text (or list of texts) the answer must hold
          - user: talk to a person
            escalated: true           # this turn opened a second-line case
            priority: P3              # the user's latest case: priority, category, status
          - team: "dana: claim {ticket}"   # a desk command; {ticket} is the user's latest case
          - user: there is a ransom note on my screen
            says: raised it to priority P1
            priority: P1
            category: security

A user turn may also expect ``article`` (the id of the article shown this turn), ``no_article``
(none shown), ``not_says``, ``status`` and ``rating``. ``news: dana`` with ``says`` checks
what a homeworker was told (``news: user``: what the user was sent). Each script is one
user of its own, so a group shares one desk
(the real rules, the default model and the shipped knowledge base) and one database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.bootstrap import App
from bot.core.domain import Sender
from bot.core.tickets import Agent, Role, Ticket
from bot.doors.desk_commands import run_desk_command
from bot.errors import Refused
from bot.storage.unit_of_work import sql_units_of_work

SCRIPTS = Path(__file__).resolve().parent / "conversations"
USER_KEYS = {
    "user", "says", "not_says", "article", "no_article", "escalated", "priority", "category",
    "status", "rating",
}  # fmt: skip
TEAM = (
    Agent(id=0, name="dana", capacity=50, on_shift=True),
    Agent(id=0, name="sam", role=Role.SUPERVISOR, capacity=50, on_shift=True),
)


@dataclass(frozen=True)
class Script:
    """One conversation to play."""

    group: str
    name: str
    turns: tuple[Mapping[str, Any], ...]

    @property
    def test_id(self) -> str:
        return f"{self.group}: {self.name}"


@dataclass
class Outcome:
    """What went wrong while playing a script (nothing, when it passed)."""

    script: Script
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scripts(folder: Path = SCRIPTS) -> list[Script]:
    """Every script of every group, in file order."""
    scripts = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["scripts"]:
            scripts.append(Script(data["group"], entry["name"], tuple(entry["turns"])))
    return scripts


def add_team(app: App) -> None:
    """The homeworker and supervisor the scripts talk about."""
    for agent in TEAM:
        app.team.roster.add(agent)


class Player:
    """Plays scripts on one desk, each as a user of its own."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._units = sql_units_of_work(app.sessions)
        self._articles = {article.id: article for article in app.knowledge.articles}
        self._users = 0

    def play(self, script: Script) -> Outcome:
        self._users += 1
        user = Sender("script", f"user{self._users}", f"User {self._users}")
        outcome = Outcome(script)
        for number, turn in enumerate(script.turns, start=1):
            where = f"turn {number}"
            try:
                if "user" in turn:
                    self._user_turn(user, turn, where, outcome.failures)
                elif "team" in turn:
                    self._team_turn(user, turn, where, outcome.failures)
                elif "news" in turn:
                    told = self._news(str(turn["news"]), user)
                    self._check_says(told, turn, where, outcome.failures)
                else:
                    outcome.failures.append(f"{where}: neither user, team nor news: {turn}")
            except Exception as error:  # a script's failure, reported with the others
                outcome.failures.append(f"{where}: {type(error).__name__}: {error}")
            if outcome.failures:
                break
        return outcome

    # --- turns ----------------------------------------------------------------------------

    def _user_turn(
        self, user: Sender, turn: Mapping[str, Any], where: str, failures: list[str]
    ) -> None:
        unknown = set(turn) - USER_KEYS
        if unknown:
            failures.append(f"{where}: unknown keys {sorted(unknown)}")
            return
        before = self._latest(user)
        replies = self.app.desk.handle(user, str(turn["user"]))
        told = [n.text for n in self.app.team.notices.collect_for_user(user)]
        answer = "\n".join([*(r.text for r in replies), *told])
        where = f"{where} ({turn['user']!r})"
        self._check_says(answer, turn, where, failures)
        if "article" in turn:
            article = self._articles.get(str(turn["article"]))
            if article is None:
                failures.append(f"{where}: no article {turn['article']!r} in the knowledge base")
            elif article.title not in answer:
                failures.append(
                    f"{where}: expected article {article.id!r}; the desk said:\n{answer}"
                )
        if turn.get("no_article"):
            shown = [a.id for a in self._articles.values() if a.title in answer]
            if shown:
                failures.append(f"{where}: expected no article, got {shown}:\n{answer}")
        latest = self._latest(user)
        if "escalated" in turn:
            opened = latest is not None and (before is None or latest.id != before.id)
            if opened != bool(turn["escalated"]):
                failures.append(
                    f"{where}: expected {'a' if turn['escalated'] else 'no'} new case; "
                    f"the desk said:\n{answer}"
                )
        self._check_ticket(latest, turn, where, failures)

    def _team_turn(
        self, user: Sender, turn: Mapping[str, Any], where: str, failures: list[str]
    ) -> None:
        name, _, line = str(turn["team"]).partition(":")
        latest = self._latest(user)
        line = line.strip().replace("{ticket}", latest.reference if latest else "T-0")
        agent = self.app.team.desk.agent_named(name.strip())
        try:
            answer = run_desk_command(self.app.team.desk, agent, line, self.app.team.stats).text
        except Refused as refusal:
            answer = f"Refused: {refusal}"
        self._check_says(answer, turn, f"{where} ({name}: {line})", failures)

    def _news(self, name: str, user: Sender) -> str:
        """What the desk sent ``name`` (a homeworker, or "user": the script's user) since."""
        if name == "user":
            return "\n".join(n.text for n in self.app.team.notices.collect_for_user(user))
        agent = self.app.team.desk.agent_named(name)
        return "\n".join(n.text for n in self.app.team.notices.collect_for_agent(agent.id))

    # --- checks ---------------------------------------------------------------------------

    @staticmethod
    def _check_says(text: str, turn: Mapping[str, Any], where: str, failures: list[str]) -> None:
        for expected in _texts(turn.get("says")):
            if expected.casefold() not in text.casefold():
                failures.append(f"{where}: expected {expected!r} in:\n{text}")
        for unexpected in _texts(turn.get("not_says")):
            if unexpected.casefold() in text.casefold():
                failures.append(f"{where}: did not expect {unexpected!r} in:\n{text}")

    @staticmethod
    def _check_ticket(
        ticket: Ticket | None, turn: Mapping[str, Any], where: str, failures: list[str]
    ) -> None:
        wanted = {
            key: turn[key] for key in ("priority", "category", "status", "rating") if key in turn
        }
        if not wanted:
            return
        if ticket is None:
            failures.append(f"{where}: expected a case with {wanted}, the user has none")
            return
        actual = {
            "priority": str(ticket.priority),
            "category": ticket.category,
            "status": ticket.status.value,
            "rating": ticket.rating,
        }
        for key, value in wanted.items():
            if actual[key] != value:
                failures.append(f"{where}: expected {key} {value!r}, the case has {actual[key]!r}")

    def _latest(self, user: Sender) -> Ticket | None:
        with self._units(read_only=True) as uow:
            user_id = uow.users.find(user)
            return None if user_id is None else uow.tickets.latest_for_user(user_id)


def _texts(value: object) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, list):
        yield from (str(item) for item in value)
    else:
        yield str(value)
