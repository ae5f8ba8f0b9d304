"""Early warning (危机预警): a spike of stalls in one step — or for one warehouse, carrier, ... in it —
against the usual rate for that hour of the week, raised once and sent to the step's supervisors.

Every minute (`early_warning_job`) the scan counts, for each series — (process, step) and
(process, step, attribute value) for the attributes in `WarningAttribute` — the stalls that began in
the last hour, and compares the count with the same hour of the week in each of the previous
`WEEKS` weeks (the weeks the process already had events in; at least `MIN_WEEKS` are needed):

    z = (count - median) / max(1.4826 * MAD, SCALE_FLOOR)

a robust z-score (median and median absolute deviation, so one past incident does not make the
baseline noisy). A series alarms when `z >= Z_THRESHOLD` *and* it has at least `MIN_STALLS` stalls:
the floor and the minimum keep a quiet series (usually 0) from alarming on one or two stalls, and a
normal Monday-morning peak is high every Monday, so its median is high too.

A spike is one `EarlyWarning` row while it lasts (a partial unique constraint allows one open row
per series); when the count falls back below the threshold the warning ends, and a later spike is
a new warning. Counting reads `StallTally`, a copy of each stall made by id (`stall_tallies_sync`),
so every window is an index range. The scan, its warnings and their messages are one transaction
that also moves the schedule row: a worker killed mid-scan leaves nothing half done.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Membership, Role
from unstuck.casework.services import incident_create
from unstuck.insights.models import EarlyWarning, StallTally, WarningAttribute, WarningSchedule
from unstuck.messaging.services import message_enqueue
from unstuck.processes.models import Process
from unstuck.stalls.models import Stall
from unstuck.tracking.models import Event

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
WEEK = timedelta(days=7)
WEEKS = 4
MIN_WEEKS = 2
Z_THRESHOLD = 3.5
MIN_STALLS = 5
SCALE_FLOOR = 1.0
MAD_TO_SIGMA = 1.4826
SCAN_EVERY = timedelta(minutes=1)
#: Stall ids re-read below the copy cursor each pass: a stall whose transaction committed after a
#: later one's is still copied (ids are handed out at insert, not at commit).
ID_MARGIN = 2000
SCHEDULE = "scan"

#: A series: (process id, step, attribute key, attribute value); "" key for the step as a whole.
Series = tuple[int, str, str, str]


def _tally_attrs(attrs: Any) -> dict[str, str]:
    """An item's scalar attributes as text (what attribute filters compare), bounded in size."""
    if not isinstance(attrs, dict):
        return {}
    kept: dict[str, str] = {}
    for key, value in list(attrs.items())[:50]:
        if isinstance(value, (str, int, float, bool)) and len(str(key)) <= 100:
            kept[str(key)] = str(value)[:200]
    return kept


def _schedule(now: datetime) -> WarningSchedule:
    schedule, _created = WarningSchedule.objects.get_or_create(name=SCHEDULE, defaults={"due_at": now})
    return schedule


def stall_tallies_sync(*, batch: int, now: datetime | None = None) -> int:
    """Copy new stalls into `StallTally` (idempotent: one tally per stall); returns how many were new."""
    now = now or timezone.now()
    _schedule(now)
    with transaction.atomic():
        schedule = _claim_schedule(due_only=False, now=now)
        if schedule is None:
            return 0  # another worker is copying right now
        rows = list(
            Stall.objects.filter(id__gt=max(0, schedule.last_stall_id - ID_MARGIN))
            .order_by("id")
            .values_list("id", "process_id", "step", "team_key", "since", "item__attrs")[: batch + ID_MARGIN]
        )
        if not rows:
            return 0
        known = set(
            StallTally.objects.filter(stall_id__in=[r[0] for r in rows]).values_list("stall_id", flat=True)
        )
        new = [
            StallTally(
                stall_id=sid, process_id=pid, step=step, team_key=team, since=since, attrs=_tally_attrs(attrs)
            )
            for sid, pid, step, team, since, attrs in rows
            if sid not in known
        ]
        StallTally.objects.bulk_create(new, ignore_conflicts=True)
        highest = rows[-1][0]
        if highest > schedule.last_stall_id:
            WarningSchedule.objects.filter(pk=schedule.pk).update(last_stall_id=highest)
        return len(new)


