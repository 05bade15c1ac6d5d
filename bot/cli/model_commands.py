"""`triage train`, `evaluate`, `classify` and `models ...`: the classifier's admin commands."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from bot.cli.common import console, errors, fail, print_table, spinner, wiring
from bot.cli.report_commands import parse_moment
from classifier import DEFAULT_TRAINING_DATA, ESCALATION_RECALL
from classifier.dataset import Dataset, read_dataset
from classifier.drift import Agreement, drift_report
from classifier.learning import learn_from_tickets, merged_csv, write_merged

if TYPE_CHECKING:  # scikit-learn and the database are imported by the commands that use them
    from rich.console import Console

    from bot.bootstrap import Wiring
    from classifier.registry import Manifest

models_app = typer.Typer(help="List, inspect, activate and roll back model versions.")

TextColumn_ = Annotated[
    str, typer.Option("--text-col", help="The column holding the message text.")
]
LabelColumn = Annotated[
    str | None,
    typer.Option("--label-col", help="The label column (default: category, else label)."),
]
OosOption = Annotated[
    str | None, typer.Option("--oos-label", help="The label of out-of-scope rows, if any.")
]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _print_metrics(metrics: dict[str, Any], title: str) -> None:
    console.print(title, style="bold", soft_wrap=True, markup=False)
    summary = Table(show_header=False)
    for key in (
        "rows",
        "accuracy",
        "macro_f1",
        "in_scope_accuracy",
        "out_of_scope_recall",
        "out_of_scope_threshold",
        "escalation_precision",
        "escalation_recall",
        "escalation_threshold",
        "escalation_target_recall",
        "priority_accuracy",
    ):
        if key in metrics:
            value = metrics[key]
            summary.add_row(key.replace("_", " "), str(value) if key == "rows" else _percent(value))
    print_table(summary)
    per_class = Table(title="Per class")
    for column in ("class", "precision", "recall", "support"):
        per_class.add_column(column, justify="left" if column == "class" else "right")
    for label, figures in sorted(metrics["per_class"].items()):
        per_class.add_row(
            label,
            _percent(figures["precision"]),
            _percent(figures["recall"]),
            str(figures["support"]),
        )
    print_table(per_class)
    if metrics["most_confused"]:
        confused = Table(title="Most confused pairs")
        for column in ("true", "predicted as", "count"):
            confused.add_column(column)
        for pair in metrics["most_confused"]:
            confused.add_row(pair["true"], pair["predicted"], str(pair["count"]))
        print_table(confused)


class Features(StrEnum):
    """What the classifier reads from a message."""

    TFIDF_MINILM = "tfidf+minilm"
    TFIDF_STATIC = "tfidf+static"
    TFIDF = "tfidf"
    MINILM = "minilm"


def train_command(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="A CSV file with a text and a label column (default with --from-tickets: "
            "the project's enquiries).",
        ),
    ] = None,
    text_col: TextColumn_ = "text",
    label_col: LabelColumn = None,
    oos_label: OosOption = None,
    from_tickets: Annotated[
        bool,
        typer.Option(
            "--from-tickets", help="Add second line's corrected labels from resolved tickets."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Activate even if it scores worse or its labels differ.")
    ] = False,
    features: Annotated[
        Features,
        typer.Option(
            "--features",
            help="tfidf+minilm (default: TF-IDF beside MiniLM sentence embeddings), minilm "
            "alone, tfidf+static (TF-IDF beside static word vectors, the former default) or "
            "tfidf alone.",
        ),
    ] = Features.TFIDF_MINILM,
    escalation_recall: Annotated[
        float,
        typer.Option(
            "--escalation-recall",
            min=0.5,
            max=1.0,
            help="The escalation recall to keep (rules included) over every row, each scored "
            "by a model fitted without it (or on --thresholds-from); the escalation threshold "
            "is the highest that keeps it.",
        ),
    ] = ESCALATION_RECALL,
    thresholds_from: Annotated[
        Path | None,
        typer.Option(
            "--thresholds-from",
            help="Choose the out-of-scope and escalation thresholds on this labelled CSV (same "
            "columns) instead of the rows held back from --data, e.g. a validation split.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the outcome and figures as JSON.")
    ] = False,
) -> None:
    """Train a new model version on a CSV; activate it if it is no worse than the active one."""
    from classifier.service import train_and_register

    notes = errors if as_json else console  # with --json, stdout holds the JSON alone
    with wiring() as wired:
        dataset = read_dataset(data or DEFAULT_TRAINING_DATA, text_col, label_col)
        tuning = read_dataset(thresholds_from, text_col, label_col) if thresholds_from else None
        if from_tickets:
            dataset = _with_ticket_rows(dataset, wired, notes)
        with spinner("reading data", on=notes) as say:
            outcome = train_and_register(
                wired.registry,
                dataset,
                oos_label,
                force,
                progress=say,
                features=features.value,
                escalation_recall=escalation_recall,
                thresholds_from=tuning,
            )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "model": outcome.manifest.version,
                    "activated": outcome.activated,
                    "reason": outcome.reason,
                    "held_out": len(outcome.run.held_out),
                    **outcome.run.metrics,
                },
                indent=2,
            )
        )
        return
    _print_metrics(outcome.run.metrics, f"Validation on {len(outcome.run.held_out)} held-back rows")
    state = "activated" if outcome.activated else "saved, not activated"
    console.print(
        f"model {outcome.manifest.version} {state}: {outcome.reason}", markup=False, soft_wrap=True
    )


def _with_ticket_rows(base: Dataset, wired: Wiring, notes: Console) -> Dataset:
    """The base data plus second line's new rows, kept under the models folder; or exit."""
    from bot.storage.learning_queries import read_ticket_labels

    with wired.sessions() as session:
        tickets = read_ticket_labels(session)
    if not tickets:
        notes.print("No resolved tickets to learn from yet; nothing was trained.", markup=False)
        raise typer.Exit(0)
    learning = learn_from_tickets(base, tickets)
    if not learning.rows:
        notes.print(f"{learning.describe()}; nothing new to train on.", markup=False)
        raise typer.Exit(0)
    merged = write_merged(wired.registry.root, merged_csv(base, learning.rows))
    notes.print(f"{learning.describe()}; training on {merged}", markup=False, soft_wrap=True)
    return read_dataset(merged)


