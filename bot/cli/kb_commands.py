"""`triage kb ...`: check and search the knowledge base, find its gaps, draft articles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from bot.cli.common import console, errors, fail, load_settings, print_table, wiring
from bot.cli.report_commands import parse_moment
from bot.core.domain import ArticleMatch
from bot.core.tickets import Ticket, TicketStatus, ticket_id_from_reference
from bot.private_files import write_private

if TYPE_CHECKING:  # scikit-learn and the database are imported by the commands that use them
    from bot.storage.gap_queries import GapEnquiry, MissedArticle
    from knowledge_base.drafts import DraftSource
    from knowledge_base.gaps import GapCluster

kb_app = typer.Typer(help="Check and search the knowledge base.")

DONE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
FolderOption = Annotated[
    Path | None, typer.Option("--dir", help="Articles folder (default: TRIAGE_KB_DIR).")
]


def articles_folder(directory: Path) -> Path:
    """The folder, if it holds articles; or exit with one line saying it does not."""
    from knowledge_base.articles_io import article_files  # YAML: read by the kb commands only

    if not directory.exists():
        raise fail(f"folder {directory} does not exist")
    if not directory.is_dir():
        raise fail(f"{directory} is a file, not a folder of articles")
    if not article_files(directory):
        raise fail(f"folder {directory} holds no articles (*.md files)")
    return directory


@kb_app.command("validate")
def validate(folder: FolderOption = None) -> None:
    """Check every article: front matter, ids, categories, steps."""
    from knowledge_base.articles_io import load_articles

    directory = articles_folder(folder or load_settings().kb_dir)
    loaded = load_articles(directory)
    for problem in loaded.problems:
        errors.print(str(problem), markup=False, highlight=False)
    summary = (
        f"{len(loaded.articles)} valid article(s), {len(loaded.problems)} problem(s) in {directory}"
    )
    console.print(summary, markup=False, soft_wrap=True)
    if loaded.problems:
        raise typer.Exit(1)


@kb_app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="A user's message.")],
    limit: Annotated[int, typer.Option(min=1, max=20)] = 5,
    folder: FolderOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as JSON.")] = False,
) -> None:
    """Show the best-matching articles for a message, with their scores."""
    from knowledge_base.library import ArticleLibrary

    if not text.strip():
        raise fail("nothing to search for: give a user's message, e.g. triage kb search 'vpn'")
    current = load_settings()
    library = ArticleLibrary(articles_folder(folder or current.kb_dir), current.kb_min_score)
    matches = library.search(text, limit)
    if as_json:
        typer.echo(json.dumps(_matches_json(matches, library.min_score), indent=2))
        return
    table = Table(title=f"Best articles (answer threshold {library.min_score:.2f})")
    for column in ("score", "id", "title", "category"):
        table.add_column(column, overflow="fold" if column == "id" else "ellipsis")
    for match in matches:
        mark = "" if match.score >= library.min_score else " (below threshold)"
        table.add_row(
            f"{match.score:.3f}{mark}",
            match.article.id,
            match.article.title,
            match.article.category,
        )
    print_table(table)


def _matches_json(matches: Sequence[ArticleMatch], min_score: float) -> dict[str, Any]:
    return {
        "min_score": min_score,
        "matches": [
            {
                "id": match.article.id,
                "title": match.article.title,
                "category": match.article.category,
                "score": round(match.score, 6),
                "answers": match.score >= min_score,
            }
            for match in matches
        ],
    }


@kb_app.command("gaps")
def gaps(
    since: Annotated[
        str | None, typer.Option("--since", help="First day (or moment) included, e.g. 2026-11-01.")
    ] = None,
    min_size: Annotated[
        int, typer.Option("--min-size", min=1, help="The fewest enquiries a gap needs.")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the clusters as JSON.")] = False,
) -> None:
    """Group the enquiries no article answered, largest group first: what to write next."""
    from bot.storage.gap_queries import read_gap_enquiries, read_missed_articles
    from knowledge_base.gaps import find_gaps

    start = parse_moment(since, "--since") if since else None
    with wiring() as wired, wired.sessions() as session:
        enquiries = read_gap_enquiries(session, start)
        missed = read_missed_articles(session, start)
        kb_dir = wired.settings.kb_dir
    clusters = find_gaps(
        [enquiry.question for enquiry in enquiries], min_size, background=_article_texts(kb_dir)
    )
    period = f" since {start:%Y-%m-%d %H:%M} UTC" if start else ""
    if as_json:
        report = _gaps_json(enquiries, clusters, start, min_size)
        report["answered_by_existing_articles"] = [
            {"conversation": m.conversation_id, "article": m.article_id, "question": m.question}
            for m in missed
        ]
        typer.echo(json.dumps(report, indent=2))
        return
    _print_missed(missed)
    if not enquiries:
        console.print(
            f"No enquiry ended in a handoff without a fitting article{period}.", markup=False
        )
        return
    clustered = sum(cluster.size for cluster in clusters)
    console.print(
        f"{len(enquiries)} enquiries ended in a handoff without a fitting article{period}; "
        f"{len(clusters)} group(s) of at least {min_size}, "
        f"{len(enquiries) - clustered} left on their own.",
        markup=False,
        soft_wrap=True,
    )
    if clusters:
        print_table(_gaps_table(clusters))


def _print_missed(missed: list[MissedArticle]) -> None:
    """Enquiries second line answered with an existing article: wording retrieval missed."""
    if not missed:
        return
    console.print(
        f"{len(missed)} enquiries second line answered with an existing article (`kb` on the "
        "case); add their wording to that article's questions:",
        markup=False,
        soft_wrap=True,
    )
    for item in missed:
        console.print(f"- {item.article_id}: {item.question}", markup=False, soft_wrap=True)


def _article_texts(directory: Path) -> list[str]:
    """The live articles' titles and example questions: what the knowledge base already says."""
    from knowledge_base.articles_io import load_articles

    if not directory.is_dir():
        return []
    return [
        text
        for article in load_articles(directory).articles
        for text in (article.title, *article.questions)
    ]


