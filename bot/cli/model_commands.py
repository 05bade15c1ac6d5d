"""`triage train`, `evaluate`, `classify` and `models ...`: the classifier's admin commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.bootstrap import default_triage
from bot.cli.common import console, errors, reported_errors, settings
from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset
from classifier.registry import ModelRegistry
from classifier.service import evaluate_version, train_and_register

models_app = typer.Typer(
    help="List, inspect, activate and roll back model versions.", no_args_is_help=True
)

DataOption = Annotated[
    Path, typer.Option("--data", help="A CSV file with a text and a label column.")
]
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


def _registry() -> ModelRegistry:
    return ModelRegistry(settings().models_dir)


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
        "escalation_precision",
        "escalation_recall",
        "priority_accuracy",
    ):
        if key in metrics:
            value = metrics[key]
            summary.add_row(key.replace("_", " "), str(value) if key == "rows" else _percent(value))
    console.print(summary)
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
    console.print(per_class)
    if metrics["most_confused"]:
        confused = Table(title="Most confused pairs")
        for column in ("true", "predicted as", "count"):
            confused.add_column(column)
        for pair in metrics["most_confused"]:
            confused.add_row(pair["true"], pair["predicted"], str(pair["count"]))
        console.print(confused)


def train_command(
    data: DataOption = DEFAULT_TRAINING_DATA,
    text_col: TextColumn_ = "text",
    label_col: LabelColumn = None,
    oos_label: OosOption = None,
    force: Annotated[
        bool, typer.Option(help="Activate even if it scores worse or its labels differ.")
    ] = False,
) -> None:
    """Train a new model version on a CSV; activate it if it is no worse than the active one."""
    registry = _registry()
    with reported_errors():
        dataset = read_dataset(data, text_col, label_col)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("reading data", total=None)
            outcome = train_and_register(
                registry,
                dataset,
                oos_label,
                force,
                progress=lambda stage: progress.update(task, description=stage),
            )
    _print_metrics(outcome.run.metrics, f"Validation on {len(outcome.run.held_out)} held-back rows")
    state = "activated" if outcome.activated else "saved, not activated"
    console.print(
        f"model {outcome.manifest.version} {state}: {outcome.reason}", markup=False, soft_wrap=True
    )


def evaluate_command(
    data: DataOption,
    model: Annotated[
        str | None, typer.Option("--model", help="A version (default: the active one).")
    ] = None,
    text_col: TextColumn_ = "text",
    label_col: LabelColumn = None,
    oos_label: OosOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure a model version on a labelled CSV."""
    registry = _registry()
    with reported_errors():
        dataset = read_dataset(data, text_col, label_col)
        manifest, metrics = evaluate_version(registry, dataset, model, oos_label)
    if as_json:
        typer.echo(json.dumps({"model": manifest.version, "data": str(data), **metrics}, indent=2))
    else:
        _print_metrics(metrics, f"Model {manifest.version} on {data}")


def classify_command(
    text: Annotated[str, typer.Argument(help="A user's message.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Show the triage verdict for a message: category, escalation, priority and why.

    With no active model yet (a fresh install), the default model is trained first, with a
    spinner on stderr, as `triage chat` does.
    """
    current = settings()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("loading the triage model", total=None)
        triage = default_triage(
            current, progress=lambda stage: progress.update(task, description=stage)
        )
        verdict = triage.assess(text)
    if as_json:
        typer.echo(json.dumps(verdict.as_dict(), indent=2))
        return
    table = Table(show_header=False, title="Triage verdict")
    for key, value in verdict.as_dict().items():
        table.add_row(key.replace("_", " "), "-" if value is None or value == [] else str(value))
    console.print(table)


@models_app.command("list")
def list_models() -> None:
    """Every saved version, the active one marked."""
    registry = _registry()
    active = registry.active_version()
    table = Table(title=f"Models in {registry.root}")
    for column in ("", "version", "created", "rows", "labels", "score", "scikit-learn"):
        table.add_column(column)
    for manifest in registry.versions():
        table.add_row(
            "*" if manifest.version == active else "",
            manifest.version,
            manifest.created[:19],
            str(manifest.training_data.get("rows", "?")),
            str(len(manifest.labels)),
            _percent(manifest.metrics.get("score")),
            manifest.libraries.get("scikit-learn", "?"),
        )
    console.print(table)


@models_app.command("show")
def show_model(
    version: Annotated[str | None, typer.Argument(help="Default: the active one.")] = None,
) -> None:
    """A version's manifest."""
    registry = _registry()
    with reported_errors():
        manifest = registry.manifest(version or registry.active_version() or "")
    typer.echo(json.dumps(manifest.__dict__, indent=2))


@models_app.command("activate")
def activate_model(version: str) -> None:
    """Make a saved version the active one (after checking it loads)."""
    registry = _registry()
    with reported_errors():
        registry.load(version)
        registry.activate(version)
    console.print(f"model {version} is active", markup=False)


@models_app.command("rollback")
def rollback_model() -> None:
    """Re-activate the version that was active before the current one."""
    with reported_errors():
        manifest = _registry().rollback()
    console.print(f"rolled back: model {manifest.version} is active", markup=False)
