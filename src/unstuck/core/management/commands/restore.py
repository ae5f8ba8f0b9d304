"""`unstuck restore PATH [--force]`: replace the database with a backup made by `unstuck backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.core.backup import database_restore
from unstuck.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `unstuck backup`. Refuses to overwrite a database that holds data "
        "unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Backup file.")
        parser.add_argument("--force", action="store_true", help="Overwrite a database that holds data.")

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            result = database_restore(path=path, force=force)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Restored {path} into the {result.vendor} database.")
        if result.pending_migrations:
            self.stdout.write(
                f"The backup predates {len(result.pending_migrations)} migration(s); "
                "`unstuck migrate` (or `unstuck serve`) will apply them."
            )
