"""Project commands: ``kedro run`` as Kedro's own, ending file-level failures in one line.

Kedro lets a project's ``cli.py`` override its commands. This ``run`` takes
every option of Kedro's ``run`` and calls it; in addition it writes the run's
log, with the full trace of a failure, to ``logs/run.log`` (or the file
``ECOM_RECSYS_RUN_LOG`` names), and when the run
fails for a reason the user fixes on the file system (a full disk, a
read-only or unwritable data folder: ``ecom_recsys.faults``) its last line on
the terminal says what, where and what to do instead of ending in a Java
trace. Other errors end as Kedro ends them.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.utils import find_kedro_project

from ecom_recsys.faults import explain

LOG_FILE = Path("logs") / "run.log"
logger = logging.getLogger(__name__)


def _log_file() -> tuple[Path, logging.Handler] | None:
    """Send the run's log (INFO and up) to ``<project>/logs/run.log`` too; None
    when that file cannot be opened (the terminal still gets the message)."""
    project = find_kedro_project(Path.cwd()) or Path.cwd()
    path = Path(os.environ.get("ECOM_RECSYS_RUN_LOG") or project / LOG_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=10 * 2**20, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.getLogger().addHandler(handler)
    # the trace of a failure goes to the file only, not to the terminal
    logger.addHandler(handler)
    logger.propagate = False
    return path, handler


def _close(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    logger.removeHandler(handler)
    handler.close()


@click.group(name="ecom_recsys")
def cli() -> None:
    """Commands of the ecom_recsys project."""


@cli.command(name="run", params=list(kedro_run.params), help=kedro_run.help)
@click.pass_context
def run(ctx: click.Context, **kwargs):
    """Kedro's ``run``; a file-level failure ends in one line (trace in the log)."""
    log = _log_file()
    try:
        return ctx.invoke(kedro_run.callback, **kwargs)
    except Exception as error:
        if log is not None:
            logger.error("The run failed", exc_info=error)
        line = explain(error)
        if line is None:
            raise
        if log is not None:
            line += f" (Full trace: {log[0]}.)"
        click.secho(line, fg="red", err=True)
        ctx.exit(1)
    finally:
        if log is not None:
            _close(log[1])
