"""The portal's worker passes: new stall cases get a follow-up schedule, due follow-ups send the
customer a confirmation request or an honest update (policy permitting), internal confirmation
reminders reach the confirming team, and resolved cases invite a survey.

Every pass claims its rows in one transaction (an index range; SKIP LOCKED on PostgreSQL), writes
its messages to the outbox in that same transaction and moves its markers there too: a worker
killed mid-pass leaves everything as it was, and a repeat is excluded by the markers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from unstuck.accounts.models import Profile
from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.core.bulk_sql import adapt_json, adapt_time, rows_update
from unstuck.portal.customer_words import customer_time_zone, honest_update, local_text, waits_on_customer
from unstuck.portal.links import confirm_url, status_url, survey_url
from unstuck.portal.models import CaseFollowUp, ReminderNotice, Survey, UpdatePolicy
from unstuck.portal.notify import message_send
from unstuck.portal.scans import scan_advance, scan_claim
from unstuck.portal.update_policy import DEFAULT_POLICY, Policy, next_update_at, recent
from unstuck.stalls.models import Reminder, Stall
from unstuck.tracking.deadlines import visit_key

WORKER = "worker"
#: How soon a follow-up whose updates are switched off looks again (the policy may change).
RECHECK = timedelta(hours=1)


def policy_for(process_id: int | None, cache: dict[int | None, Policy] | None = None) -> Policy:
    """The update policy of a process: its own row, else the default row, else the built-in one."""
    if cache is not None and process_id in cache:
        return cache[process_id]
    rows = {
        row.process_id: row
        for row in UpdatePolicy.objects.filter(process_id__in=[process_id] if process_id else [])
        | UpdatePolicy.objects.filter(process__isnull=True)
    }
    row = rows.get(process_id) or rows.get(None)
    policy = DEFAULT_POLICY
    if row is not None:
        policy = Policy(
            enabled=row.enabled,
            cadence=timedelta(minutes=max(row.cadence_minutes, 1)),
            max_per_day=row.max_per_day,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
        )
    if cache is not None:
        cache[process_id] = policy
    return policy


def _customer_language(case: Case) -> str:
    customer = case.item.customer if case.item is not None else None
    language = str(getattr(customer, "language", "") or "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def follow_ups_start(*, batch: int = 500, now: datetime | None = None) -> int:
    """Give each new stall-opened case about an item a follow-up schedule (due at once when its
    customer can be told); returns how many cases it looked at."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor = scan_claim("follow_ups")
        if cursor is None:
            return 0
        cases = list(
            Case.objects.filter(
                pk__gt=cursor.position, origin=Case.Origin.STALL, item__isnull=False, follow_up__isnull=True
            )
            .select_related("item__customer")
            .order_by("pk")[:batch]
        )
        rows = []
        for case in cases:
            assert case.item is not None
            state = CaseFollowUp.State.ACTIVE
            if case.item.customer is None:
                state = CaseFollowUp.State.SILENT
            elif case.status in FINISHED:
                state = CaseFollowUp.State.FINISHED
            due = now if state == CaseFollowUp.State.ACTIVE else None
            rows.append(
                CaseFollowUp(case=case, item=case.item, state=state, next_update_at=due, created_at=now)
            )
        CaseFollowUp.objects.bulk_create(rows, ignore_conflicts=True)
        scan_advance(
            cursor,
            model=Case,
            written_field="opened_at",
            now=now,
            last_handled=cases[-1].pk if cases else None,
            full=len(cases) == batch,
        )
    return len(cases)


