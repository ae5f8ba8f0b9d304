"""`unstuck analyze PATH`: bottleneck figures of a CSV or XES event log, offline and without a database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.insights.dfg import LogInsights
from unstuck.insights.durations import duration_text
from unstuck.insights.log_file import log_analyze
from unstuck.tracking.readers.arguments import add_column_arguments, columns_from_options
from unstuck.tracking.readers.common import ImportFileError

SHOWN = 10


_duration = duration_text


def render_text(insights: LogInsights) -> str:
    """A short bilingual summary: where the time goes (edges by total time) and the slowest steps.

    Bilingual by design (it runs offline, often outside any user's language setting), so its
    headings are not passed through gettext.
    """
    lines = [
        f"案例 cases: {insights.cases}, 事件 events: {insights.events}, "
        f"活动 activities: {len(insights.activities)}, 变体 variants: {insights.variant_total}",
        "",
        "耗时最多的环节 Edges by total time (count, mean, median):",
    ]
    for edge in insights.edges[:SHOWN]:
        lines.append(
            f"  {edge.source} -> {edge.target}: {_duration(edge.total_seconds)}"
            f"  ({edge.count}, {_duration(edge.mean_seconds)}, {_duration(edge.median_seconds)})"
        )
    lines += ["", "停留最久的步骤 Slowest steps by mean sojourn (events, mean, median, p90):"]
    for step in insights.steps[:SHOWN]:
        if step.sojourn_count:
            lines.append(
                f"  {step.activity}: {step.count}, {_duration(step.sojourn_mean_seconds)},"
                f" {_duration(step.sojourn_median_seconds)}, {_duration(step.sojourn_p90_seconds)}"
            )
    lines += ["", "常见变体 Top variants (cases, mean duration):"]
    for variant in insights.variants[:5]:
        path = " > ".join(variant.activities)
        lines.append(f"  {variant.count} × {_duration(variant.mean_duration_seconds)}: {path}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Analyse a CSV or XES event log offline: directly-follows graph, step sojourn times, variants."
    # Works before `unstuck migrate`: nothing here touches the database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the event log: .csv (.csv.gz), .xes or .xes.gz")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        add_column_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        columns = columns_from_options(options)
        try:
            insights = log_analyze(Path(options["path"]), columns=columns, timezone=options["timezone"])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(insights.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(insights))
