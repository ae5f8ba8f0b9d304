"""`unstuck backup PATH`: a consistent backup of the live database, safe while Unstuck runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.core.backup import database_backup
from unstuck.core.errors import DomainError


class Command(BaseCommand):
    help = "Back up the database to PATH (SQLite: a database file; PostgreSQL: pg_dump custom format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="File to write; an existing file is replaced.")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            written = database_backup(path=path)
        except DomainError as error:
            raise CommandError(error.message) from None
        size = written.stat().st_size
        self.stdout.write(f"Backed up the database to {written} ({size:,} bytes).")
