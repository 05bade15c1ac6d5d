"""The desk's Prometheus metrics, in a registry of their own (several apps, one test process).

Counted by this process as things happen: updates received and handled, Bot API sends by
outcome, triage and answer latency. Read from the database at each scrape, in a worker
thread (``DeskLoadCollector``): the outbox backlog, the queue, handoffs, service-level
breaches and who is on shift. Those are desk-wide, the same in every process: aggregate
them with ``max``, not ``sum``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.clock import utc_now
from bot.core.desk_load import DeskLoad, DeskLoadReader
from bot.core.domain import Priority, TriageVerdict
from bot.core.ports import Triage

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class SendOutcome(StrEnum):
    """How one message sent to Telegram went, as the outbox sees it."""

    OK = "ok"
    RETRIED = "retried"  # 429, 5xx or no connection: certainly not delivered, tried again
    FAILED = "failed"  # refused for good (blocked, chat gone, bad request)
    TIMED_OUT = "timed_out"  # may have arrived: never sent again


class OpsMetrics:
    """The counters and histograms this process keeps, and how to render them all."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates_received = Counter(
            "triage_updates_received",
            "Telegram updates taken in for handling (including ones taken up after a crash).",
            registry=self.registry,
        )
        self.updates_handled = Counter(
            "triage_updates_handled",
            "Telegram updates whose handling finished, by outcome (ok or error).",
            ["outcome"],
            registry=self.registry,
        )
        self.sends = Counter(
            "triage_telegram_sends",
            "Messages, edits and button answers sent to the Bot API, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.triage_seconds = Histogram(
            "triage_triage_seconds",
            "Time to triage one message (rules and model).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "triage_answer_seconds",
            "From an update's arrival to the first message Telegram accepted in answer to it.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        for sent in SendOutcome:
            self.sends.labels(sent.value)
        for handled in ("ok", "error"):
            self.updates_handled.labels(handled)

    def sent(self, outcome: SendOutcome) -> None:
        """One send to Telegram went this way."""
        self.sends.labels(outcome.value).inc()

    def read_desk_load(self, reader: DeskLoadReader) -> None:
        """Report the desk's load, read through ``reader`` at each scrape."""
        self.registry.register(DeskLoadCollector(reader))

    def timed(self, triage: Triage) -> Triage:
        """The triage, with the time each verdict takes observed."""
        return TimedTriage(triage, self.triage_seconds.observe)

    def render(self) -> bytes:
        """Every metric in the Prometheus text format (reads the database: call off the loop)."""
        return generate_latest(self.registry)


class TimedTriage:
    """A Triage that reports how long each verdict took."""

    def __init__(self, triage: Triage, observe: Callable[[float], None]) -> None:
        self.inner = triage
        self._observe = observe

    def assess(self, text: str) -> TriageVerdict:
        """The inner triage's verdict, timed."""
        started = time.perf_counter()
        try:
            return self.inner.assess(text)
        finally:
            self._observe(time.perf_counter() - started)


class DeskLoadCollector(Collector):
    """Reads the desk's load at each scrape; a failed read is reported, not raised."""

    def __init__(self, reader: DeskLoadReader) -> None:
        self._reader = reader

    def describe(self) -> list[Metric]:
        """Nothing up front, so registering does not read the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The load as of now, and whether it could be read."""
        up = GaugeMetricFamily(
            "triage_desk_load_up", "1 if the desk's load could be read from the database."
        )
        try:
            load = self._reader.load_at(utc_now())
        except Exception as error:  # a scrape must answer even when the database does not
            log.warning("could not read the desk's load for /metrics: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _load_metrics(load)


def _load_metrics(load: DeskLoad) -> Iterator[Metric]:
    backlog = GaugeMetricFamily("triage_outbox_backlog", "Messages in the outbox not yet sent.")
    backlog.add_metric([], load.outbox_backlog)
    oldest = GaugeMetricFamily(
        "triage_outbox_oldest_age_seconds", "Age of the oldest message not yet sent (0: none)."
    )
    oldest.add_metric([], load.outbox_oldest_age_seconds)
    not_repeated = CounterMetricFamily(
        "triage_outbox_not_repeated",
        "Messages never sent again because they may have arrived, by outcome: timed out, or "
        "in doubt (in flight when their process died).",
        labels=["outcome"],
    )
    for outcome, count in load.not_repeated.items():
        not_repeated.add_metric([outcome], count)
    depth = GaugeMetricFamily(
        "triage_queue_depth", "Cases waiting to be claimed, by priority.", labels=["priority"]
    )
    wait = GaugeMetricFamily(
        "triage_queue_oldest_wait_seconds",
        "How long the oldest unclaimed case has waited, by priority (0: none).",
        labels=["priority"],
    )
    handoffs = CounterMetricFamily(
        "triage_handoffs", "Cases handed to second line, by priority.", labels=["priority"]
    )
    for priority in Priority:
        queued = load.queue.get(priority)
        depth.add_metric([priority.value], queued.waiting if queued else 0)
        wait.add_metric([priority.value], queued.oldest_wait_seconds if queued else 0.0)
        handoffs.add_metric([priority.value], load.handoffs.get(priority, 0))
    breaches = CounterMetricFamily(
        "triage_sla_breaches", "Cases that missed a service-level target.", labels=["target"]
    )
    breaches.add_metric(["claim"], load.claim_breaches)
    breaches.add_metric(["resolve"], load.resolve_breaches)
    on_shift = GaugeMetricFamily("triage_homeworkers_on_shift", "Homeworkers on shift now.")
    on_shift.add_metric([], load.on_shift)
    yield from (backlog, oldest, not_repeated, depth, wait, handoffs, breaches, on_shift)
