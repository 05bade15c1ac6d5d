"""`triage demo seed`: fill a fresh database with a simulated month, to see reports on."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import console, load_settings, reported_errors, spinner

demo_app = typer.Typer(help="Demo data.")


@demo_app.command("seed")
def seed(
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days to simulate.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same data.")] = 7,
    force: Annotated[
        bool, typer.Option("--force", help="Add to a database that already has conversations.")
    ] = False,
) -> None:
    """Simulate users and homeworkers through the real desk for the last DAYS days."""
    from bot.demo.seed import seed_demo

    current = load_settings()
    with reported_errors(), spinner("starting") as say:
        summary = seed_demo(current, days=days, seed=seed, force=force, progress=say)
    console.print(
        f"simulated {summary.start:%Y-%m-%d} to {summary.end:%Y-%m-%d}: "
        f"{summary.conversations} conversations, {summary.tickets} second-line cases, "
        f"{summary.agents} people in second line",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
