"""`triage kb ...`: check and search the knowledge base, find its gaps, draft articles."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from bot.cli.common import console, errors, fail, load_settings, wiring
from bot.cli.report_commands import parse_moment
from bot.core.tickets import Ticket, TicketStatus, ticket_id_from_reference
from bot.private_files import write_private
from bot.storage.gap_queries import (
    GapEnquiry,
    MissedArticle,
    read_gap_enquiries,
    read_missed_articles,
)
from knowledge_base.articles_io import ArticleError, load_articles
from knowledge_base.drafts import DraftSource, draft_article
from knowledge_base.gaps import GapCluster, find_gaps
from knowledge_base.library import ArticleLibrary

kb_app = typer.Typer(help="Check and search the knowledge base.", no_args_is_help=True)

DONE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
FolderOption = Annotated[
    Path | None, typer.Option("--dir", help="Articles folder (default: TRIAGE_KB_DIR).")
]


@kb_app.command("validate")
def validate(folder: FolderOption = None) -> None:
    """Check every article: front matter, ids, categories, steps."""
    directory = folder or load_settings().kb_dir
    if not directory.is_dir():
        errors.print(f"triage: folder {directory} does not exist", markup=False)
        raise typer.Exit(2)
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
) -> None:
    """Show the best-matching articles for a message, with their scores."""
    current = load_settings()
    library = ArticleLibrary(folder or current.kb_dir, current.kb_min_score)
    table = Table(title=f"Best articles (answer threshold {library.min_score:.2f})")
    for column in ("score", "id", "title", "category"):
        table.add_column(column)
    for match in library.search(text, limit):
        mark = "" if match.score >= library.min_score else " (below threshold)"
        table.add_row(
            f"{match.score:.3f}{mark}",
            match.article.id,
            match.article.title,
            match.article.category,
        )
    console.print(table)


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
        console.print(_gaps_table(clusters))


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
    ticket_id = ticket_id_from_reference(reference)
    if ticket_id is None:
        raise fail(f"{reference!r} is not a ticket reference such as T-1042")
    with wiring() as wired, wired.units_of_work(read_only=True) as work:
        ticket = work.tickets.get(ticket_id)
        current = wired.settings
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
    if path.exists():
        raise fail(f"{path} already exists; edit it, or move it away to draft again")
    write_private(path, drafted.text)  # 0600 in 0700 folders: a draft holds a case's words
    console.print(
        f"draft {path} written from {source.reference}; edit it, check it with "
        f"`triage kb validate --dir {out}`, then move it into {current.kb_dir / source.category}",
        markup=False,
        soft_wrap=True,
    )


def _draft_source(reference: str, ticket: Ticket | None, category: str | None) -> DraftSource:
    """What the draft is made of, or exit with one line saying why there is none."""
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
