"""Accounts: teams, who belongs to them in which role, per-user preferences and API tokens.

Roles live in two places, on purpose:

- `Profile.role` is the user's **global** role. `admin` (运营管理员) and `auditor` only make sense
  globally (they see every team); for agents and supervisors it is the role they normally work in.
- `Membership.role` is the user's role **in one team**: a supervisor of one team may help out as an
  agent in another. Per-team permission checks use the membership; everything else uses the profile.

A user without a profile (e.g. made by `createsuperuser`) is an `agent`, or an `admin` if superuser;
no signal creates profiles behind anyone's back: `user_ensure` does it explicitly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person may do: agents work cases, supervisors coach and escalate, admins configure,
    auditors read everything and change nothing."""

    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Operations admin")
    AUDITOR = "auditor", _("Auditor")
    # Not a person: the role of the service user behind integration tokens (see ApiToken.Kind).
    INTEGRATION = "integration", _("Integration")


#: The roles a person can be given (the integration role belongs to integration tokens' users).
PERSON_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
PERSON_ROLE_CHOICES = [(role.value, role.label) for role in PERSON_ROLES]


class Language(models.TextChoices):
    """Languages a user can read Unstuck and its notifications in (Chinese first)."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Team(models.Model):
    """A group of people who own a part of the work (a step's responsible team, a case's team)."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # A key into the calendars app rather than a foreign key: calendars are defined in code/files.
    calendar_key = models.CharField(_("business calendar"), max_length=63, default="cn-workdays")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Membership(models.Model):
    """A user's place in one team, with the role they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["team", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_user_team_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.team.key} ({self.role})"


class Skill(models.Model):
    """Something only some agents can handle (a language, a product line, key accounts): case types
    and processes may require one, and routing then prefers the agents who have it."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Profile(models.Model):
    """Per-user settings that Django's user lacks: global role, language, notification channel."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("global role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    # Blank: follow the browser (Accept-Language), which falls back to zh-Hans.
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default="", blank=True)
    # Placeholder until the messaging app defines channels; "in_app" needs no address.
    notify_channel = models.CharField(_("notification channel"), max_length=32, default="in_app")
    skills: models.ManyToManyField[Skill, models.Model] = models.ManyToManyField(
        "Skill",
        verbose_name=_("skills"),
        blank=True,
        related_name="profiles",
        help_text=_("What this person can handle that not everyone can (cases needing a skill go to them)."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the raw token is shown once.

    A plain (unsalted, fast) hash is enough because tokens carry 256 random bits: there is nothing
    to brute-force, and a unique index on the hash makes lookup one indexed query.

    A *personal* token acts as its user, with the user's role and teams. An *integration* token
    belongs to a service user with the role `integration` and may push events into, and read, only
    the processes it names (`process_keys`), whoever made it.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        INTEGRATION = "integration", _("Integration")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8, db_index=True, editable=False)
    token_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSONAL, db_default=Kind.PERSONAL
    )
    # Keys rather than foreign keys: accounts sits below processes (`unstuck token` checks the keys).
    process_keys = models.JSONField(
        _("processes"),
        default=list,
        blank=True,
        help_text=_("Integration tokens: the keys of the processes it may push events into and read."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}{', ' + self.name if self.name else ''})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Absence(models.Model):
    """A stretch of time someone is away (leave, out of office) and who stands in for them meanwhile.

    Stored as a half-open interval [`starts_at`, `ends_at`). Absences entered as dates (`all_day`)
    start at midnight of the first day and end at midnight after the last day, in the server's time
    zone. New cases skip absent agents; an absent owner's cases nearing breach go to the deputy.
    """

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        OUT_OF_OFFICE = "out_of_office", _("Out of office")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LEAVE)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), help_text=_("The first moment the person is back."))
    all_day = models.BooleanField(_("whole days"), default=False)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy_for",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("user")), name="absence_deputy_not_self"
            ),
        ]
        indexes = [
            # "Is this person away at T" and "who is away now": the end bounds the range read.
            models.Index(fields=["user", "ends_at"], name="absence_user_end_idx"),
            models.Index(fields=["ends_at", "starts_at"], name="absence_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"
