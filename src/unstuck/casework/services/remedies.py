"""Writes for remedies (补救): add one to a case, and a supervisor's approval or rejection when its
amount is above the configured threshold. Nobody approves a remedy they asked for."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.casework.models import ApprovalThreshold, Incident, Remedy, RemedyKind, RemedyStatus
from unstuck.casework.permissions import user_supervises
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
MAX_AMOUNT = Decimal("9999999999.99")


def amount_clean(amount: Decimal | float | str | None) -> Decimal | None:
    """A remedy's amount as money (two decimals, zero or more), or DomainError `invalid_amount`."""
    if amount is None or amount == "":
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(
            "invalid_amount", f"{amount!r} is not an amount.", details={"field": "amount"}
        ) from None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise DomainError(
            "invalid_amount", f"The amount must be between 0 and {MAX_AMOUNT}.", details={"field": "amount"}
        )
    if value != value.quantize(Decimal("0.01")):
        raise DomainError("invalid_amount", "Amounts have at most two decimals.", details={"field": "amount"})
    return value.quantize(Decimal("0.01"))


def approval_threshold(currency: str) -> Decimal:
    """Amounts above this need approval; a currency without a configured threshold: any amount above 0."""
    amount = ApprovalThreshold.objects.filter(currency=currency).values_list("amount", flat=True).first()
    return amount if amount is not None else Decimal("0")


def remedy_record(
    *,
    case: Case,
    actor: User,
    kind: str,
    amount: Decimal | None,
    currency: str,
    note: str,
    threshold: Decimal,
    incident: Incident | None = None,
) -> Remedy:
    """Store a checked remedy on the locked `case` and say so on its timeline (shared with incidents)."""
    now = timezone.now()
    needs_approval = amount is not None and amount > threshold
    remedy = Remedy.objects.create(
        case=case,
        kind=kind,
        amount=amount,
        currency=currency,
        note=note,
        status=RemedyStatus.PENDING if needs_approval else RemedyStatus.APPROVED,
        needs_approval=needs_approval,
        requested_by=actor,
        requested_at=now,
        decided_at=None if needs_approval else now,
        incident=incident,
    )
    cost = f" {amount} {currency}" if amount is not None else ""
    label = remedy.get_kind_display()
    if needs_approval:
        message = _(
            "Remedy %(kind)s%(cost)s proposed; above %(threshold)s %(currency)s it waits for a supervisor."
        )
        message %= {"kind": label, "cost": cost, "threshold": threshold, "currency": currency}
    else:
        message = _("Remedy %(kind)s%(cost)s granted.") % {"kind": label, "cost": cost}
    if note:
        message = f"{message} {note}"
    timeline_append(
        case=case,
        kind="remedy_requested",
        actor=actor,
        at=now,
        data={
            "remedy": remedy.pk,
            "kind": kind,
            "amount": str(amount) if amount is not None else None,
            "currency": currency,
            "status": remedy.status,
            "incident": incident.pk if incident is not None else None,
        },
        message=message,
    )
    return remedy


def remedy_check(
    *, kind: str, amount: Decimal | float | str | None, currency: str
) -> tuple[Decimal | None, str]:
    """Validate a remedy's kind, amount and currency; returns the clean (amount, currency)."""
    if kind not in RemedyKind.values:
        raise DomainError(
            "invalid_remedy_kind",
            f"Unknown remedy {kind!r}; use one of: {', '.join(RemedyKind.values)}.",
            details={"field": "kind"},
        )
    currency = (currency or "CNY").strip().upper()
    if not _CURRENCY.match(currency):
        raise DomainError(
            "invalid_currency",
            f"{currency!r} is not a currency code such as CNY.",
            details={"field": "currency"},
        )
    return amount_clean(amount), currency


@transaction.atomic
def remedy_add(
    *,
    case_id: int,
    actor: User,
    kind: str,
    amount: Decimal | float | str | None = None,
    currency: str = "CNY",
    note: str = "",
) -> Remedy:
    """Add a remedy to an open case; above the approval threshold it is pending until a supervisor decides."""
    clean_amount, currency = remedy_check(kind=kind, amount=amount, currency=currency)
    case = case_lock(case_id)
    if case.status in FINISHED:
        raise DomainError(
            "case_finished", f"Case {case.number} is {case.status}; reopen it first.", status=409
        )
    return remedy_record(
        case=case,
        actor=actor,
        kind=kind,
        amount=clean_amount,
        currency=currency,
        note=note.strip()[:2000],
        threshold=approval_threshold(currency),
    )


@transaction.atomic
def remedy_decide(*, remedy_id: int, actor: User, approve: bool, reason: str = "") -> Remedy:
    """Approve or reject a pending remedy: a supervisor of the case's team (or an admin), never the
    person who asked for it; a rejection says why."""
    case_id = Remedy.objects.filter(pk=remedy_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise DomainError("remedy_not_found", f"No remedy {remedy_id}.", status=404)
    case = case_lock(case_id)  # the case first, like every case write: one lock order
    remedy = Remedy.objects.select_for_update().get(pk=remedy_id)
    if remedy.status != RemedyStatus.PENDING:
        raise DomainError("remedy_not_pending", f"Remedy {remedy_id} is already {remedy.status}.", status=409)
    if remedy.requested_by_id == actor.pk:
        raise DomainError(
            "own_remedy", "Someone else must approve or reject a remedy you proposed.", status=403
        )
    if not user_supervises(actor, case.team_id):
        raise DomainError(
            "approval_forbidden",
            "Only a supervisor of the case's team (or an admin) decides remedies.",
            status=403,
        )
    reason = reason.strip()[:2000]
    if not approve and not reason:
        raise DomainError("reason_required", "Say why the remedy is rejected.", details={"field": "reason"})
    now = timezone.now()
    remedy.status = RemedyStatus.APPROVED if approve else RemedyStatus.REJECTED
    remedy.decided_by, remedy.decided_at, remedy.decision_reason = actor, now, reason
    remedy.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    cost = f" {remedy.amount} {remedy.currency}" if remedy.amount is not None else ""
    message = _("Remedy %(kind)s%(cost)s approved.") if approve else _("Remedy %(kind)s%(cost)s rejected.")
    message %= {"kind": remedy.get_kind_display(), "cost": cost}
    timeline_append(
        case=case,
        kind="remedy_decided",
        actor=actor,
        at=now,
        data={"remedy": remedy.pk, "status": remedy.status, "reason": reason},
        message=f"{message} {reason}" if reason else message,
    )
    return remedy