def _claim_due(now: datetime, batch: int) -> list[CaseFollowUp]:
    """Lock the batch of due follow-ups, then read them with their case, item and customer.

    Two statements on purpose: the claim touches the follow-ups alone (a range of
    `portal_followup_due_idx`), so no join can lead the planner away from the index — with the
    joins in one statement, PostgreSQL on stale statistics took tens of seconds per pass.
    """
    due = CaseFollowUp.objects.filter(state=CaseFollowUp.State.ACTIVE, next_update_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    claimed = list(due.order_by("next_update_at", "pk").values_list("pk", flat=True)[:batch])
    if not claimed:
        return []
    return list(
        CaseFollowUp.objects.filter(pk__in=claimed)
        .select_related("case", "item__customer", "item__process")
        .order_by("next_update_at", "pk")
    )


def _sent_moments(follow_up: CaseFollowUp) -> list[datetime]:
    moments = [parse_datetime(text) for text in follow_up.recent_updates or [] if isinstance(text, str)]
    return [moment for moment in moments if moment is not None]


def _message_context(case: Case, now: datetime) -> dict[str, Any]:
    item = case.item
    assert item is not None
    update = honest_update(item=item, case=case, now=now)
    zone = customer_time_zone(item)
    return {
        "customer_name": str(item.customer) if item.customer else "",
        "item": item.external_id,
        "reason": update.reason,
        "eta": local_text(update.eta, zone),
        "case_number": case.number or "",
        "status_link": status_url(item=item),
    }


def _send_update(follow_up: CaseFollowUp, now: datetime) -> str | None:
    """Queue the customer's next message; returns the template used, None if nothing was queued."""
    case, item = follow_up.case, follow_up.item
    # A savepoint: the links of a message the outbox did not take (a repeat) are not kept as sent.
    with transaction.atomic(), translation.override(_customer_language(case)):
        context = _message_context(case, now)
        asks = (
            case.rule == "confirmation"
            and follow_up.confirmation_requested_at is None
            and waits_on_customer(item)
        )
        if waits_on_customer(item):  # every message while we wait carries a fresh confirmation link
            context["confirm_link"] = confirm_url(item=item, step=item.current_step)
        if asks:
            template = "confirmation_request"
            dedupe = f"portal:confirmation_request:{case.pk}:{visit_key(item.current_step, item.step_since)}"
        else:
            template = "stall_update"
            dedupe = f"portal:stall_update:{case.pk}:{follow_up.updates_sent + 1}"
        sent = message_send(
            template_key=template,
            context=context,
            dedupe_key=dedupe,
            case=case,
            item=item,
            customer=item.customer,
        )
        if not sent:
            transaction.set_rollback(True)
            return None
        locked = case_lock(case.pk)
        timeline_append(
            case=locked,
            kind="customer_told",
            actor_label=WORKER,
            at=now,
            data={"template": template, "reason": context["reason"], "eta": context["eta"]},
            message=_("Customer told (%(template)s): %(reason)s")
            % {"template": template, "reason": context["reason"]},
        )
    return template


#: What a pass stores of each follow-up it handled.
SCHEDULE_COLUMNS = (
    "state", "next_update_at", "updates_sent", "recent_updates", "last_update_at",
    "confirmation_requested_at",
)  # fmt: skip


def proactive_updates(*, batch: int = 500, now: datetime | None = None) -> int:
    """Handle the follow-ups that fell due: send what the policy allows now, else reschedule to the
    next allowed moment (cadence, daily cap, quiet hours in the customer's zone); returns how many.

    One query finds which of the batch's items are still stalled and one statement stores the
    batch's new schedules, so a pass costs a fixed number of statements plus the messages it sends.
    """
    now = now or timezone.now()
    policies: dict[int | None, Policy] = {}
    with transaction.atomic():
        due = _claim_due(now, batch)
        stalled = set(
            Stall.objects.filter(item_id__in={f.item_id for f in due}, resolved_at__isnull=True)
            .values_list("item_id", flat=True)
            .distinct()
        )
        for follow_up in due:
            _follow_up_due(follow_up, now, policies, stalled=follow_up.item_id in stalled)
        rows_update(
            CaseFollowUp,
            SCHEDULE_COLUMNS,
            [
                (
                    f.state,
                    adapt_time(f.next_update_at),
                    f.updates_sent,
                    adapt_json(f.recent_updates),
                    adapt_time(f.last_update_at),
                    adapt_time(f.confirmation_requested_at),
                    f.pk,
                )
                for f in due
            ],
        )
    return len(due)


def _follow_up_due(
    follow_up: CaseFollowUp, now: datetime, policies: dict[int | None, Policy], *, stalled: bool
) -> None:
    """Decide one due follow-up (in memory; the caller stores the batch)."""
    case, item = follow_up.case, follow_up.item
    if case.status in FINISHED:
        follow_up.state, follow_up.next_update_at = CaseFollowUp.State.FINISHED, None
        return
    if follow_up.is_paused:
        follow_up.next_update_at = None  # resuming puts it back in the index range
        return
    policy = policy_for(item.process_id, policies)
    zone = customer_time_zone(item)
    sent = _sent_moments(follow_up)
    allowed = next_update_at(now=now, policy=policy, zone=zone, last_sent=follow_up.last_update_at, sent=sent)
    if allowed is None or not stalled:
        follow_up.next_update_at = now + min(RECHECK, policy.cadence)
        return
    if allowed > now:
        follow_up.next_update_at = allowed
        return
    template = _send_update(follow_up, now)
    if template is not None:
        sent = recent([*sent, now], now)
        follow_up.recent_updates = [moment.isoformat() for moment in sent]
        follow_up.last_update_at = now
        if template == "confirmation_request":
            follow_up.confirmation_requested_at = now
        else:
            follow_up.updates_sent += 1
    follow_up.next_update_at = (
        next_update_at(now=now, policy=policy, zone=zone, last_sent=now, sent=sent) or now + RECHECK
    )


def _confirmers(confirm_by: str) -> list[Any]:
    """The people a step's `confirmation.by` names: a team's members, else holders of that role."""
    users = get_user_model().objects.filter(is_active=True)
    members = list(users.filter(memberships__team__key=confirm_by).order_by("pk").distinct())
    if members:
        return members
    holders = Profile.objects.filter(role=confirm_by).values_list("user_id", flat=True)
    return list(users.filter(pk__in=holders).order_by("pk"))


def reminders_notify(*, batch: int = 500, now: datetime | None = None) -> int:
    """Pass each internal confirmation reminder the stalls app recorded (`confirmation.by` a team or
    role, not the customer) to those people as `confirmation_reminder`; returns reminders handled."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor = scan_claim("reminders")
        if cursor is None:
            return 0
        reminders = list(
            Reminder.objects.filter(pk__gt=cursor.position, portal_notice__isnull=True)
            .exclude(confirm_by="customer")
            .select_related("item")
            .order_by("pk")[:batch]
        )
        notices = []
        for reminder in reminders:
            told = 0
            for user in _confirmers(reminder.confirm_by):
                with translation.override(getattr(getattr(user, "profile", None), "language", "") or None):
                    context = {
                        "agent_name": user.get_full_name() or user.get_username(),
                        "item": reminder.item.external_id,
                        "reason": _("Step %(step)s waits on your confirmation (reminder %(n)s).")
                        % {"step": reminder.step, "n": reminder.index + 1},
                        "eta": "",
                    }
                told += message_send(
                    template_key="confirmation_reminder",
                    context=context,
                    dedupe_key=f"portal:confirmation_reminder:{reminder.pk}:{user.pk}",
                    item=reminder.item,
                    user=user,
                )
            notices.append(ReminderNotice(reminder=reminder, recipients=told, created_at=now))
        ReminderNotice.objects.bulk_create(notices, ignore_conflicts=True)
        scan_advance(
            cursor,
            model=Reminder,
            written_field="created_at",
            now=now,
            last_handled=reminders[-1].pk if reminders else None,
            full=len(reminders) == batch,
        )
    return len(reminders)


def surveys_invite(*, batch: int = 500, now: datetime | None = None) -> int:
    """Invite the customer of each newly resolved case about their item to the CSAT survey (once per
    case, `survey_invitation` with `survey_link`); returns resolution entries handled."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor = scan_claim("surveys")
        if cursor is None:
            return 0
        entries = list(
            TimelineEntry.objects.filter(
                pk__gt=cursor.position,
                kind__in=[TimelineEntry.Kind.RESOLVED_AUTO, TimelineEntry.Kind.STATUS_CHANGED],
                data__to="resolved",
                case__item__customer__isnull=False,
                case__survey__isnull=True,
            )
            .select_related("case__item__customer")
            .order_by("pk")[:batch]
        )
        invited: set[int] = set()
        for entry in entries:
            if entry.case_id in invited:
                continue
            invited.add(entry.case_id)
            _survey_invite(entry.case, now)
        scan_advance(
            cursor,
            model=TimelineEntry,
            written_field="at",
            now=now,
            last_handled=entries[-1].pk if entries else None,
            full=len(entries) == batch,
        )
    return len(entries)


def _survey_invite(case: Case, now: datetime) -> None:
    item = case.item
    assert item is not None and item.customer is not None
    Survey.objects.create(case=case, invited_at=now)
    with transaction.atomic(), translation.override(_customer_language(case)):
        context = {
            "customer_name": str(item.customer),
            "item": item.external_id,
            "case_number": case.number or "",
            "survey_link": survey_url(case=case),
        }
        sent = message_send(
            template_key="survey_invitation",
            context=context,
            dedupe_key=f"portal:survey_invitation:{case.pk}",
            case=case,
            item=item,
            customer=item.customer,
        )
        if not sent:
            transaction.set_rollback(True)  # no message, no link given out
    with translation.override(_customer_language(case)):
        locked = case_lock(case.pk)
        timeline_append(
            case=locked,
            kind="survey_invited",
            actor_label=WORKER,
            at=now,
            data={"sent": sent},
            message=_("Satisfaction survey sent to the customer.")
            if sent
            else _("Satisfaction survey opened (its invitation was queued before)."),
        )
