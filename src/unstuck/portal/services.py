"""Writes of the portal: a customer's confirmation and survey answer, a link being opened, a
supervisor pausing proactive updates, an agent's status note. Each runs in one transaction and, when
it touches a case, records its own timeline entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.core.errors import DomainError
from unstuck.portal.links import LinkRefused, link_check
from unstuck.portal.models import SERVQUAL_DIMENSIONS, CaseFollowUp, PortalLink, StatusNote, Survey
from unstuck.processes.spec import spec_for_version
from unstuck.tracking.deadlines import visit_key
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PORTAL = "portal"


@dataclass(frozen=True)
class ConfirmOption:
    """One choice a customer may make instead of a plain yes (e.g. a delivery slot)."""

    value: str
    label: str


def confirmation_options(item: Item) -> list[ConfirmOption]:
    """The options offered in the item's `confirmation_options` attribute (a list of texts or of
    `{"value", "label"}` objects, pushed by the source system); [] for a plain confirmation."""
    raw = (item.attrs or {}).get("confirmation_options")
    if not isinstance(raw, list):
        return []
    options = []
    for entry in raw[:20]:
        if isinstance(entry, dict) and str(entry.get("value", "")).strip():
            value = str(entry["value"]).strip()[:100]
            options.append(ConfirmOption(value, str(entry.get("label") or value)[:200]))
        elif isinstance(entry, (str, int)) and str(entry).strip():
            options.append(ConfirmOption(str(entry).strip()[:100], str(entry).strip()[:200]))
    return options


def confirmation_target(item: Item, step: str) -> str | None:
    """The step a confirmation of `step` moves the item to: the step's `confirmation.then`, else the
    step the process lists after it, else its first terminal step; None if there is none."""
    spec = spec_for_version(item.version_id)
    definition = spec.steps.get(step)
    if definition is not None and definition.confirmation is not None and definition.confirmation.then:
        return definition.confirmation.then
    keys = list(spec.steps)
    if step in keys and keys.index(step) + 1 < len(keys):
        return keys[keys.index(step) + 1]
    return sorted(spec.terminal)[0] if spec.terminal else None


def link_opened(*, link: PortalLink) -> None:
    """Count an opening of a link (a GET); the first one is remembered for the case page."""
    now = timezone.now()
    PortalLink.objects.filter(pk=link.pk).update(open_count=F("open_count") + 1)
    PortalLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation did: the event it recorded (False when it was a repeat) and the step."""

    recorded: bool
    step: str
    choice: str | None


@transaction.atomic
def confirmation_submit(*, token: str, choice: str | None = None) -> Confirmed:
    """The customer confirms (or picks an option) through a confirm link: records one event on the
    item through the ingest service, moving it out of the confirmation step; the worker then
    resolves the case by itself. Raises LinkRefused when the link is invalid, expired or used."""
    link = link_check(token=token, kind=PortalLink.Kind.CONFIRM, lock=True)
    if link.used_at is not None:
        raise LinkRefused("link_used", 410, link)
    # OF self: lock the item only, not its process row (that would serialise a whole process).
    item = Item.objects.select_for_update(of=("self",)).select_related("process").get(pk=link.item_id)
    if item.current_step != link.step or item.is_terminal:
        raise LinkRefused("link_used", 410, link)  # confirmed already (another link, another channel)
    target = confirmation_target(item, link.step)
    if target is None:
        raise DomainError("no_next_step", f"The process lists no step after {link.step!r}.", status=409)
    options = confirmation_options(item)
    if options and choice not in {option.value for option in options}:
        raise DomainError("invalid_choice", _("Please choose one of the options offered."))
    if not options:
        choice = None
    now = timezone.now()
    attrs: dict[str, Any] = {"confirmed_by": "customer", "confirmed_via": PORTAL, "confirmed_step": link.step}
    if choice is not None:
        attrs["confirmation_choice"] = choice
    visit = visit_key(item.current_step, item.step_since)
    result = event_ingest_batch(
        events=[
            {
                "process": item.process.key,
                "item": item.external_id,
                "step": target,
                "at": now.isoformat(),
                # One event per confirmed visit, whichever link or how many POSTs it came from.
                "key": f"portal-confirm:{item.pk}:{visit}",
                "attrs": attrs,
            }
        ],
        source=PORTAL,
    )
    if result.rejected:
        raise DomainError(result.rejected[0].code, result.rejected[0].message)
    PortalLink.objects.filter(pk=link.pk).update(used_at=now)
    for case_id in (
        Case.objects.filter(item=item, status__in=OPEN).order_by("pk").values_list("pk", flat=True)
    ):
        case = case_lock(case_id)
        message = _("The customer confirmed %(step)s through the portal link.") % {"step": link.step}
        if choice is not None:
            message = _("The customer chose “%(choice)s” for %(step)s through the portal link.") % {
                "choice": choice,
                "step": link.step,
            }
        timeline_append(
            case=case,
            kind="customer_confirmed",
            actor_label="customer",
            at=now,
            data={"step": link.step, "to": target, "choice": choice, "link": link.pk},
            message=message,
        )
    return Confirmed(recorded=result.accepted == 1, step=target, choice=choice)


class SurveyAnswerError(DomainError):
    """A survey answer that cannot be stored; `details` names each bad field."""


def _score(name: str, raw: object, *, required: bool) -> int | None:
    if raw in (None, ""):
        if required:
            raise SurveyAnswerError("missing_field", _("Please choose a score from 1 to 5."), details=name)
        return None
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise SurveyAnswerError(
            "invalid_field", _("%(field)s: choose a score from 1 to 5.") % {"field": name}, details=name
        )
    return value


