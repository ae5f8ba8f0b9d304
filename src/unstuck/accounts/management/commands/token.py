"""`unstuck token create|list|revoke`: API tokens from the console.

`create` prints its human note on stderr and the raw token alone on stdout, so
`TOKEN=$(unstuck token create --user ci --role admin)` captures exactly the token.
`unstuck token create --integration erp --process order-delivery` issues an integration token that
may push events into, and read, only the named processes (docs/permissions.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from unstuck.accounts.models import PERSON_ROLES, ApiToken
from unstuck.accounts.selectors import api_token_find, api_token_list, user_role
from unstuck.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
    user_ensure,
)
from unstuck.core.errors import DomainError
from unstuck.processes.selectors import process_by_key


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Issue a token (creating the user and team if needed).")
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="Username; created if it does not exist.")
        who.add_argument(
            "--integration",
            metavar="NAME",
            help="An integration token (service user integration-NAME) for the --process keys only.",
        )
        create.add_argument(
            "--process",
            action="append",
            default=[],
            dest="processes",
            metavar="KEY",
            help="With --integration: a process it may push events into and read (repeat for more).",
        )
        create.add_argument(
            "--role",
            choices=[role.value for role in PERSON_ROLES],
            help="Set the user's role (new users default to agent).",
        )
        create.add_argument("--team", help="Team key; the team and the membership are created if needed.")
        create.add_argument("--name", default="", help="A label for the token, e.g. 'erp-sync'.")
        listing = actions.add_parser("list", help="List live tokens.")
        listing.add_argument("--user", help="Only this user's tokens.")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix (or the whole token).")
        revoke.add_argument("prefix", help="The 8-character prefix shown by `token list`, or the token.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(
        self,
        *,
        user: str | None,
        integration: str | None,
        processes: list[str],
        role: str | None,
        team: str | None,
        name: str,
        **options: Any,
    ) -> None:
        if integration is not None:
            self._create_integration(integration, processes, role=role, team=team, name=name)
            return
        if processes:
            raise CommandError("--process goes with --integration (a person's token follows their teams).")
        assert user is not None  # argparse requires --user or --integration
        account = user_ensure(username=user, role=role, team_key=team)
        token, raw = api_token_create(user=account, name=name)
        where = f", team {team}" if team else ""
        self.stderr.write(
            f"Created API token {token.prefix}… for {account.username} (role {user_role(account)}{where}). "
            "It is shown only this once:",
            style_func=lambda text: text,
        )
        self.stdout.write(raw)

    def _create_integration(
        self, integration: str, processes: list[str], *, role: str | None, team: str | None, name: str
    ) -> None:
        if role or team or name:
            raise CommandError(
                "An integration token has no --role, --team or --name: its processes say it all."
            )
        if not processes:
            raise CommandError("Name the processes the integration may write with --process KEY.")
        unknown = [key for key in processes if process_by_key(key) is None]
        if unknown:
            raise CommandError(f"There is no process {unknown[0]!r}; load it first (`unstuck process load`).")
        token, raw = integration_token_create(name=integration, process_keys=processes)
        self.stderr.write(
            f"Created integration token {token.prefix}… for {token.user.username} "
            f"(processes {', '.join(token.process_keys)}). It is shown only this once:",
            style_func=lambda text: text,
        )
        self.stdout.write(raw)

    def _list(self, *, user: str | None, all: bool, **options: Any) -> None:
        owner = None
        if user is not None:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
        tokens = api_token_list(user=owner, include_revoked=all)
        rows = [("PREFIX", "USER", "NAME", "PROCESSES", "CREATED", "LAST USED", "REVOKED")]
        rows += [
            (
                t.prefix,
                t.user.username,
                t.name or "-",
                ",".join(t.process_keys) if t.kind == ApiToken.Kind.INTEGRATION else "-",
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.revoked_at),
            )
            for t in tokens
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )

    def _revoke(self, *, prefix: str, **options: Any) -> None:
        token = api_token_find(prefix_or_token=prefix)
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token.prefix}… of {token.user.username} was already revoked.")
            return
        api_token_revoke(token=token)
        self.stdout.write(f"Revoked token {token.prefix}… of {token.user.username}.")
