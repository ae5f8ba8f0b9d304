"""A recurring cause the worker noticed (same cause + step + item attribute value, many cases in a
window) and proposes to supervisors as a Problem (see `insights.recurring`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CauseProposalStatus(models.TextChoices):
    """Where a proposal stands: open until a supervisor accepts (a Problem) or dismisses it."""

    OPEN = "open", _("Proposed")
    ACCEPTED = "accepted", _("Problem created")
    DISMISSED = "dismissed", _("Dismissed")


class CauseProposal(models.Model):
    """`cases` cases with one cause category at one step of one process share an item attribute value.

    At most one open proposal per (category, process, step, attribute, value) — the constraint that
    makes the detection idempotent when two workers run it at once.
    """

    category = models.ForeignKey(
        "casework.CauseCategory", verbose_name=_("cause"), on_delete=models.CASCADE, related_name="+"
    )
    process = models.ForeignKey(
        "processes.Process", verbose_name=_("process"), on_delete=models.CASCADE, related_name="+"
    )
    step = models.CharField(_("step"), max_length=100)
    attribute = models.CharField(_("attribute"), max_length=100)
    value = models.CharField(_("value"), max_length=200)
    case_ids = models.JSONField(_("cases"), default=list)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    found_at = models.DateTimeField(_("found at"))
    status = models.CharField(
        _("status"), max_length=10, choices=CauseProposalStatus.choices, default=CauseProposalStatus.OPEN
    )
    problem = models.ForeignKey(
        "casework.Problem",
        verbose_name=_("problem"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recurring cause proposal")
        verbose_name_plural = _("recurring cause proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "process", "step", "attribute", "value"],
                condition=Q(status="open"),
                name="cause_proposal_open_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "-found_at"], name="cause_proposal_status_idx")]

    def __str__(self) -> str:
        return f"{self.category_id} {self.step} {self.attribute}={self.value} ({len(self.case_ids)})"

    @property
    def cases(self) -> int:
        return len(self.case_ids)
