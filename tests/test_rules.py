"""The never-miss rules: what each must catch, what it must leave to the model, and that
ordinary IT messages are not escalated by them."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest

from bot.core.domain import Priority
from classifier.rules import RULES, Rule, matching_rule, matching_rules, normalise
from knowledge_base import EVAL_QUESTIONS

FIXTURES = Path(__file__).parent / "fixtures"
SENTENCES = FIXTURES / "rules" / "never_miss.csv"
BENIGN = FIXTURES / "secrets" / "benign.csv"
README = Path(__file__).parents[1] / "README.md"
RULE_NAMES = [rule.name for rule in RULES]


def _sentences(expect: str) -> list[tuple[str, str]]:
    with SENTENCES.open(encoding="utf-8") as table:
        return [
            (row["rule"], row["message"])
            for row in csv.DictReader(table)
            if row["expect"] == expect
        ]


MUST_CATCH = _sentences("catch")
MUST_LEAVE = _sentences("leave")


@pytest.mark.parametrize("rule_name", RULE_NAMES)
def test_every_rule_has_ten_sentences_to_catch_and_ten_to_leave(rule_name: str) -> None:
    assert sum(name == rule_name for name, _ in MUST_CATCH) >= 10
    assert sum(name == rule_name for name, _ in MUST_LEAVE) >= 10


def test_the_sentences_name_only_rules_of_the_table() -> None:
    assert {name for name, _ in MUST_CATCH + MUST_LEAVE} == set(RULE_NAMES)


@pytest.mark.parametrize(("rule_name", "message"), MUST_CATCH)
def test_never_missed(rule_name: str, message: str) -> None:
    matched = matching_rule(message)
    assert matched is not None, f"no rule caught {message!r}"
    assert matched.name == rule_name


@pytest.mark.parametrize(("rule_name", "message"), MUST_LEAVE)
def test_left_to_the_model(rule_name: str, message: str) -> None:
    assert matching_rules(message) == ()


def test_the_seen_fire_is_a_p1_safety_incident_with_safety_advice() -> None:
    rule = matching_rule("the printer is on fire literally smoke coming out")
    assert rule is not None
    assert (rule.name, rule.category, rule.priority) == ("physical_danger", "hardware", "P1")
    for step in ("step away", "only if it is safe", "unplug", "emergency"):
        assert step in rule.advice.lower()


def test_the_seen_fake_it_caller_is_social_engineering_with_what_to_do_now() -> None:
    rule = matching_rule("a caller from IT asked me for my authenticator code")
    assert rule is not None
    assert (rule.name, rule.category, rule.priority) == ("social_engineering", "security", "P2")
    assert "don't give any password or code" in rule.advice


def test_the_most_urgent_rule_wins() -> None:
    message = "my laptop with customer data on it was stolen"
    assert [rule.name for rule in matching_rules(message)] == [
        "data_breach",
        "lost_or_stolen_device",
    ]
    rule = matching_rule(message)
    assert rule is not None and (rule.name, rule.priority) == ("lost_or_stolen_device", "P1")


@pytest.mark.parametrize("rule", RULES, ids=RULE_NAMES)
def test_every_row_of_the_table_is_complete(rule: Rule) -> None:
    assert re.fullmatch(r"[a-z_]+", rule.name)
    assert rule.catches and rule.reason and rule.advice.endswith(".")
    assert isinstance(rule.priority, Priority)
    if rule.category == "security":
        assert rule.priority.rank <= 2, "a security case is never below P2"


def test_ordinary_it_messages_are_not_escalated_by_a_rule() -> None:
    with BENIGN.open(encoding="utf-8") as table:
        messages = [row["message"] for row in csv.DictReader(table)]
    escalated = [(message, rule.name) for message in messages if (rule := matching_rule(message))]
    print("\n".join(f"escalated: {message!r} by {name}" for message, name in escalated))
    assert len(messages) > 200
    assert escalated == []


INCIDENT_ARTICLES = {
    "ransomware-message",
    "clicked-suspicious-link",
    "suspicious-call-or-text",
    "lost-stolen-device",
}


def test_only_incident_questions_of_the_knowledge_base_eval_are_escalated() -> None:
    with EVAL_QUESTIONS.open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    escalated = [row for row in rows if matching_rule(row["question"])]
    print("\n".join(f"escalated: {row['question']!r} ({row['article_id']})" for row in escalated))
    assert len(rows) > 250
    assert [
        row["question"] for row in escalated if row["article_id"] not in INCIDENT_ARTICLES
    ] == []
    assert len(escalated) >= 8  # the ransom notes, lost laptops and fake callers among them


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 100_000,
        "a" * 100_000,
        "the printer on floor 3 jams again. " * 3_000,
        "smoke spilled water on the laptop is " * 3_000,
        "files pay readme ransom " * 4_500,
        "clicked typed password told them " * 3_000,
        "someone from the bank asked caller rang mfa prompt code " * 2_000,
        "sent data to the wrong accidentally " * 3_000,
        "lost my robbed laptop phone " * 4_000,
        "data sent wrong " * 6_250,
        "password text code " * 5_300,
        "spilled water on " * 5_900,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_a_long_message_is_read_in_linear_time(text: str) -> None:
    # Nested or unbounded repeats would take minutes on 100,000 characters; bounded gaps
    # read only around the rules' signal words take a fraction of a second.
    started = time.perf_counter()
    matching_rule(text)
    assert time.perf_counter() - started < 10


def test_reading_around_the_signal_words_finds_what_reading_everything_finds() -> None:
    with BENIGN.open(encoding="utf-8") as table:
        benign = [row["message"] for row in csv.DictReader(table)]
    for message in [text for _, text in MUST_CATCH + MUST_LEAVE] + benign:
        folded = normalise(message)
        for rule in RULES:
            assert rule.matches(folded) == bool(rule.pattern.search(folded)), (rule.name, message)


def test_a_danger_at_the_end_of_a_long_message_is_still_caught() -> None:
    text = "the printer on floor 3 jams again. " * 3_000 + "and now the printer is on fire"
    rule = matching_rule(text)
    assert rule is not None and rule.name == "physical_danger"


def test_a_danger_split_by_a_long_run_of_blank_lines_is_still_caught() -> None:
    rule = matching_rule("the printer is\n" + " \n" * 5_000 + "on fire")
    assert rule is not None and rule.name == "physical_danger"


def _readme_rules() -> dict[str, tuple[str, str]]:
    """The never-miss table in the README's triage section: rule name -> (category, priority)."""
    rows = re.findall(r"^\| `([a-z_]+)` \|[^|]*\| (\w+) \| (P\d) \|", README.read_text(), re.M)
    return {name: (category, priority) for name, category, priority in rows}


def test_the_readme_lists_every_rule_as_the_table_has_it() -> None:
    assert _readme_rules() == {rule.name: (rule.category, rule.priority) for rule in RULES}