@transaction.atomic
def survey_answer(
    *,
    token: str,
    score: object,
    comment: str = "",
    dimensions: dict[str, object] | None = None,
    language: str = "",
) -> Survey:
    """Store the customer's one answer (1–5, comment, optional SERVQUAL 1–5 each) on the case and its
    timeline. A second answer changes nothing: LinkRefused `link_used`."""
    link = link_check(token=token, kind=PortalLink.Kind.SURVEY, lock=True)
    assert link.case_id is not None
    survey = Survey.objects.select_for_update().filter(case_id=link.case_id).first()
    if survey is None:
        raise LinkRefused("link_invalid", 400, link)
    if survey.answered_at is not None:
        raise LinkRefused("link_used", 410, link)
    dimensions = dimensions or {}
    values = {name: _score(name, dimensions.get(name), required=False) for name in SERVQUAL_DIMENSIONS}
    survey.score = _score("score", score, required=True)
    survey.comment = comment.strip()[:5000]
    for name, value in values.items():
        setattr(survey, name, value)
    now = timezone.now()
    survey.answered_at = now
    survey.language = language[:8]
    survey.save()
    PortalLink.objects.filter(pk=link.pk).update(used_at=now)
    case = case_lock(link.case_id)
    answered = {"score": survey.score, **{k: v for k, v in values.items() if v is not None}}
    timeline_append(
        case=case,
        kind="survey_answered",
        actor_label="customer",
        at=now,
        data={**answered, "comment": survey.comment},
        message=_("The customer rated the handling %(score)s/5.") % {"score": survey.score}
        + (f" “{survey.comment[:200]}”" if survey.comment else ""),
    )
    return survey


def _follow_up_locked(case_id: int) -> CaseFollowUp:
    follow_up = CaseFollowUp.objects.select_for_update().filter(case_id=case_id).first()
    if follow_up is None:
        raise DomainError(
            "no_follow_up", f"Case {case_id} has no proactive updates (no customer's item).", status=404
        )
    return follow_up


@transaction.atomic
def follow_up_pause(*, case_id: int, actor: User, reason: str) -> CaseFollowUp:
    """A supervisor stops proactive updates of a case (an incident is being told in bulk, ...)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the updates are paused."))
    follow_up = _follow_up_locked(case_id)  # before the case: the worker locks them in that order
    case = case_lock(case_id)
    if follow_up.is_paused:
        return follow_up
    now = timezone.now()
    follow_up.paused_at, follow_up.paused_by, follow_up.pause_reason = now, actor, reason[:500]
    follow_up.next_update_at = None  # out of the due index until resumed
    follow_up.save(update_fields=["paused_at", "paused_by", "pause_reason", "next_update_at"])
    timeline_append(
        case=case,
        kind="updates_paused",
        actor=actor,
        at=now,
        data={"reason": follow_up.pause_reason},
        message=_("Proactive customer updates paused: %(reason)s") % {"reason": follow_up.pause_reason},
    )
    return follow_up


@transaction.atomic
def follow_ups_pause(*, case_ids: list[int], actor: User, reason: str) -> int:
    """Pause the proactive updates of many cases at once (every case of an incident, which is told
    in bulk instead); cases without updates are skipped. Returns how many were paused."""
    if not reason.strip():
        raise DomainError("reason_required", _("Say why the updates are paused."))
    running = (
        CaseFollowUp.objects.filter(case_id__in=set(case_ids), paused_at__isnull=True)
        .order_by("case_id")  # one lock order for every caller
        .values_list("case_id", flat=True)
    )
    paused = 0
    for case_id in list(running):
        follow_up_pause(case_id=case_id, actor=actor, reason=reason)
        paused += 1
    return paused


@transaction.atomic
def follow_up_resume(*, case_id: int, actor: User) -> CaseFollowUp:
    """Resume the proactive updates of a paused case; the next one is due at once (policy permitting)."""
    follow_up = _follow_up_locked(case_id)  # before the case: the worker locks them in that order
    case = case_lock(case_id)
    if not follow_up.is_paused:
        return follow_up
    now = timezone.now()
    follow_up.paused_at, follow_up.paused_by, follow_up.pause_reason = None, None, ""
    if follow_up.state == CaseFollowUp.State.ACTIVE:
        follow_up.next_update_at = now
    follow_up.save(update_fields=["paused_at", "paused_by", "pause_reason", "next_update_at"])
    timeline_append(
        case=case,
        kind="updates_resumed",
        actor=actor,
        at=now,
        data={},
        message=_("Proactive customer updates resumed."),
    )
    return follow_up


@transaction.atomic
def status_note_add(*, case_id: int, actor: User, reason: str, eta: datetime | None) -> StatusNote:
    """An agent writes the honest word for the customer (reason + new ETA); the status page and the
    next proactive update say it."""
    reason = reason.strip()
    if not reason:
        raise DomainError("missing_field", _("Write the reason in words the customer understands."))
    if eta is not None and timezone.is_naive(eta):
        raise DomainError("timestamp_without_offset", "eta: give the time with its UTC offset.")
    case = case_lock(case_id)
    if case.item_id is None:
        raise DomainError("no_item", f"Case {case_id} is not about an item; there is no customer to tell.")
    now = timezone.now()
    note = StatusNote.objects.create(
        item_id=case.item_id, case=case, reason=reason[:500], eta=eta, author=actor, created_at=now
    )
    timeline_append(
        case=case,
        kind="customer_update",
        actor=actor,
        at=now,
        data={"reason": note.reason, "eta": eta.isoformat() if eta else None},
        message=_("Update for the customer: %(reason)s") % {"reason": note.reason},
    )
    return note
