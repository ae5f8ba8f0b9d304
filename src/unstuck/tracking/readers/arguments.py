"""Command-line options that say where an event log keeps its columns, shared by every command that
reads one (`unstuck import`, `unstuck analyze`)."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Mapping
from typing import Any

from unstuck.tracking.readers.common import ColumnMap


def add_column_arguments(parser: ArgumentParser) -> None:
    """--item-col, --step-col, --at-col and --timezone, with the XES and Unstuck defaults."""
    parser.add_argument(
        "--item-col", metavar="C", help="column with the item (case) id (default case:concept:name or item)"
    )
    parser.add_argument(
        "--step-col", metavar="C", help="column with the step (activity) (default concept:name or step)"
    )
    parser.add_argument("--at-col", metavar="C", help="column with the time (default time:timestamp or at)")
    parser.add_argument(
        "--timezone",
        metavar="TZ",
        help="zone of times written without offset, e.g. Asia/Shanghai (else such rows are rejected)",
    )


def columns_from_options(options: Mapping[str, Any]) -> ColumnMap:
    """The ColumnMap the options above (and an optional --promised-at-col) describe."""
    return ColumnMap(
        item=options["item_col"],
        step=options["step_col"],
        at=options["at_col"],
        promised_at=options.get("promised_at_col"),
    )
