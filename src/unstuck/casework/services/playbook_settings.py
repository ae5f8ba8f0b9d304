"""Writes for the admin's playbook settings: a playbook's scope and its ordered steps (who, within
how much business time, which customer message). Cases already carrying a checklist keep it."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unstuck.calendars.durations import InvalidDuration, parse_duration
from unstuck.cases.lifecycle import CaseType
from unstuck.casework.models import CauseCategory, Playbook, PlaybookStep, StepRole
from unstuck.messaging.vocabulary import TemplateKey

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)
_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,63}$")
#: A free position while two steps swap places (the pair is unique per playbook).
_PARKED = 32000


def playbook_save(
    *,
    actor: User,
    playbook: Playbook | None,
    key: str,
    name_zh: str,
    name_en: str,
    case_type: str,
    cause_category: CauseCategory | None,
    active: bool,
) -> Playbook:
    """Create or change a playbook's names and scope; raises ValidationError by field."""
    errors: dict[str, str] = {}
    if playbook is None:
        if not _KEY.match(key):
            errors["key"] = _("Use 1-63 letters, digits, - or _ for the key.")
        elif Playbook.objects.filter(key=key).exists():
            errors["key"] = _("The key %(key)s is taken.") % {"key": key}
    if not name_zh.strip():
        errors["name_zh"] = _("Give the Chinese name.")
    if case_type and case_type not in CaseType.values:
        errors["case_type"] = _("Unknown case type %(types)s.") % {"types": case_type}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        playbook = playbook or Playbook(key=key)
        playbook.name_zh, playbook.name_en = name_zh.strip()[:200], name_en.strip()[:200]
        playbook.case_type, playbook.cause_category, playbook.active = case_type, cause_category, active
        playbook.save()
    log.info("playbook %s saved by %s", playbook.key, actor.get_username())
    return playbook


def _step_check(name_zh: str, role: str, time_limit: str, message_template: str) -> None:
    errors: dict[str, str] = {}
    if not name_zh.strip():
        errors["name_zh"] = _("Give the Chinese name.")
    if role not in StepRole.values:
        errors["role"] = _("Choose who does the step.")
    if time_limit.strip():
        try:
            parse_duration(time_limit.strip())
        except InvalidDuration as error:
            errors["time_limit"] = str(error)
    if message_template and message_template not in TemplateKey.values:
        errors["message_template"] = _("Unknown message template %(key)s.") % {"key": message_template}
    if errors:
        raise ValidationError(errors)


def playbook_step_save(
    *,
    actor: User,
    playbook: Playbook,
    step: PlaybookStep | None,
    name_zh: str,
    name_en: str,
    role: str,
    time_limit: str,
    message_template: str,
) -> PlaybookStep:
    """Add a step at the end (step None) or change one; raises ValidationError by field."""
    _step_check(name_zh, role, time_limit, message_template)
    with transaction.atomic():
        Playbook.objects.select_for_update().filter(pk=playbook.pk).first()
        if step is None:
            last = playbook.steps.order_by("-position").values_list("position", flat=True).first()
            step = PlaybookStep(playbook=playbook, position=(last or 0) + 1)
        elif step.playbook_id != playbook.pk:
            raise ValidationError(_("That step belongs to another playbook."))
        step.name_zh, step.name_en = name_zh.strip()[:200], name_en.strip()[:200]
        step.role, step.time_limit, step.message_template = role, time_limit.strip(), message_template
        step.save()
    log.info("playbook %s step %s saved by %s", playbook.key, step.position, actor.get_username())
    return step


def playbook_step_move(*, actor: User, step: PlaybookStep, offset: int) -> None:
    """Swap a step with its neighbour above (offset -1) or below (+1); at an end nothing moves."""
    with transaction.atomic():
        Playbook.objects.select_for_update().filter(pk=step.playbook_id).first()
        neighbour = PlaybookStep.objects.filter(
            playbook_id=step.playbook_id, position=step.position + offset
        ).first()
        if neighbour is None:
            return
        mine, theirs = step.position, neighbour.position
        PlaybookStep.objects.filter(pk=step.pk).update(position=_PARKED)
        PlaybookStep.objects.filter(pk=neighbour.pk).update(position=mine)
        PlaybookStep.objects.filter(pk=step.pk).update(position=theirs)
    log.info("playbook step %s moved %+d by %s", step.pk, offset, actor.get_username())


def playbook_step_delete(*, actor: User, step: PlaybookStep) -> None:
    """Remove a step and close the gap, so positions stay 1, 2, 3 ..."""
    with transaction.atomic():
        playbook = Playbook.objects.select_for_update().get(pk=step.playbook_id)
        step.delete()
        for position, rest in enumerate(playbook.steps.order_by("position"), start=1):
            if rest.position != position:
                PlaybookStep.objects.filter(pk=rest.pk).update(position=position)
    log.info("playbook %s lost a step (by %s)", playbook.key, actor.get_username())
