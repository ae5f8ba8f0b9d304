"""The configurable tables routing reads when a case opens (edited in the admin): urgency per case
type, the impact × urgency → priority matrix, the team for a case type, and required skills.

Kept out of `models.py` so the case model stays readable; imported there so Django registers them.
The urgency and matrix rows are seeded from the defaults in `cases.lifecycle` by migration
`0003_routing_config`; a missing row falls back to that default (see `cases.priority`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unstuck.cases.lifecycle import CaseType, Level, Priority


class TypeUrgency(models.Model):
    """How fast a case of one type needs action, before anything is known about its item."""

    case_type = models.CharField(_("case type"), max_length=24, choices=CaseType.choices, unique=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Level.choices)

    class Meta:
        verbose_name = _("urgency of a case type")
        verbose_name_plural = _("urgency of case types")
        ordering = ["case_type"]

    def __str__(self) -> str:
        return f"{self.case_type} → {self.urgency}"


class PriorityCell(models.Model):
    """One cell of the impact × urgency → priority matrix (P1–P4)."""

    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Level.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_cell_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.impact} × {self.urgency} → {self.priority}"


class TypeTeam(models.Model):
    """The team that owns cases of a type when nothing else names one (e.g. complaint → complaints):
    a stall in a step without `team`, or a case opened by hand without a team."""

    case_type = models.CharField(_("case type"), max_length=24, choices=CaseType.choices, unique=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="case_types"
    )

    class Meta:
        verbose_name = _("team for a case type")
        verbose_name_plural = _("teams for case types")
        ordering = ["case_type"]

    def __str__(self) -> str:
        return f"{self.case_type} → {self.team_id}"


class SkillRequirement(models.Model):
    """A skill a case needs, by its type and/or its process: only agents with every required skill
    get it, or, when the team has none, any agent of the team (the timeline says so)."""

    skill = models.ForeignKey(
        "accounts.Skill", verbose_name=_("skill"), on_delete=models.CASCADE, related_name="requirements"
    )
    case_type = models.CharField(
        _("case type"),
        max_length=24,
        choices=CaseType.choices,
        blank=True,
        help_text=_("Cases of this type need the skill; empty for every type."),
    )
    process = models.ForeignKey(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Cases about this process need the skill; empty for every process."),
    )

    class Meta:
        verbose_name = _("skill requirement")
        verbose_name_plural = _("skill requirements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(case_type="") | Q(process__isnull=False), name="skill_requirement_scoped"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}: {self.case_type or '*'} / {self.process_id or '*'}"

    def applies(self, *, case_type: str, process_id: int | None) -> bool:
        return (not self.case_type or self.case_type == case_type) and (
            self.process_id is None or self.process_id == process_id
        )
