"""Kedro hook that logs the wall time of every node (the Spark session's hook is
``ecom_recsys.spark.session.SparkHooks``)."""

from __future__ import annotations

import logging
import threading
import time

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node

logger = logging.getLogger(__name__)


class NodeTimingHooks:
    """Wall time of every node, logged when it finishes and summed up at the end.

    Spark is lazy: a node's work mostly happens when its outputs are saved, so a
    node's time runs from loading its first input to saving its last output.
    ``timings`` keeps ``(node name, seconds)`` of the last run in the order the
    nodes finished (the benchmark reads it); ``current`` names the node started
    last of those still running. Nodes are timed one by one, so the times are
    right under Kedro's ``ThreadRunner`` too, where nodes overlap (their sum then
    exceeds the run's wall time).
    """

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self.current: str | None = None
        # node name -> (start, outputs saved so far)
        self._running: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _start(self, node: Node) -> None:
        with self._lock:
            if node.name not in self._running:
                self._running[node.name] = (time.perf_counter(), 0)
                self.current = node.name

    def _finish(self, name: str) -> None:
        """Under the lock: record ``name``'s time."""
        started, _ = self._running.pop(name)
        seconds = time.perf_counter() - started
        self.timings.append((name, seconds))
        self.current = next(reversed(self._running), None)
        logger.info("%s took %.1fs", name, seconds)

    @hook_impl
    def before_pipeline_run(self) -> None:
        """Start a new list of timings."""
        with self._lock:
            self.timings, self.current, self._running = [], None, {}

    @hook_impl
    def before_dataset_loaded(self, node: Node) -> None:
        """A node starts when it loads its first input."""
        self._start(node)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Nodes without inputs start here."""
        self._start(node)

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        """Nodes without outputs end here."""
        if not node.outputs:
            with self._lock:
                if node.name in self._running:
                    self._finish(node.name)

    @hook_impl
    def after_dataset_saved(self, node: Node) -> None:
        """A node ends when its last output is saved."""
        with self._lock:
            if node.name not in self._running:
                return
            started, saved = self._running[node.name]
            self._running[node.name] = (started, saved + 1)
            if saved + 1 >= len(node.outputs):
                self._finish(node.name)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Log the slowest nodes."""
        with self._lock:
            for name in list(self._running):
                self._finish(name)
        slowest = sorted(self.timings, key=lambda t: -t[1])[:5]
        total = sum(s for _, s in self.timings)
        logger.info(
            "Nodes took %.1fs in all; slowest: %s",
            total,
            ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest),
        )
