"""`triage kb ...`: check and search the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, errors, settings
from knowledge_base.articles_io import load_articles
from knowledge_base.library import ArticleLibrary

kb_app = typer.Typer(help="Check and search the knowledge base.", no_args_is_help=True)

FolderOption = Annotated[
    Path | None, typer.Option("--dir", help="Articles folder (default: TRIAGE_KB_DIR).")
]


@kb_app.command("validate")
def validate(folder: FolderOption = None) -> None:
    """Check every article: front matter, ids, categories, steps."""
    directory = folder or settings().kb_dir
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
    current = settings()
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
