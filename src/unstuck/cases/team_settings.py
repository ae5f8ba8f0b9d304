"""Writes for the admin's team settings: name, lead, business calendar, routing mode and the case
types the team owns (the routing tables live in cases, the team itself in accounts)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unstuck.accounts.models import Membership, Role, Team
from unstuck.calendars.business_time import calendar_keys
from unstuck.cases.lifecycle import CaseType
from unstuck.cases.models import TeamRouting
from unstuck.cases.routing_models import TypeTeam

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def team_settings_update(
    *,
    team: Team,
    actor: User,
    name: str,
    lead: User | None,
    calendar_key: str,
    strategy: str,
    case_types: list[str],
) -> Team:
    """Change a team; a case type moves here from any other team. Raises ValidationError by field."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the team a name.")
    if calendar_key not in calendar_keys():
        errors["calendar_key"] = _("Unknown calendar %(key)s.") % {"key": calendar_key}
    if strategy not in TeamRouting.Strategy.values:
        errors["strategy"] = _("Choose how new cases are handed out.")
    unknown = [case_type for case_type in case_types if case_type not in CaseType.values]
    if unknown:
        errors["case_types"] = _("Unknown case type %(types)s.") % {"types": ", ".join(unknown)}
    if lead is not None and not lead.is_active:
        errors["lead"] = _("%(name)s is not an active user.") % {"name": lead.get_username()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        team.name, team.lead, team.calendar_key = name.strip(), lead, calendar_key
        team.save(update_fields=["name", "lead", "calendar_key"])
        if lead is not None:
            Membership.objects.get_or_create(user=lead, team=team, defaults={"role": Role.SUPERVISOR})
        TeamRouting.objects.update_or_create(team=team, defaults={"strategy": strategy})
        TypeTeam.objects.filter(team=team).exclude(case_type__in=case_types).delete()
        for case_type in case_types:
            TypeTeam.objects.update_or_create(case_type=case_type, defaults={"team": team})
    log.info("team %s changed by %s", team.key, actor.get_username())
    return team
