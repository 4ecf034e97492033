"""Kedro hook that logs the wall time of every node (the Spark session's hook is
``ecom_recsys.spark.session.SparkHooks``)."""

from __future__ import annotations

import logging
import time

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node

logger = logging.getLogger(__name__)


class NodeTimingHooks:
    """Wall time of every node, logged when it finishes and summed up at the end.

    Spark is lazy: a node's work mostly happens when its outputs are saved, so a
    node's time runs from loading its first input to saving its last output.
    ``timings`` keeps ``(node name, seconds)`` of the last run (the benchmark
    reads it); ``current`` names the node running now. One node at a time, as
    Kedro's default ``SequentialRunner`` runs them: under a parallel or thread
    runner the times of overlapping nodes would mix.
    """

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self.current: str | None = None
        self._started: float | None = None

    def _start(self, node: Node) -> None:
        if self.current != node.name:
            self._finish()
            self.current, self._started = node.name, time.perf_counter()

    def _finish(self) -> None:
        if self.current is not None and self._started is not None:
            seconds = time.perf_counter() - self._started
            self.timings.append((self.current, seconds))
            logger.info("%s took %.1fs", self.current, seconds)
        self.current, self._started = None, None

    @hook_impl
    def before_pipeline_run(self) -> None:
        """Start a new list of timings."""
        self.timings, self.current, self._started = [], None, None

    @hook_impl
    def before_dataset_loaded(self, node: Node) -> None:
        """A node starts when it loads its first input."""
        self._start(node)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Nodes without inputs start here."""
        self._start(node)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Close the last node and log the slowest ones."""
        self._finish()
        slowest = sorted(self.timings, key=lambda t: -t[1])[:5]
        total = sum(s for _, s in self.timings)
        logger.info(
            "Nodes took %.1fs in all; slowest: %s",
            total,
            ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest),
        )