def _gaps_table(clusters: list[GapCluster]) -> Table:
    table = Table(title="Articles to write next", show_lines=True)
    for column in ("#", "count", "suggested title", "keywords", "examples"):
        table.add_column(column, justify="right" if column in ("#", "count") else "left")
    for rank, cluster in enumerate(clusters, start=1):
        table.add_row(
            str(rank),
            str(cluster.size),
            Text(cluster.title),
            Text(", ".join(cluster.keywords)),
            Text("\n".join(f"- {example}" for example in cluster.examples)),
        )
    return table


def _gaps_json(
    enquiries: list[GapEnquiry],
    clusters: list[GapCluster],
    since: datetime | None,
    min_size: int,
) -> dict[str, Any]:
    return {
        "since": since.isoformat() if since else None,
        "min_size": min_size,
        "enquiries": len(enquiries),
        "unclustered": len(enquiries) - sum(cluster.size for cluster in clusters),
        "clusters": [
            {
                "size": cluster.size,
                "title": cluster.title,
                "keywords": list(cluster.keywords),
                "examples": list(cluster.examples),
                "conversations": [enquiries[i].conversation_id for i in cluster.members],
            }
            for cluster in clusters
        ],
    }


@kb_app.command("draft")
def draft(
    reference: Annotated[str, typer.Argument(help="A resolved ticket, e.g. T-1042.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for drafts (not the live articles folder).")
    ] = Path("drafts"),
    category: Annotated[
        str | None, typer.Option(help="Category (default: the one second line gave).")
    ] = None,
) -> None:
    """Draft an article from a resolved ticket's resolution note, for an admin to edit."""
    from knowledge_base.articles_io import ArticleError, load_articles
    from knowledge_base.drafts import draft_article

    ticket_id = ticket_id_from_reference(reference)
    if ticket_id is None:
        raise fail(f"{reference!r} is not a ticket reference such as T-1042")
    current = load_settings()
    _refuse_live_folder(out, current.kb_dir)
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file, not a folder for drafts")
    with wiring(current) as wired, wired.units_of_work(read_only=True) as work:
        ticket = work.tickets.get(ticket_id)
    source = _draft_source(reference.strip().upper(), ticket, category)
    live_ids = (
        {article.id for article in load_articles(current.kb_dir).articles}
        if current.kb_dir.is_dir()
        else set()
    )
    try:
        drafted = draft_article(source, live_ids)
    except ArticleError as error:
        raise fail(f"cannot draft an article from {source.reference}: {error}") from None
    path = out / drafted.relative_path
    _refuse_live_folder(path.parent, current.kb_dir)  # a category folder linked into it
    if path.exists():
        raise fail(f"{path} already exists; edit it, or move it away to draft again")
    write_private(path, drafted.text)  # 0600 in 0700 folders: a draft holds a case's words
    console.print(
        f"draft {path} written from {source.reference}; edit it, check it with "
        f"`triage kb validate --dir {out}`, then move it into {current.kb_dir / source.category}",
        markup=False,
        soft_wrap=True,
    )


def _refuse_live_folder(folder: Path, live: Path) -> None:
    """Exit with one line if ``folder`` is, or is inside, the live articles folder.

    Resolved paths are compared, so a symlink or a `..` does not get round it.
    """
    live_folder = live.resolve()
    target = folder.resolve()
    if target == live_folder or live_folder in target.parents:
        raise fail(
            f"--out {folder} is inside the live knowledge base ({live}); drafts go elsewhere "
            "(default: drafts) and are moved in after review"
        )


def _draft_source(reference: str, ticket: Ticket | None, category: str | None) -> DraftSource:
    """What the draft is made of, or exit with one line saying why there is none."""
    from knowledge_base.drafts import DraftSource

    if ticket is None:
        raise fail(f"there is no ticket {reference}")
    if ticket.status not in DONE_STATUSES or not ticket.resolution_note:
        raise fail(
            f"{ticket.reference} is {ticket.status.value.replace('_', ' ')}, not resolved; "
            "only a resolved ticket's note can become a draft"
        )
    chosen = category or ticket.corrected_category or ticket.category or ticket.packet.category
    if not chosen:
        raise fail(f"{ticket.reference} has no category; give one with --category")
    return DraftSource(
        reference=ticket.reference,
        question=ticket.packet.question,
        summary=ticket.packet.summary,
        category=chosen.strip().casefold(),
        resolution_note=ticket.resolution_note,
        terms=ticket.packet.terms,
    )
