"""Writes and reads for the admin's people screens: create a user, change role, team, notification
channel, skills; deactivate (the person's history stays: cases, timeline and absences keep them)."""

from __future__ import annotations

import logging
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from unstuck.accounts.models import PERSON_ROLES, Membership, Profile, Role, Skill, Team
from unstuck.accounts.selectors import user_role

log = logging.getLogger(__name__)
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
#: Where a colleague's notifications may go (messaging's channel kinds a person can have).
NOTIFY_CHANNELS = ("in_app", "email", "sms", "wecom", "dingtalk", "feishu", "slack")


def people_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[User]:
    """Every user with profile, skills and teams, for admins and auditors (nobody else)."""
    users = (
        get_user_model()
        .objects.select_related("profile")
        .prefetch_related(
            "profile__skills",
            Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("team__key")),
        )
        .order_by("-is_active", "username")
    )
    return users if user_role(user) in {Role.ADMIN, Role.AUDITOR} else users.none()


def person_save(
    *,
    actor: User,
    person: User | None,
    username: str,
    display_name: str,
    email: str,
    role: str,
    team: Team | None,
    notify_channel: str,
    skills: list[Skill],
    active: bool,
) -> User:
    """Create (person None) or change a user; the team is the one they work in, with their role.
    Deactivating keeps every row that names them. Raises ValidationError by field."""
    errors: dict[str, str] = {}
    if person is None:
        if not _USERNAME.match(username):
            errors["username"] = _("Use up to 150 letters, digits and . @ + - _ for the user name.")
        elif get_user_model().objects.filter(username=username).exists():
            errors["username"] = _("The user name %(name)s is taken.") % {"name": username}
    if role not in PERSON_ROLES:
        errors["role"] = _("Choose a role.")
    if notify_channel not in NOTIFY_CHANNELS:
        errors["notify_channel"] = _("Choose where notifications go.")
    if email.strip():
        try:
            from django.core.validators import validate_email

            validate_email(email.strip())
        except ValidationError:
            errors["email"] = _("Not an e-mail address.")
    if notify_channel == "email" and not email.strip():
        errors["email"] = _("Notifications by e-mail need an e-mail address.")
    if person is not None and person.pk == actor.pk and not active:
        errors["active"] = _("You cannot deactivate yourself.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if person is None:
            person = get_user_model().objects.create(username=username)
            person.set_unusable_password()
        person.first_name, person.email, person.is_active = display_name.strip()[:150], email.strip(), active
        person.save()
        profile, _created = Profile.objects.get_or_create(user=person)
        profile.role, profile.notify_channel = role, notify_channel
        profile.save(update_fields=["role", "notify_channel"])
        profile.skills.set(skills)
        if team is not None:
            membership, _created = Membership.objects.get_or_create(user=person, team=team)
            if membership.role != role and role in (Role.AGENT, Role.SUPERVISOR):
                membership.role = role
                membership.save(update_fields=["role"])
    log.info("user %s saved by %s (active=%s)", person.get_username(), actor.get_username(), active)
    return person


def membership_remove(*, actor: User, person: User, team: Team) -> None:
    """Take a person out of a team (their past cases there keep them as owner)."""
    with transaction.atomic():
        Membership.objects.filter(user=person, team=team).delete()
        if team.lead_id == person.pk:
            Team.objects.filter(pk=team.pk).update(lead=None)
    log.info("user %s left team %s (by %s)", person.get_username(), team.key, actor.get_username())
