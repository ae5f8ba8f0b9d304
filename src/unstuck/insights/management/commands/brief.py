"""`unstuck brief`: the supervisor's morning brief for a day (yesterday by default) or a range."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.accounts.models import Team
from unstuck.core.errors import DomainError
from unstuck.core.moments import day_check
from unstuck.insights.brief import brief_as_json, brief_build, yesterday
from unstuck.insights.brief_text import brief_text

#: A brief covers at most a year; more is a typo (and runs past the calendar's end).
MAX_DAYS = 366


class Command(BaseCommand):
    help = "The morning brief (日报): yesterday by default, for everybody or one team; --json for machines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="first local day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--days", type=int, default=1, help="how many days from --date (default 1)")
        parser.add_argument("--team", help="only this team (key)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            first = (
                day_check(date.fromisoformat(options["date"]), field="--date")
                if options["date"]
                else yesterday()
            )
        except (ValueError, DomainError) as error:
            raise CommandError(f"--date {options['date']!r} is not a day like 2026-11-30") from error
        if not 1 <= options["days"] <= MAX_DAYS:
            raise CommandError(f"--days must be 1 to {MAX_DAYS}")
        team = options["team"]
        if team and not Team.objects.filter(key=team).exists():
            raise CommandError(
                f"no team {team!r}; known: {', '.join(Team.objects.values_list('key', flat=True))}"
            )
        brief = brief_build(first=first, days=options["days"], team=team)
        if options["json"]:
            self.stdout.write(json.dumps(brief_as_json(brief), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(brief_text(brief), ending="")
