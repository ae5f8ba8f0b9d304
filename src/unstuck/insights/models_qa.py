"""QA sampling (质检) and coaching: the rubric, the cases picked each day, scores and 1:1 notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QaRubric(models.Model):
    """What supervisors score cases against, and how many cases per agent are picked each day.

    One rubric is active at a time (the newest active one); old rubrics stay so old scores keep
    their meaning.
    """

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    random_per_agent = models.PositiveSmallIntegerField(
        _("random cases per agent and day"), default=1, help_text=_("Picked at random among the day's cases.")
    )
    targeted_per_agent = models.PositiveSmallIntegerField(
        _("targeted cases per agent and day"),
        default=2,
        help_text=_(
            "Escalated, SLA breached, low CSAT, reopened, or touching the agent's weakest criterion."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("QA rubric")
        verbose_name_plural = _("QA rubrics")

    def __str__(self) -> str:
        return self.name


class QaCriterion(models.Model):
    """One thing a reviewer scores (问题识别, 沟通礼貌 ...) with its weight in the total."""

    rubric = models.ForeignKey(
        QaRubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="criteria"
    )
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name (中文)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=5)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("QA criterion")
        verbose_name_plural = _("QA criteria")
        ordering = ["rubric", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "key"], name="qa_criterion_key_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="qa_criterion_weight_positive"),
            models.CheckConstraint(condition=models.Q(max_score__gt=0), name="qa_criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.weight}"


class QaSamplingDay(models.Model):
    """One day's sampling run: due once the day is over; done when its samples are picked."""

    day = models.DateField(_("day"), unique=True)
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    picked = models.PositiveIntegerField(_("cases picked"), default=0)

    class Meta:
        verbose_name = _("QA sampling day")
        verbose_name_plural = _("QA sampling days")
        indexes = [
            models.Index(fields=["due_at"], name="qa_day_due_idx", condition=models.Q(done_at__isnull=True))
        ]

    def __str__(self) -> str:
        return str(self.day)


class QaReason(models.TextChoices):
    """Why a case was picked for review."""

    RANDOM = "random", _("Random")
    ESCALATED = "escalated", _("Escalated")
    BREACHED = "breached", _("SLA breached")
    LOW_CSAT = "low_csat", _("Low CSAT")
    REOPENED = "reopened", _("Reopened")
    WEAK_CRITERION = "weak_criterion", _("Agent's weakest criterion")


class QaSample(models.Model):
    """A case an agent handled on `day`, picked for a supervisor to score, and why it was picked."""

    day = models.DateField(_("day handled"))
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rubric = models.ForeignKey(QaRubric, verbose_name=_("rubric"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=QaReason.choices)
    reason_detail = models.CharField(_("reason detail"), max_length=300, blank=True)
    picked_at = models.DateTimeField(_("picked at"))

    class Meta:
        verbose_name = _("QA sample")
        verbose_name_plural = _("QA samples")
        constraints = [
            models.UniqueConstraint(fields=["day", "agent", "case"], name="qa_sample_unique"),
        ]
        indexes = [
            models.Index(fields=["team", "day"], name="qa_sample_team_day_idx"),
            models.Index(fields=["agent", "day"], name="qa_sample_agent_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agent_id} case {self.case_id} ({self.reason})"


class QaReview(models.Model):
    """A supervisor's scoring of one sample: per-criterion scores and the weighted total (0–100)."""

    sample = models.OneToOneField(
        QaSample, verbose_name=_("sample"), on_delete=models.CASCADE, related_name="review"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.FloatField(_("weighted total (0–100)"))
    comment = models.TextField(_("comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.total:.0f}"


class QaScore(models.Model):
    """One criterion's score in a review, with the reviewer's comment on it."""

    review = models.ForeignKey(
        QaReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        QaCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("QA score")
        verbose_name_plural = _("QA scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="qa_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.score}"


class CoachingNote(models.Model):
    """A 1:1 coaching note a supervisor wrote for an agent; action items hang off it by id.

    `action_item_ids` holds the casework app's `ActionItem` ids created with the note (that app
    owns the action items; a foreign key would tie this app's migrations to it).
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("date"))
    text = models.TextField(_("note"))
    action_item_ids = models.JSONField(_("action items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        indexes = [models.Index(fields=["agent", "-on"], name="coaching_agent_idx")]

    def __str__(self) -> str:
        return f"{self.on} {self.agent_id}"
