"""Working a case: the cause taxonomy and a case's cause, playbooks and their checklists, remedies
with approval, incidents (a parent case over many stalled ones), problems and action items.

Everything hangs off `cases.Case` by foreign key; the cases app does not know these models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: The ten default cause categories (DESIGN.md's cause taxonomy), in display order: key, 中文, English.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("information_flow", "信息流转", "Information flow"),
    ("system_failure", "系统故障", "System failure"),
    ("staffing_absence", "人员/缺勤", "Staffing / absence"),
    ("policy_change", "政策变更", "Policy change"),
    ("customer_unresponsive", "客户无响应", "Customer unresponsive"),
    ("supply_chain", "供应链", "Supply chain"),
    ("inventory", "库存", "Inventory"),
    ("customer_data_error", "客户资料错误", "Customer data error"),
    ("external", "外部因素", "External factors"),
    ("other", "其他", "Other"),
)
MAX_WHYS = 5


class Bilingual(models.Model):
    """A row named in Chinese and English; `name` follows the active language (Chinese first)."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        language = get_language() or "zh-hans"
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


class CauseCategory(Bilingual):
    """One category of the cause taxonomy (信息流转, 系统故障 ...), configurable in the admin."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cause category")
        verbose_name_plural = _("cause categories")
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.key})"


class CaseCause(models.Model):
    """Why a case happened: a category, free text and a 5-whys chain (at most five answers)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="cause"
    )
    category = models.ForeignKey(
        CauseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="case_causes"
    )
    text = models.TextField(_("cause"), blank=True)
    whys = models.JSONField(_("5 whys"), default=list, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("case cause")
        verbose_name_plural = _("case causes")
        indexes = [models.Index(fields=["category", "set_at"], name="casecause_category_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.category_id}"


class CaseReview(models.Model):
    """Review notes (复盘) written when a case is resolved: what happened and what to keep or change."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="reviews"
    )
    notes = models.TextField(_("notes"))
    lessons = models.TextField(_("lessons"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.reviewed_at:%Y-%m-%d}"


class Playbook(Bilingual):
    """Standard steps (预案) for a case type and/or cause category; blank both for the default.

    The most specific active playbook wins: type and cause > cause > type > default.
    """

    key = models.SlugField(_("key"), max_length=63, unique=True)
    case_type = models.CharField(_("case type"), max_length=24, blank=True)
    cause_category = models.ForeignKey(
        CauseCategory,
        verbose_name=_("cause category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="playbooks",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.key})"

    @property
    def specificity(self) -> int:
        return (2 if self.cause_category_id else 0) + (1 if self.case_type else 0)


class StepRole(models.TextChoices):
    """Who does a playbook step."""

    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    TEAM_LEAD = "team_lead", _("Team lead")
    ADMIN = "admin", _("Operations admin")


class PlaybookStep(Bilingual):
    """One step of a playbook: who, within how much business time, and which customer message."""

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=16, choices=StepRole.choices, default=StepRole.AGENT)
    time_limit = models.CharField(
        _("time limit"),
        max_length=20,
        blank=True,
        help_text=_("Business time after the step before: 30m, 4h, 1d."),
    )
    message_template = models.CharField(
        _("customer message template"), max_length=63, blank=True, help_text=_("e.g. stall_update")
    )

    class Meta:
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")
        ordering = ["playbook", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "position"], name="playbookstep_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.playbook_id}#{self.position} {self.name_zh}"


class CasePlaybook(models.Model):
    """Which playbook a case follows now (its checklist was made from it)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="playbook_use"
    )
    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"))

    class Meta:
        verbose_name = _("case playbook")
        verbose_name_plural = _("case playbooks")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.playbook_id}"


class ChecklistItem(Bilingual):
    """One step of a case's checklist, copied from its playbook so later playbook edits change nothing.

    Ticking records who and when; a playbook replaced by a more specific one marks its unticked
    items superseded (they stay, for the record).
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="checklist"
    )
    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        PlaybookStep, verbose_name=_("playbook step"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=16, choices=StepRole.choices)
    time_limit = models.CharField(_("time limit"), max_length=20, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    message_template = models.CharField(_("customer message template"), max_length=63, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["case", "playbook", "position"], name="checklist_once_per_step"),
        ]
        indexes = [models.Index(fields=["case", "position"], name="checklist_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.position} {self.name_zh}"


class RemedyKind(models.TextChoices):
    """What is done to make it right for the customer."""

    EXPEDITE = "expedite", _("Expedite")  # 加急
    SUBSTITUTE = "substitute", _("Substitute")  # 替换
    COUPON = "coupon", _("Coupon / compensation")  # 优惠券/补偿
    REFUND = "refund", _("Refund")  # 退款
    FEE_WAIVER = "fee_waiver", _("Fee waiver")  # 免手续费


class RemedyStatus(models.TextChoices):
    """Where a remedy stands: amounts above the approval threshold wait for a supervisor."""

    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApprovalThreshold(models.Model):
    """Remedies costing more than `amount` in `currency` need a supervisor's approval.

    A currency without a row needs approval for any amount above zero.
    """

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("remedy approval threshold")
        verbose_name_plural = _("remedy approval thresholds")

    def __str__(self) -> str:
        return f"> {self.amount} {self.currency}"


class Remedy(models.Model):
    """A remedy (补救) for a case, with its cost and, above the threshold, a supervisor's decision."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="remedies"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RemedyKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RemedyStatus.choices)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    incident = models.ForeignKey(
        "Incident",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remedies",
    )

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        indexes = [
            models.Index(fields=["case", "id"], name="remedy_case_idx"),
            models.Index(fields=["id"], name="remedy_pending_idx", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} {self.amount or ''} {self.currency}"


class Incident(models.Model):
    """A batch event (批量事件): a parent case gathering the open stall-opened cases one filter matched."""

    parent = models.OneToOneField(
        "cases.Case", verbose_name=_("parent case"), on_delete=models.PROTECT, related_name="incident"
    )
    filter = models.JSONField(_("filter"), default=dict)
    cause_category = models.ForeignKey(
        CauseCategory,
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"incident {self.pk} (case {self.parent_id})"


class IncidentCase(models.Model):
    """A child case of an incident; each keeps its own timeline."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="links"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="incident_links"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("incident case")
        verbose_name_plural = _("incident cases")
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="incidentcase_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ⊃ {self.case_id}"


class IncidentNotice(models.Model):
    """One bulk customer notice of an incident: what was said and how many messages were queued."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="notices"
    )
    reason = models.TextField(_("reason"))
    eta = models.CharField(_("new ETA"), max_length=200, blank=True)
    queued = models.PositiveIntegerField(_("messages queued"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")

    def __str__(self) -> str:
        return f"{self.incident_id} notice {self.pk}"


class ProblemStatus(models.TextChoices):
    """A problem's life: open → fix in progress → resolved (and reopened when it recurs)."""

    OPEN = "open", _("Open")
    FIX_IN_PROGRESS = "fix_in_progress", _("Fix in progress")
    RESOLVED = "resolved", _("Resolved")


class Problem(models.Model):
    """A recurring root cause (问题) linking many cases, with an owner, a fix plan and action items."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cause_category = models.ForeignKey(
        CauseCategory,
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_problems",
    )
    fix_plan = models.TextField(_("fix plan"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["status", "id"], name="problem_status_idx")]

    def __str__(self) -> str:
        return f"{self.number or '?'} {self.title}"


class ProblemCase(models.Model):
    """A case linked to the problem that caused it (a case has at most one problem)."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="links"
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="problem_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("problem case")
        verbose_name_plural = _("problem cases")

    def __str__(self) -> str:
        return f"{self.problem_id} ⊃ {self.case_id}"


class ActionItem(models.Model):
    """Something a named person must do by a date (行动项), from a review or a problem, tracked to done."""

    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("problem"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_items",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            models.Index(
                fields=["owner", "due_date"], name="actionitem_open_idx", condition=Q(done_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title
