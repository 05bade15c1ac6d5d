"""The conversation scripts' pass rate, group by group (issue 14, point 5).

Run: .venv/bin/python -m tests.benchmarks.bench_conversations [--misses]

Plays every script of tests/conversations/ through the core on a fresh SQLite database,
with the real rules, the default model (your model registry's active version, trained there
on first use) and the shipped knowledge base, and prints how many pass in each group; with
--misses, what each failing script got wrong.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.settings import Settings
from tests.conversation_scripts import Player, add_team, load_scripts

SHIPPED_ARTICLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print what failed")
    arguments = parser.parse_args()
    scripts = load_scripts()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/desk.db", kb_dir=SHIPPED_ARTICLES)  # type: ignore[call-arg]
        app = bootstrap(settings)
        add_team(app)
        player = Player(app)
        started = time.perf_counter()
        outcomes = [player.play(script) for script in scripts]
        elapsed = time.perf_counter() - started
        app.engine.dispose()
    totals: Counter[str] = Counter(o.script.group for o in outcomes)
    passed: Counter[str] = Counter(o.script.group for o in outcomes if o.passed)
    for group in totals:
        print(
            f"{group:14} {passed[group]:3}/{totals[group]:<3} {passed[group] / totals[group]:.0%}"
        )
    print(
        f"{'all':14} {sum(passed.values()):3}/{len(outcomes):<3} "
        f"{sum(passed.values()) / len(outcomes):.0%}  ({elapsed:.1f} s)"
    )
    if arguments.misses:
        for outcome in outcomes:
            if not outcome.passed:
                print(f"\nMISS {outcome.script.test_id}")
                for failure in outcome.failures:
                    print(f"  {failure}")


if __name__ == "__main__":
    main()