def _claim_schedule(*, due_only: bool, now: datetime) -> WarningSchedule | None:
    query = WarningSchedule.objects.filter(name=SCHEDULE)
    if due_only:
        query = query.filter(due_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    return query.first()


@dataclass(frozen=True)
class Spike:
    """A series whose last hour is far above its usual rate."""

    series: Series
    team_key: str
    stalls: int
    median: float
    mad: float
    score: float
    weeks: int


def robust_score(count: int, history: list[int]) -> tuple[float, float, float]:
    """(z, median, MAD) of `count` against `history` (see the module doc for the floor)."""
    middle = float(median(history))
    mad = float(median(abs(value - middle) for value in history))
    return (count - middle) / max(MAD_TO_SIGMA * mad, SCALE_FLOOR), middle, mad


def _count(tallies: Any, keys: list[str]) -> tuple[Counter[Series], dict[Series, str]]:
    counts: Counter[Series] = Counter()
    teams: dict[Series, str] = {}
    for process_id, step, team, attrs in tallies:
        series = [(process_id, step, "", "")]
        series += [(process_id, step, key, attrs[key]) for key in keys if key in attrs]
        for one in series:
            counts[one] += 1
            teams.setdefault(one, team)
    return counts, teams


def spikes_find(*, now: datetime) -> list[Spike]:
    """The series spiking in the hour up to `now` (reads the hour and the same hour of past weeks)."""
    keys = list(WarningAttribute.objects.filter(active=True).values_list("key", flat=True))
    fields = ("process_id", "step", "team_key", "attrs")
    current, teams = _count(
        StallTally.objects.filter(since__gte=now - WINDOW, since__lt=now).values_list(*fields), keys
    )
    candidates = {series: n for series, n in current.items() if n >= MIN_STALLS}
    if not candidates:
        return []
    process_ids = {series[0] for series in candidates}
    first_events = dict(
        Event.objects.filter(process_id__in=process_ids)
        .values("process_id")
        .annotate(first=Min("at"))
        .values_list("process_id", "first")
    )
    history: dict[int, Counter[Series]] = {}
    for week in range(1, WEEKS + 1):
        end = now - week * WEEK
        tallies = StallTally.objects.filter(
            process_id__in=process_ids, since__gte=end - WINDOW, since__lt=end
        )
        history[week], _teams = _count(tallies.values_list(*fields), keys)
    spikes = []
    for series, count in candidates.items():
        first = first_events.get(series[0])
        weeks = [w for w in history if first is not None and first <= now - w * WEEK - WINDOW]
        if len(weeks) < MIN_WEEKS:
            continue  # too little history to know what is usual
        score, middle, mad = robust_score(count, [history[w][series] for w in weeks])
        if score >= Z_THRESHOLD:
            spikes.append(Spike(series, teams[series], count, middle, mad, score, len(weeks)))
    return spikes


def _supervisors(team_key: str) -> list[Any]:
    memberships = Membership.objects.filter(team__key=team_key, role=Role.SUPERVISOR, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("user_id")]


def _describe(warning: EarlyWarning) -> str:
    where = f"{warning.attr_key}={warning.attr_value} · " if warning.attr_key else ""
    return _(
        "%(where)s%(stalls)d stalls in step %(step)s of %(process)s in the last hour; usually %(usual)s"
        " (robust z %(z).1f)"
    ) % {
        "where": where,
        "stalls": warning.stalls,
        "step": warning.step,
        "process": warning.process.name,
        "usual": f"{warning.baseline_median:g}",
        "z": warning.score,
    }


def early_warning_notify(*, warning: EarlyWarning) -> int:
    """Tell the supervisors of the step's team (in the caller's transaction); returns how many.

    Through the messaging outbox; the warning is listed on the warnings page either way.
    """
    users = _supervisors(warning.team_key) if warning.team_key else []
    if not users:
        return 0
    link = f"{settings.UNSTUCK_BASE_URL}{reverse('insights:warnings')}"
    sent = 0
    for user in users:
        message = message_enqueue(
            template_key="case_escalation",
            context={
                "case_title": _("Early warning: %(step)s") % {"step": warning.step},
                "case_number": "",
                "case_link": link,
                "reason": _describe(warning),
                "agent_name": user.get_full_name() or user.get_username(),
            },
            dedupe_key=f"early-warning:{warning.pk}:{user.pk}",
            user=user,
        )
        sent += message is not None
    return sent


def early_warnings_scan(*, now: datetime | None = None, force: bool = False) -> list[EarlyWarning]:
    """Run the scan if it is due (or `force`): raise new spikes, update ongoing ones, end the rest.

    Returns the warnings raised by this scan. One transaction with the schedule row locked.
    """
    now = now or timezone.now()
    _schedule(now)
    with transaction.atomic():
        schedule = _claim_schedule(due_only=not force, now=now)
        if schedule is None:
            return []
        spikes = {spike.series: spike for spike in spikes_find(now=now)}
        open_warnings = {
            (w.process_id, w.step, w.attr_key, w.attr_value): w
            for w in EarlyWarning.objects.select_for_update().filter(ended_at__isnull=True)
        }
        raised: list[EarlyWarning] = []
        for series, spike in spikes.items():
            ongoing = open_warnings.get(series)
            if ongoing is not None:
                if spike.stalls > ongoing.peak_stalls:
                    EarlyWarning.objects.filter(pk=ongoing.pk).update(peak_stalls=spike.stalls)
                continue
            warning = _raise(spike, now)
            if warning is not None:
                raised.append(warning)
        ended = [w.pk for series, w in open_warnings.items() if series not in spikes]
        EarlyWarning.objects.filter(pk__in=ended).update(ended_at=now)
        WarningSchedule.objects.filter(pk=schedule.pk).update(due_at=now + SCAN_EVERY)
    for warning in raised:
        logger.warning("early warning: %s", warning)
    return raised


def _raise(spike: Spike, now: datetime) -> EarlyWarning | None:
    process_id, step, attr_key, attr_value = spike.series
    try:
        with transaction.atomic():  # a savepoint: another scan raising the same spike is not an error
            warning = EarlyWarning.objects.create(
                process=Process.objects.get(pk=process_id),
                step=step,
                team_key=spike.team_key,
                attr_key=attr_key,
                attr_value=attr_value,
                started_at=now,
                window_start=now - WINDOW,
                stalls=spike.stalls,
                peak_stalls=spike.stalls,
                baseline_median=spike.median,
                baseline_mad=spike.mad,
                score=spike.score,
                weeks=spike.weeks,
            )
    except IntegrityError:
        return None
    warning.notified = early_warning_notify(warning=warning)
    EarlyWarning.objects.filter(pk=warning.pk).update(notified=warning.notified)
    return warning


def warning_incident_create(*, actor: Any, warning: EarlyWarning) -> Any:
    """Open an incident (a parent case gathering the matching stall cases) for the warning, once.

    Through `unstuck.casework.services.incident_create`; the warning keeps the incident, so a
    second click returns the same one.
    """
    with transaction.atomic():
        locked = (
            EarlyWarning.objects.select_for_update(of=("self",))
            .select_related("process", "incident")
            .get(pk=warning.pk)
        )
        if locked.incident is not None:
            return locked.incident
        title = _("Spike of stalls: %(process)s / %(step)s") % {
            "process": locked.process.name,
            "step": locked.step,
        }
        if locked.attr_key:
            title += f" ({locked.attr_key}={locked.attr_value})"
        incident = incident_create(
            actor=actor,
            title=title,
            process=locked.process.key,
            step=locked.step,
            team=locked.team_key or None,
            attrs={locked.attr_key: locked.attr_value} if locked.attr_key else None,
            stalled_since=locked.window_start,
        )
        EarlyWarning.objects.filter(pk=locked.pk).update(incident=incident)
        return incident


def warnings_visible(*, user: Any) -> Any:
    """Early warnings `user` may see: admins and auditors all, others their teams' (newest first)."""
    from unstuck.accounts.selectors import user_sees_all_teams, user_team_keys

    warnings = EarlyWarning.objects.select_related("process", "incident").order_by("-started_at", "-pk")
    if not user.is_authenticated:
        return warnings.none()
    if user_sees_all_teams(user):
        return warnings
    return warnings.filter(Q(team_key__in=user_team_keys(user)))
