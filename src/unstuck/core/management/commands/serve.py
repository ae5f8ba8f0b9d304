"""`unstuck serve`: run the production web server (migrating a fresh database first)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from unstuck.core.database import migrate_pending
from unstuck.core.server import wsgi_serve


class Command(BaseCommand):
    help = "Serve Unstuck (web pages, API, static files) with waitress; applies pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000; 0 picks a free one).")
        parser.add_argument("--threads", type=int, default=8, help="Worker threads (default 8).")
        parser.add_argument(
            "--no-migrate", action="store_false", dest="migrate", help="Do not apply pending migrations."
        )

    def handle(self, *args: Any, host: str, port: int, threads: int, migrate: bool, **options: Any) -> None:
        if migrate:
            migrate_pending(stdout=self.stdout)
        wsgi_serve(host=host, port=port, threads=threads, stdout=self.stdout)
