"""`unstuck audit verify`: prove no case timeline entry was altered, removed or inserted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.cases.timeline import timeline_verify


class Command(BaseCommand):
    help = "Audit tools: `verify` walks every case timeline's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        actions.add_parser("verify", help="Check every hash chain; exit 1 naming the first broken entry.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        report = timeline_verify()
        if report.broken is not None:
            raise CommandError(f"broken: {report.broken}")
        self.stdout.write(f"ok: {report.entries} entries in {report.cases} cases")
