"""Reading Markdown articles with YAML front matter, and checking each one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.domain import Article
from bot.errors import TriageError
from knowledge_base import DEFAULT_CATEGORIES

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STEP = re.compile(r"^\s*(\d+)[.)]\s+(.*\S)\s*$")
_HEADING = re.compile(r"^##\s+(.*?)\s*$")
REQUIRED_FIELDS = ("id", "title", "category", "tags", "questions")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one article file."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class LoadedArticles:
    """The valid articles of a folder, and what was wrong with the others."""

    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]


class ArticleError(TriageError):
    """An article file that cannot be used, with the reason."""


def article_files(directory: Path) -> list[Path]:
    """Every Markdown file below ``directory``, in a stable order."""
    return sorted(path for path in directory.rglob("*.md") if path.is_file())


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The YAML front matter as a mapping, and the Markdown body after it."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleError("no front matter: the file must start with a '---' line")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ArticleError("front matter is not closed with a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        raise ArticleError(f"front matter is not valid YAML ({error.__class__.__name__})") from None
    if not isinstance(meta, dict):
        raise ArticleError("front matter must be a mapping of fields")
    return meta, "\n".join(lines[end + 1 :])


def _sections(body: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(1).casefold()
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def _steps(lines: Iterable[str]) -> tuple[str, ...]:
    steps: list[str] = []
    for line in lines:
        numbered = _STEP.match(line)
        if numbered:
            steps.append(numbered.group(2))
        elif steps and line.strip() and line.startswith((" ", "\t")):
            steps[-1] = f"{steps[-1]} {line.strip()}"
    return tuple(steps)


def _paragraph(lines: Sequence[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def _string_list(meta: dict[str, Any], field: str) -> tuple[str, ...]:
    value = meta.get(field)
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ArticleError(f"'{field}' must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def parse_article(text: str, categories: Sequence[str] = DEFAULT_CATEGORIES) -> Article:
    """An article from its file text, or :class:`ArticleError` saying what is wrong."""
    meta, body = split_front_matter(text)
    missing = [field for field in REQUIRED_FIELDS if field not in meta]
    if missing:
        raise ArticleError(f"missing front-matter field(s): {', '.join(missing)}")
    article_id, title, category = (str(meta[key]).strip() for key in ("id", "title", "category"))
    if not _ID.match(article_id):
        raise ArticleError(f"id '{article_id}' must be lowercase words joined by hyphens")
    if not title:
        raise ArticleError("title is empty")
    if category not in categories:
        raise ArticleError(f"unknown category '{category}' (known: {', '.join(categories)})")
    tags = _string_list(meta, "tags")
    questions = _string_list(meta, "questions")
    if not questions:
        raise ArticleError("'questions' needs at least one example question")
    sections = _sections(body)
    steps = _steps(sections.get("steps", []))
    if not steps:
        raise ArticleError("no numbered steps under a '## Steps' heading")
    still_stuck = next(
        (
            _paragraph(lines)
            for name, lines in sections.items()
            if "stuck" in name or "human" in name
        ),
        "",
    )
    if not still_stuck:
        raise ArticleError("no '## Still stuck?' section saying when to ask for a person")
    return Article(
        id=article_id,
        title=title,
        category=category,
        summary=_paragraph(sections[""]),
        steps=steps,
        still_stuck=still_stuck,
        tags=tags,
        questions=questions,
    )


def load_articles(
    directory: Path, categories: Sequence[str] = DEFAULT_CATEGORIES
) -> LoadedArticles:
    """Every valid article below ``directory``; invalid files and duplicate ids are reported."""
    articles: dict[str, Article] = {}
    first_seen: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in article_files(directory):
        try:
            article = parse_article(path.read_text(encoding="utf-8"), categories)
        except UnicodeDecodeError:
            problems.append(Problem(path, "not valid UTF-8 text"))
            continue
        except ArticleError as error:
            problems.append(Problem(path, str(error)))
            continue
        if article.id in articles:
            problems.append(
                Problem(path, f"duplicate id '{article.id}' (also in {first_seen[article.id]})")
            )
            continue
        articles[article.id] = article
        first_seen[article.id] = path
    return LoadedArticles(tuple(articles.values()), tuple(problems))
