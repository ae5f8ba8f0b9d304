"""`unstuck audit verify` / `unstuck audit anchor`: check the case timelines' sealed hash chains
against their anchors, and copy the current chain heads to the append-only anchor file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.cases.timeline import timeline_anchor, timeline_verify


class Command(BaseCommand):
    help = (
        "Audit tools: `verify` checks every case timeline (one line per broken case, exit 1); "
        "`anchor` appends the current chain heads to the anchor file (docs/audit.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify,anchor}")
        actions.add_parser(
            "verify", help="Check every chain and the anchors; exit 1 naming each broken case."
        )
        anchor = actions.add_parser("anchor", help="Append the heads that moved since the last anchor.")
        anchor.add_argument("--full", action="store_true", help="Write every case's head, moved or not.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "anchor":
            written = timeline_anchor(full=bool(options.get("full")))
            self.stdout.write(f"anchored: {written} case heads")
            return
        report = timeline_verify()
        for line in report.breaks:
            self.stderr.write(f"broken: {line}")
        if report.breaks:
            raise CommandError(f"{len(report.breaks)} broken (first: {report.breaks[0]})")
        note = ""
        if report.unsealed and report.baseline_at:
            note = f"; {report.unsealed} entries predate the audit key (pinned on {report.baseline_at})"
        elif report.unsealed:
            note = f"; {report.unsealed} entries predate the audit key, not anchored yet: run `audit anchor`"
        self.stdout.write(
            f"ok: {report.entries} entries in {report.cases} cases, {report.anchored} anchored{note}"
        )
