"""`unstuck process load FILE.yaml | list | show KEY`: processes as code."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.processes.definition import ProcessDefinitionError
from unstuck.processes.selectors import process_by_key, process_list
from unstuck.processes.services import process_load


class Command(BaseCommand):
    help = "Load, list and show processes (process-as-code YAML files)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="create or update a process from a YAML file (idempotent)")
        load.add_argument("files", nargs="+", type=Path)
        load.add_argument(
            "--migrate-open",
            action="store_true",
            help="move open items to the new version (default: they finish under their starting version)",
        )
        sub.add_parser("list", help="list processes and their current versions")
        show = sub.add_parser("show", help="print the current YAML of a process")
        show.add_argument("key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            self._load(options["files"], options["migrate_open"])
        elif action == "list":
            for process in process_list():
                version = process.current_version
                self.stdout.write(f"{process.key}\tv{version.number if version else '-'}\t{process.name}")
        else:
            found = process_by_key(options["key"])
            if found is None or found.current_version is None:
                raise CommandError(f"no process {options['key']!r}")
            self.stdout.write(found.current_version.source)

    def _load(self, files: list[Path], migrate_open: bool) -> None:
        for path in files:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"{path}: cannot read: {error}") from None
            try:
                result = process_load(source=source, loaded_by=getpass.getuser(), migrate_open=migrate_open)
            except ProcessDefinitionError as error:
                raise CommandError(f"{path}: {error}") from None
            key, number = result.process.key, result.version.number
            if not result.changed:
                self.stdout.write(f"{key}: unchanged (v{number})")
            elif result.created:
                self.stdout.write(f"{key}: created (v{number})")
            else:
                moved = f", {result.migrated_items} open items moved to it" if migrate_open else ""
                self.stdout.write(f"{key}: updated to v{number}{moved}")
