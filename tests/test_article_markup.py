"""Articles' Markdown as each door shows it: one fixture article, its exact output per door."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import texts
from bot.core.domain import Markup, TextPart
from bot.doors.article_markup import render_markdown
from bot.doors.telegram.rendering import TelegramHtml, message_html, message_pieces, split_html
from bot.doors.terminal_io import TerminalText, terminal_text
from knowledge_base.articles_io import load_articles, parse_article
from tests.telegram_standin.formatting import visible_text

FIXTURE = Path(__file__).parent / "fixtures" / "article_markup"
LIVE_ARTICLES = Path(__file__).parents[1] / "knowledge_base" / "articles"


def fixture_article() -> tuple[TextPart, ...]:
    article = parse_article((FIXTURE / "article.md").read_text(encoding="utf-8"))
    return (texts.article_markdown(article),)


def test_the_fixture_article_in_telegram_is_html_with_only_telegrams_tags() -> None:
    rendered = message_html(fixture_article())
    assert rendered == (FIXTURE / "telegram.html").read_text(encoding="utf-8").rstrip("\n")
    shown = visible_text(rendered, "HTML")  # Telegram's own parser would accept it
    assert "**" not in shown and "`" not in shown and "&gt;" not in shown
    assert "Open Settings > Bluetooth & devices > Printers & scanners." in shown


def test_the_fixture_article_in_the_terminal_is_clean_text_with_numbered_steps() -> None:
    rendered = terminal_text(fixture_article())
    assert rendered == (FIXTURE / "terminal.txt").read_text(encoding="utf-8").rstrip("\n")


@pytest.mark.parametrize("renderer", [message_html, terminal_text], ids=["telegram", "terminal"])
def test_no_live_article_shows_markdown_markers(renderer: object) -> None:
    loaded = load_articles(LIVE_ARTICLES)
    assert len(loaded.articles) > 50
    for article in loaded.articles:
        rendered = renderer((texts.article_markdown(article),))  # type: ignore[operator]
        shown = visible_text(rendered, "HTML") if renderer is message_html else rendered
        assert "**" not in shown, article.id
        assert "&gt;" not in shown and "&amp;" not in shown, article.id


def test_plain_words_are_escaped_beside_an_article() -> None:
    parts = (
        TextPart("Support team (T-1001): is the <switch> on? *not bold* & `not code`"),
        TextPart("Use **this**.", Markup.ARTICLE_MARKDOWN),
    )
    assert message_html(parts) == (
        "Support team (T-1001): is the &lt;switch&gt; on? *not bold* &amp; `not code`"
        "\n\nUse <b>this</b>."
    )
    assert terminal_text(parts) == (
        "Support team (T-1001): is the <switch> on? *not bold* & `not code`\n\nUse this."
    )


def test_lists_code_blocks_quotes_and_links_per_door() -> None:
    source = (
        "# Before you start\n\n"
        "- a **charged** laptop\n"
        "- your badge\n"
        "  1. nested `step`\n\n"
        "```powershell\nGet-Printer | Where Name -like '*Follow*'\n```\n\n"
        "> Never share your <PIN>.\n\n"
        "[portal](https://it.example.com/?a=1&b=2), [mail](mailto:it@example.com), "
        "[relative](docs/page.md), <script>alert(1)</script>"
    )
    assert render_markdown(source, TelegramHtml()) == (
        "<b>Before you start</b>\n\n"
        "• a <b>charged</b> laptop\n"
        "• your badge\n"
        "  1. nested <code>step</code>\n\n"
        '<pre><code class="language-powershell">'
        "Get-Printer | Where Name -like '*Follow*'</code></pre>\n\n"
        "<blockquote>Never share your &lt;PIN&gt;.</blockquote>\n\n"
        '<a href="https://it.example.com/?a=1&amp;b=2">portal</a>, '
        '<a href="mailto:it@example.com">mail</a>, relative, '
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert render_markdown(source, TerminalText()) == (
        "Before you start\n\n"
        "• a charged laptop\n"
        "• your badge\n"
        "  1. nested step\n\n"
        "    Get-Printer | Where Name -like '*Follow*'\n\n"
        "  | Never share your <PIN>.\n\n"
        "portal (https://it.example.com/?a=1&b=2), mail (it@example.com), relative, "
        "<script>alert(1)</script>"
    )


def test_a_long_article_is_split_without_breaking_a_tag() -> None:
    step = "Click **Add a printer or scanner and wait for the list** then `type the name`."
    source = "\n".join(f"{n}. {step}" for n in range(1, 40))
    whole = visible_text(message_html((TextPart(source, Markup.ARTICLE_MARKDOWN),)), "HTML")
    pieces = message_pieces((TextPart(source, Markup.ARTICLE_MARKDOWN),), limit=200)
    assert len(pieces) > 10
    for piece in pieces:
        assert len(piece) <= 200
        visible_text(piece, "HTML")  # every tag opened in a piece is closed in it
    assert " ".join(visible_text(p, "HTML") for p in pieces).split() == whole.split()


def test_a_cut_inside_bold_closes_it_and_opens_it_again() -> None:
    html = "<b>" + " ".join(["word"] * 30) + "</b> after"
    pieces = split_html(html, limit=60)
    assert pieces[0].startswith("<b>word") and pieces[0].endswith("word</b>")
    assert pieces[1].startswith("<b>word")
    assert all(len(piece) <= 60 for piece in pieces)
    assert pieces[-1].endswith("</b> after") or pieces[-1] == "after"


def test_entities_and_long_words_are_never_cut() -> None:
    html = "&amp;" * 30 + "x" * 50
    pieces = split_html(html, limit=22)
    assert all(len(piece) <= 22 for piece in pieces)
    assert "".join(pieces) == html


def test_length_counts_as_telegram_does_in_utf16_units() -> None:
    pieces = split_html("😀" * 30, limit=20)  # each emoji is two UTF-16 units
    assert [len(piece) for piece in pieces] == [10, 10, 10]


MARKDOWN_BITS = [
    "word",
    "**bold words**",
    "*italic*",
    "`code <x> & y`",
    "[a link](https://example.com/?a=1&b=2)",
    "a & b < c",
    "😀",
    "\n",
    "\n\n",
    "\n1. ",
    "\n- ",
    " ",
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(MARKDOWN_BITS), min_size=1, max_size=80).map("".join),
    st.integers(min_value=40, max_value=300),
)
def test_any_article_splits_into_valid_pieces_within_the_limit(source: str, limit: int) -> None:
    parts = (TextPart(source, Markup.ARTICLE_MARKDOWN),)
    whole = visible_text(message_html(parts), "HTML")
    pieces = message_pieces(parts, limit)
    for piece in pieces:
        assert len(piece.encode("utf-16-le")) // 2 <= limit
        visible_text(piece, "HTML")
    shown = "".join(visible_text(piece, "HTML") for piece in pieces)
    assert "".join(shown.split()) == "".join(whole.split())  # only spaces at the cuts differ