def evaluate_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="A CSV file with a text and a label column.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="A version (default: the active one).")
    ] = None,
    text_col: TextColumn_ = "text",
    label_col: LabelColumn = None,
    oos_label: OosOption = None,
    drift: Annotated[
        bool,
        typer.Option(
            "--drift", help="Compare the live verdicts with second line's corrections instead."
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="With --drift: tickets opened from this day, e.g. 2026-11-01."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure a model version on a labelled CSV, or the live model against second line."""
    if drift:
        print_drift(parse_moment(since, "--since") if since else None, as_json)
        return
    if since is not None:
        raise fail("--since goes with --drift")
    if data is None:
        raise fail("say what to evaluate on: --data FILE, or --drift for second line's corrections")
    from classifier.service import evaluate_version

    with wiring() as wired:
        dataset = read_dataset(data, text_col, label_col)
        manifest, metrics = evaluate_version(wired.registry, dataset, model, oos_label)
    if as_json:
        typer.echo(json.dumps({"model": manifest.version, "data": str(data), **metrics}, indent=2))
    else:
        _print_metrics(metrics, f"Model {manifest.version} on {data}")


def print_drift(since: datetime | None, as_json: bool) -> None:
    """The live model's verdicts against second line's corrections since ``since``."""
    from bot.storage.learning_queries import read_judgements

    with wiring() as wired, wired.sessions() as session:
        judgements = read_judgements(session, since)
    drift = drift_report(judgements)
    if as_json:
        payload = {"since": since.isoformat() if since else None, **drift.as_dict()}
        typer.echo(json.dumps(payload, indent=2))
        return
    period = f" opened since {since:%Y-%m-%d %H:%M} UTC" if since else ""
    if not judgements:
        console.print(
            f"No resolved ticket{period} has a model verdict to compare with.", markup=False
        )
        return
    console.print(
        f"The live model against second line on {len(judgements)} resolved ticket(s){period}",
        style="bold",
        markup=False,
        soft_wrap=True,
    )
    print_table(_agreement_table(drift.per_version, drift.overall))
    if drift.confusion:
        changed = Table(title="Categories second line changed")
        for column in ("model said", "second line said", "cases"):
            changed.add_column(column, justify="right" if column == "cases" else "left")
        for said, corrected, count in drift.confusion:
            changed.add_row(said, corrected, str(count))
        print_table(changed)


def _fraction(share: float | None, part: int, whole: int) -> str:
    return "-" if share is None else f"{share:.1%} ({part} of {whole})"


def _agreement_table(per_version: tuple[tuple[str, Agreement], ...], overall: Agreement) -> Table:
    table = Table(title="Agreement per model version")
    for column in (
        "model version",
        "cases",
        "category agreement",
        "escalation precision",
        "escalation recall",
    ):
        table.add_column(column, justify="left" if column == "model version" else "right")
    for name, figures in [*per_version, ("all", overall)]:
        table.add_row(
            name,
            str(figures.cases),
            _fraction(figures.category_agreement, figures.category_agreed, figures.cases),
            _fraction(figures.escalation_precision, figures.escalated_needed, figures.escalated),
            _fraction(figures.escalation_recall, figures.escalated_needed, figures.needed),
        )
    return table


def classify_command(
    text: Annotated[str, typer.Argument(help="A user's message.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Show the triage verdict for a message: category, escalation, priority and why.

    With no active model yet (a fresh install), the default model is trained first, with a
    spinner on stderr, as `triage chat` does.
    """
    if not text.strip():
        raise fail("nothing to classify: give a user's message, e.g. triage classify 'vpn is down'")
    with wiring() as wired, spinner("loading the triage model") as say:
        verdict = wired.triage(progress=say).assess(text)
    if as_json:
        typer.echo(json.dumps(verdict.as_dict(), indent=2))
        return
    table = Table(show_header=False, title="Triage verdict")
    for key, value in verdict.as_dict().items():
        table.add_row(key.replace("_", " "), "-" if value is None or value == [] else str(value))
    print_table(table)


@models_app.command("list")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
) -> None:
    """Every saved version, the active one marked."""
    with wiring() as wired:
        registry = wired.registry
    active = registry.active_version()
    versions = registry.versions()
    if as_json:
        typer.echo(json.dumps(_models_json(str(registry.root), active, versions), indent=2))
        return
    table = Table(title=f"Models in {registry.root}")
    for column in ("", "version", "created", "features", "rows", "labels", "score", "scikit-learn"):
        table.add_column(column, overflow="fold", no_wrap=column != "version")
    for manifest in versions:
        table.add_row(
            "*" if manifest.version == active else "",
            manifest.version,
            manifest.created[:19],
            manifest.features,
            str(manifest.training_data.get("rows", "?")),
            str(len(manifest.labels)),
            _percent(manifest.metrics.get("score")),
            manifest.libraries.get("scikit-learn", "?"),
        )
    print_table(table)


def _models_json(root: str, active: str | None, versions: list[Manifest]) -> dict[str, Any]:
    return {
        "folder": root,
        "active": active,
        "versions": [
            {
                "version": manifest.version,
                "active": manifest.version == active,
                "created": manifest.created,
                "features": manifest.features,
                "rows": manifest.training_data.get("rows"),
                "labels": list(manifest.labels),
                "score": manifest.metrics.get("score"),
                "scikit_learn": manifest.libraries.get("scikit-learn"),
            }
            for manifest in versions
        ],
    }


@models_app.command("show")
def show_model(
    version: Annotated[str | None, typer.Argument(help="Default: the active one.")] = None,
) -> None:
    """A version's manifest."""
    with wiring() as wired:
        registry = wired.registry
        manifest = registry.manifest(version or registry.active_version() or "")
    typer.echo(json.dumps(manifest.__dict__, indent=2))


@models_app.command("activate")
def activate_model(
    version: str,
    force: Annotated[
        bool, typer.Option(help="Activate even if its categories differ from the desk's.")
    ] = False,
) -> None:
    """Make a saved version the active one (after checking it loads and knows the desk's
    categories)."""
    from classifier.service import activate_version

    with wiring() as wired:
        activate_version(wired.registry, version, force)
    console.print(f"model {version} is active", markup=False)


@models_app.command("rollback")
def rollback_model() -> None:
    """Re-activate the version that was active before the current one."""
    with wiring() as wired:
        manifest = wired.registry.rollback()
    console.print(f"rolled back: model {manifest.version} is active", markup=False)
