"""Knowledge gaps: the enquiries no article answered, grouped so an admin knows what to write."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.core.domain import Sender
from knowledge_base import ARTICLES_DIR
from knowledge_base.articles_io import load_articles
from knowledge_base.gaps import find_gaps
from tests.desk_fixtures import OUTAGE, Desk

# text, the gap it belongs to (None: on its own)
ENQUIRIES = [
    ("how do I scan a document to my email", "scan"),
    ("scanner won't send scans to email", "scan"),
    ("scan to email not working on the 3rd floor printer", "scan"),
    ("need a parking permit for the office car park", "parking"),
    ("how do I get a car park permit", "parking"),
    ("my car park permit expired, who renews it", "parking"),
    ("meeting room screen will not turn on", "room screen"),
    ("Meeting room display stays black", "room screen"),
    ("the coffee machine in the kitchen is broken", None),
    ("?? hi", None),  # no content word at all: never in a group, not even alone
]
TEXTS = [text for text, _ in ENQUIRIES]
# What the shipped articles already say: the command line weighs words against it.
BACKGROUND = [
    text
    for article in load_articles(ARTICLES_DIR).articles
    for text in (article.title, *article.questions)
]


def _groups(texts: list[str], **options: int) -> list[set[str]]:
    clusters = find_gaps(texts, background=BACKGROUND, **options)
    return [{texts[i] for i in cluster.members} for cluster in clusters]


def test_similar_enquiries_are_grouped_largest_first() -> None:
    clusters = find_gaps(TEXTS, background=BACKGROUND)
    assert [cluster.members for cluster in clusters] == [(0, 1, 2), (3, 4, 5), (6, 7)]
    assert [cluster.size for cluster in clusters] == [3, 3, 2]
    scan, parking, room = clusters
    assert scan.title == "How do I scan a document to my email"  # the most central question
    assert scan.keywords[:2] == ("scan", "email")
    assert set(parking.keywords[:3]) == {"park", "car", "permit"}
    assert parking.examples[0] == "how do I get a car park permit"
    assert room.examples == (
        "meeting room screen will not turn on",
        "Meeting room display stays black",
    )
    assert all(len(cluster.examples) <= 3 for cluster in clusters)


def test_words_the_articles_use_everywhere_count_less() -> None:
    alone = find_gaps(TEXTS)  # "printer", "floor", "working" keep the third scan question apart
    assert [cluster.members for cluster in alone] == [(3, 4, 5), (0, 1), (6, 7)]
    weighed = find_gaps(TEXTS, background=BACKGROUND)
    assert [cluster.members for cluster in weighed] == [(0, 1, 2), (3, 4, 5), (6, 7)]


@pytest.mark.parametrize(
    ("min_size", "expected"),
    [(3, ["scan", "parking"]), (2, ["scan", "parking", "room screen"]), (4, [])],
)
def test_min_size_leaves_out_smaller_groups(min_size: int, expected: list[str]) -> None:
    names = [
        {gap for text, gap in ENQUIRIES if text in group}
        for group in _groups(TEXTS, min_size=min_size)
    ]
    assert names == [{name} for name in expected]


def test_with_min_size_one_a_lone_enquiry_is_a_gap_but_a_wordless_one_is_not() -> None:
    assert _groups(TEXTS, min_size=1)[-1] == {"the coffee machine in the kitchen is broken"}
    assert len(_groups(TEXTS, min_size=1)) == 4
    assert find_gaps(["?? hi", "ok"], min_size=1) == []
    assert find_gaps([]) == []


def test_the_grouping_does_not_depend_on_the_order_of_the_enquiries() -> None:
    forwards = _groups(TEXTS)
    backwards = _groups(TEXTS[::-1])
    assert sorted(map(sorted, forwards)) == sorted(map(sorted, backwards))
    assert find_gaps(TEXTS, background=BACKGROUND) == find_gaps(TEXTS, background=BACKGROUND)


def test_masking_placeholders_do_not_make_enquiries_look_alike() -> None:
    masked = ["[email removed] scanner jammed", "[email removed] laptop battery swollen"]
    assert find_gaps(masked) == []
    same = find_gaps(["scanner jammed again", "Scanner jammed again!"])
    assert same[0].size == 2 and same[0].examples == ("scanner jammed again",)


def triage(*args: str, database_url: str) -> Result:
    """The command line in this process (quicker than a new one; the table test uses one)."""
    return CliRunner().invoke(app, list(args), env={"TRIAGE_DATABASE_URL": database_url})


USERS = {name: Sender("test", name, name.title()) for name in ("s0", "p1", "p2", "p3", "s1", "s2")}


def _no_article(desk: Desk, name: str, question: str, detail: str) -> None:
    """A question no article fits, then more detail that does not help: handed over."""
    desk.user(question, USERS[name])
    assert "Your reference is" in desk.user(detail, USERS[name])


@pytest.fixture
def gaps_desk(desk: Desk) -> Desk:
    """Seven gap enquiries (one two days older), and three handoffs that are not gaps."""
    _no_article(
        desk, "s0", "scan to email not working on the 3rd floor printer", "scans never arrive"
    )
    desk.clock.advance(days=2)
    # (a car park permit is not IT: the desk says so and opens no case, see the README)
    _no_article(desk, "p1", "need a visio licence for the team", "for the diagrams")
    _no_article(desk, "p2", "how do I get a visio licence", "I start on the project next week")
    _no_article(desk, "p3", "my visio licence expired, who renews it", "it says the trial is over")
    _no_article(desk, "s1", "how do I scan a document to my email", "the scanner on floor 2")
    _no_article(
        desk,
        "s2",
        "scanner won't send scans to email",
        "it says bob@example.com is not a valid recipient",
    )
    vera = Sender("test", "vera", "Vera")
    assert "Connect to the VPN from home" in desk.user("vpn won't connect at home", vera)
    assert "Your reference is" in desk.user("no", vera)  # not solved by every article shown
    carl = Sender("test", "carl", "Carl")
    desk.user("printer", carl)
    desk.user("talk to a person", carl)  # asked for a person with an article showing: no gap
    desk.user(OUTAGE, Sender("test", "otto", "Otto"))  # triage escalated it: no gap
    return desk


def test_gaps_from_the_database_as_json(gaps_desk: Desk) -> None:
    url = gaps_desk.app.settings.database_url
    result = triage("kb", "gaps", "--json", database_url=url)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["enquiries"], report["unclustered"], report["min_size"]) == (7, 1, 2)
    assert [c["conversations"] for c in report["clusters"]] == [[1, 5, 6], [2, 3, 4]]
    scan = report["clusters"][0]
    assert scan["size"] == 3 and scan["keywords"][0] == "scan"
    assert scan["title"] == "How do I scan a document to my email"  # the first line only
    assert scan["examples"][0] == "how do I scan a document to my email / the scanner on floor 2"
    assert any("[email removed]" in example for example in scan["examples"])
    assert all("bob@example.com" not in example for example in scan["examples"])

    recent = json.loads(
        triage("kb", "gaps", "--json", "--since", "2026-11-24", database_url=url).stdout
    )
    assert (recent["enquiries"], recent["unclustered"]) == (6, 1)
    assert [c["conversations"] for c in recent["clusters"]] == [[2, 3, 4], [5, 6]]
    larger = triage(
        "kb", "gaps", "--json", "--since", "2026-11-24", "--min-size", "3", database_url=url
    )
    assert [c["size"] for c in json.loads(larger.stdout)["clusters"]] == [3]


def test_gaps_as_a_table(gaps_desk: Desk, run_triage) -> None:  # type: ignore[no-untyped-def]
    env = {"TRIAGE_DATABASE_URL": gaps_desk.app.settings.database_url, "COLUMNS": "200"}
    result = run_triage("kb", "gaps", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout
    assert "7 enquiries ended in a handoff without a fitting article; 2 group(s)" in lines
    assert "1 left on their own" in lines
    assert "Articles to write next" in lines
    assert lines.index("How do I scan a document to my email") < lines.index("visio licence")
    assert "- scanner won't send scans to email / it says [email removed] is not a" in lines


def test_no_gaps_is_one_line(desk: Desk) -> None:
    url = desk.app.settings.database_url
    desk.user(OUTAGE)
    result = triage("kb", "gaps", database_url=url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No enquiry ended in a handoff without a fitting article."
    bad = triage("kb", "gaps", "--since", "last week", database_url=url)
    assert bad.exit_code == 2 and "is not a date" in bad.stderr


def test_an_enquiry_answered_with_an_existing_article_is_wording_to_add_not_a_gap(
    desk: Desk,
) -> None:
    url = desk.app.settings.database_url
    dana = desk.add("dana")
    _no_article(desk, "p1", "need a visio licence for the team", "for the diagrams")
    _no_article(desk, "p2", "the timesheet site spins forever", "since this morning")
    desk.app.team.desk.claim(dana.id, "T-1002")
    desk.app.team.desk.send_article(dana.id, "vpn-connect-from-home")

    report = json.loads(triage("kb", "gaps", "--json", "--min-size", "1", database_url=url).stdout)
    assert report["enquiries"] == 1
    assert report["clusters"][0]["conversations"] == [1]
    [missed] = report["answered_by_existing_articles"]
    assert (missed["conversation"], missed["article"]) == (2, "vpn-connect-from-home")
    assert missed["question"].startswith("the timesheet site spins forever")

    shown = triage("kb", "gaps", database_url=url).stdout
    assert "1 enquiries second line answered with an existing article" in shown
    assert "- vpn-connect-from-home: the timesheet site spins forever" in shown
    assert "1 enquiries ended in a handoff without a fitting article" in shown
