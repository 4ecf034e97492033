"""An interactive chart page written whole or not at all."""

from __future__ import annotations

from kedro_datasets.plotly import HTMLDataset

from ecom_recsys.datasets.atomic_file import AtomicFileMixin


class AtomicHTMLDataset(AtomicFileMixin, HTMLDataset):
    """``plotly.HTMLDataset`` that replaces its page atomically (``AtomicFileMixin``).

    Example:
        ```yaml
        events.popularity_interactive:
          type: ecom_recsys.datasets.AtomicHTMLDataset
          filepath: data/08_reporting/events/popularity.html
          save_args: {include_plotlyjs: cdn}
        ```
    """
